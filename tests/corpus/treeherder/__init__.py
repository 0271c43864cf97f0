"""Origin: mozilla/treeherder, commit dc3080dd746d4732d5e06c0272471834d4639da0: treeherder/celery.py,
treeherder/config/settings.py (the Celery section), treeherder/workers/task.py (retryable_task), and the task
declarations and call sites named in each module here. Django, namespace CELERY; 14 queues on one direct
exchange, four of them bound with the same key; tasks routed by the callers' queue=; beat entries with
relative and a queue option."""
