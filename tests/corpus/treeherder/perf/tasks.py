# Origin: mozilla/treeherder@dc3080dd746d4732d5e06c0272471834d4639da0 treeherder/perf/tasks.py:14, :41
from tests.corpus.treeherder.workers.task import retryable_task


@retryable_task(name="generate-alerts", max_retries=10)
def generate_alerts(signature_id):
    pass


@retryable_task(name="ingest-perfherder-data", max_retries=10)
def ingest_perfherder_data(job_id, job_log_ids):
    pass
