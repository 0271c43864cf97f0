# Origin: st4lk/celery_example@5fa889455654338d3ec11e8b2a0755057a6abb56 app/src/tasks/broadcast.py
from celery_app import app


@app.task
def broadcast_task(*args, **kwargs):
    return "Success broadcast_task"
