# Origin: mozilla/addons-server src/olympia/ratings/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def addon_bayesian_rating(*args, **kwargs):
    pass


@task
def addon_rating_aggregates(*args, **kwargs):
    pass


@task
def update_denorm(*args, **kwargs):
    pass
