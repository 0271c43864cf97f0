# Origin: st4lk/celery_example@5fa889455654338d3ec11e8b2a0755057a6abb56 app/src/tasks/advanced.py
from celery_app import app


@app.task
def task_a_one(*args, **kwargs):
    return "Success task_a_one"


@app.task
def task_a_two(*args, **kwargs):
    return "Success task_a_two"
