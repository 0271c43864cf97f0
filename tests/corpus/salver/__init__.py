"""Origin: jurelou/salver@059684643ae5271741e24e6eac782250ee369a79 v1/opulence/common/configuration.py,
v1/opulence/common/celery/taskRouter.py, v1/opulence/common/celery/utils.py (send_task call sites),
v1/opulence/__init__.py and the task declarations of v1/opulence/{app,collectors/app,engine/*_tasks}.py.
`src` is its v1 folder. A pre-4.0 router class named by dotted path in task_routes; every queue created on the
fly (no task_queues); task names with a namespace before ':'."""
