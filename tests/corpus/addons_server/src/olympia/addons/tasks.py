# Origin: mozilla/addons-server src/olympia/addons/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def index_addons(*args, **kwargs):
    pass


@task
def unindex_addons(*args, **kwargs):
    pass


@task
def add_dynamic_theme_tag(*args, **kwargs):
    pass


@task
def delete_addons(*args, **kwargs):
    pass


@task
def delete_preview_files(*args, **kwargs):
    pass


@task
def version_changed(*args, **kwargs):
    pass


@task
def extract_colors_from_static_themes(*args, **kwargs):
    pass


@task
def recreate_theme_previews(*args, **kwargs):
    pass


@task
def update_addon_average_daily_users(*args, **kwargs):
    pass


@task
def update_addon_hotness(*args, **kwargs):
    pass


@task
def update_addon_weekly_downloads(*args, **kwargs):
    pass


@task
def update_appsupport(*args, **kwargs):
    pass


@task
def find_inconsistencies_between_es_and_db(*args, **kwargs):
    pass
