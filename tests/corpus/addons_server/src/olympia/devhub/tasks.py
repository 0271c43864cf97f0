# Origin: mozilla/addons-server src/olympia/devhub/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def check_for_api_keys_in_file(*args, **kwargs):
    pass


@task
def create_initial_validation_results(*args, **kwargs):
    pass


@task
def forward_linter_results(*args, **kwargs):
    pass


@task
def get_preview_sizes(*args, **kwargs):
    pass


@task
def handle_file_validation_result(*args, **kwargs):
    pass


@task
def handle_upload_validation_result(*args, **kwargs):
    pass


@task
def revoke_api_key(*args, **kwargs):
    pass


@task
def send_welcome_email(*args, **kwargs):
    pass


@task
def submit_file(*args, **kwargs):
    pass


@task
def validate_file(*args, **kwargs):
    pass


@task
def validate_upload(*args, **kwargs):
    pass


@task
def recreate_previews(*args, **kwargs):
    pass


@task
def resize_icon(*args, **kwargs):
    pass


@task
def resize_preview(*args, **kwargs):
    pass


@task
def pngcrush_existing_preview(*args, **kwargs):
    pass


@task
def pngcrush_existing_icons(*args, **kwargs):
    pass
