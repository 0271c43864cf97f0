# Origin: mozilla/addons-server src/olympia/scanners/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def run_customs(*args, **kwargs):
    pass


@task
def run_wat(*args, **kwargs):
    pass


@task
def run_yara(*args, **kwargs):
    pass


@task
def call_mad_api(*args, **kwargs):
    pass


@task
def run_yara_query_rule(*args, **kwargs):
    pass


@task
def run_yara_query_rule_on_versions_chunk(*args, **kwargs):
    pass


@task
def mark_yara_query_rule_as_completed_or_aborted(*args, **kwargs):
    pass
