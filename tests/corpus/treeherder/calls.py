"""The call sites of mozilla/treeherder@dc3080dd746d4732d5e06c0272471834d4639da0: every task is sent with the
caller's queue= (no task_routes):
- treeherder/etl/jobs.py:393      parse_logs.apply_async(queue=queue, args=[job.id, [job_log.id], priority]),
                                  queue one of log_parser, log_parser_fail_{raw,json}_{sheriffed,unsheriffed}
- treeherder/etl/jobs.py:405      ingest_perfherder_data.apply_async(queue="perf_ingest", args=[...])
- treeherder/etl/perf.py:249      generate_alerts.apply_async(args=[signature.id], queue="generate_perf_alerts")
- treeherder/etl/tasks/pushlog_tasks.py:14  fetch_hg_push_log.apply_async(args=(...), queue="pushlog")
- treeherder/services/pulse/consumers.py:167, :194, :217  store_pulse_{tasks,tasks_classification,pushes}
                                  .apply_async(args=[body, exchange, routing_key, root_url], queue=<its name>)"""

from tests.corpus import Call

LOG_QUEUES = (
    "log_parser",
    "log_parser_fail_raw_sheriffed",
    "log_parser_fail_raw_unsheriffed",
    "log_parser_fail_json_sheriffed",
    "log_parser_fail_json_unsheriffed",
)


def _parse_logs(queue):
    def send(app, task_id):
        priority = "normal" if queue == "log_parser" else "failures"
        return app.tasks["log-parser"].apply_async(queue=queue, args=[1, [2], priority], task_id=task_id)

    return send


def _queued(task, queue, args):
    def send(app, task_id):
        return app.tasks[task].apply_async(args=args, queue=queue, task_id=task_id)

    return send


PULSE = [{}, "exchange/taskcluster-queue/v1/task-completed", "primary.#", "https://firefox-ci-tc.services.mozilla.com"]
CALLS = [
    *(Call(f"parse_logs to {q}", "treeherder/etl/jobs.py:393", _parse_logs(q)) for q in LOG_QUEUES),
    Call(
        "ingest_perfherder_data",
        "treeherder/etl/jobs.py:405",
        _queued("ingest-perfherder-data", "perf_ingest", [1, [2]]),
    ),
    Call("generate_alerts", "treeherder/etl/perf.py:249", _queued("generate-alerts", "generate_perf_alerts", [1])),
    Call(
        "fetch_hg_push_log",
        "treeherder/etl/tasks/pushlog_tasks.py:14",
        _queued("fetch-hg-push-logs", "pushlog", ("mozilla-central", "https://hg.mozilla.org/mozilla-central")),
    ),
    Call(
        "store_pulse_tasks",
        "treeherder/services/pulse/consumers.py:167",
        _queued("store-pulse-tasks", "store_pulse_tasks", PULSE),
    ),
    Call(
        "store_pulse_tasks_classification",
        "treeherder/services/pulse/consumers.py:194",
        _queued("store-pulse-pushes-classification", "store_pulse_tasks_classification", PULSE),
    ),
    Call(
        "store_pulse_pushes",
        "treeherder/services/pulse/consumers.py:217",
        _queued("store-pulse-pushes", "store_pulse_pushes", PULSE),
    ),
]
