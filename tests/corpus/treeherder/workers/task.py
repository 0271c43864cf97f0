# Origin: mozilla/treeherder@dc3080dd746d4732d5e06c0272471834d4639da0 treeherder/workers/task.py: the
# decorator every retried task is declared with (its retry logic left out: it changes no routing).
from celery import shared_task


class retryable_task:  # noqa: N801
    """Wrapper around a celery task to add conditional task retrying."""

    def __init__(self, *args, **kwargs):
        self.task_args = args
        self.task_kwargs = kwargs

    def __call__(self, f):
        return shared_task(*self.task_args, **self.task_kwargs)(f)
