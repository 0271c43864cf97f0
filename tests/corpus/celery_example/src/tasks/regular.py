# Origin: st4lk/celery_example@5fa889455654338d3ec11e8b2a0755057a6abb56 app/src/tasks/regular.py: the task
# declarations with their options
from celery_app import app


@app.task
def simple_task(*args, **kwargs):
    return "Success simple_task"


@app.task
def second_simple_task(*args, **kwargs):
    return "Success second_simple_task"


@app.task(rate_limit="1/h")
def rate_limited_task(*args, **kwargs):
    return "Success rate_limited_task"


@app.task
def task_with_exception(*args, **kwargs):
    raise ValueError


@app.task(autoretry_for=(ValueError,), default_retry_delay=150, max_retries=2)
def task_with_exception_with_retry(*args, **kwargs):
    raise ValueError


@app.task(acks_late=True, time_limit=15)
def acks_late_simple_task(*args, **kwargs):
    return "Success acks_late_simple_task"


@app.task(acks_late=True)
def acks_late_task_with_exception(*args, **kwargs):
    raise ValueError


@app.task
def task_with_unpickable_exception(*args, **kwargs):
    raise ValueError


@app.task
def task_with_pickable_exception(*args, **kwargs):
    raise ValueError
