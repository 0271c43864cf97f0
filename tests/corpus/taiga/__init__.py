"""Origin: taigaio/taiga-back@3bea7114007afd83478a8d6f2a70afd70d94dc21 taiga/celery.py, settings/common.py
(the Celery section, with settings/config.py.prod.example's CHANGE_NOTIFICATIONS_MIN_INTERVAL = 120 and
ENABLE_TELEMETRY = True, which turn on two of its beat entries), and the task declarations named below. `src`
is the project's root. Django, namespace CELERY, with the old name CELERY_QUEUES; queues without an exchange
of their own on a topic default exchange ('tasks', key 'task.default')."""
