# Origin: mozilla/treeherder@dc3080dd746d4732d5e06c0272471834d4639da0 treeherder/log_parser/tasks.py:22
from tests.corpus.treeherder.workers.task import retryable_task


@retryable_task(name="log-parser", max_retries=10)
def parse_logs(job_id, job_log_ids, priority):
    pass
