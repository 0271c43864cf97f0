# Origin: mozilla/addons-server src/olympia/promoted/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def on_stripe_charge_failed(*args, **kwargs):
    pass


@task
def on_stripe_charge_succeeded(*args, **kwargs):
    pass


@task
def on_stripe_customer_subscription_deleted(*args, **kwargs):
    pass
