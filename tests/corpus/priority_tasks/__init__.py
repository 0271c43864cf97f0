"""Origin: Alerzs/celery@f8c5e403d41b97a0767fbeffb963a612fead34a0 celerytst/celerytst/celery.py and
celerytst/celerytst/settings.py (the Celery settings). `src` is its celerytst folder. Django, namespace
CELERY; a queue with x-max-priority plus task_queue_max_priority; a task-level queue=; a beat entry naming
the task by a name it is not registered under (Celery sends it by name, to the default queue)."""
