# Origin: jurelou/salver@059684643ae5271741e24e6eac782250ee369a79 v1/opulence/common/celery/taskRouter.py
class TaskRouter:
    def route_for_task(self, task, *args, **kwargs):
        if ":" not in task:
            return {"queue": "default"}
        namespace, _ = task.split(":")
        return {"queue": namespace}
