# Origin: mozilla/addons-server@001698728988125d282985440e5bc32950852001 src/olympia/lib/settings_base.py,
# the Celery section as written there; Django's own settings only as far as Django needs them.
import os

from kombu import Queue

SECRET_KEY = "corpus"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
INSTALLED_APPS = [
    "olympia.accounts",
    "olympia.activity",
    "olympia.addons",
    "olympia.amo",
    "olympia.bandwagon",
    "olympia.blocklist",
    "olympia.devhub",
    "olympia.files",
    "olympia.git",
    "olympia.promoted",
    "olympia.ratings",
    "olympia.reviewers",
    "olympia.scanners",
    "olympia.tags",
    "olympia.users",
    "olympia.versions",
    "olympia.zadmin",
]

# Celery
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "amqp://olympia:olympia@localhost:5672/olympia")
CELERY_BROKER_CONNECTION_TIMEOUT = 0.1
CELERY_BROKER_HEARTBEAT = 60 * 15
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/1")

CELERY_TASK_IGNORE_RESULT = True
CELERY_SEND_TASK_ERROR_EMAILS = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Testing responsiveness without rate limits.
CELERY_WORKER_DISABLE_RATE_LIMITS = True

# Only serialize celery tasks using JSON.
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"

# When testing, we always want tasks to raise exceptions. Good for sanity.
CELERY_TASK_EAGER_PROPAGATES = True

# Time in seconds before celery.exceptions.SoftTimeLimitExceeded is raised.
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 30

# List of modules that contain tasks and that wouldn't be autodiscovered by
# celery. Typically, it's either `tasks` modules from something not in
# INSTALLED_APPS, or modules not called `tasks`.
CELERY_IMPORTS = (
    "olympia.lib.crypto.tasks",
    "olympia.lib.es.management.commands.reindex",
)

CELERY_TASK_QUEUES = (
    Queue("addons", routing_key="addons"),
    Queue("adhoc", routing_key="adhoc"),
    Queue("amo", routing_key="amo"),
    Queue("bandwagon", routing_key="bandwagon"),
    Queue("cron", routing_key="cron"),
    Queue("crypto", routing_key="crypto"),
    Queue("default", routing_key="default"),
    Queue("devhub", routing_key="devhub"),
    Queue("images", routing_key="images"),
    Queue("priority", routing_key="priority"),
    Queue("ratings", routing_key="ratings"),
    Queue("reviewers", routing_key="reviewers"),
    Queue("search", routing_key="search"),
    Queue("tags", routing_key="tags"),
    Queue("users", routing_key="users"),
    Queue("zadmin", routing_key="zadmin"),
)

# We have separate celeryds for processing devhub & images as fast as possible
# Some notes:
# - always add routes here instead of @task(queue=<name>)
# - when adding a queue, be sure to update deploy.py so that it gets restarted
CELERY_TASK_ROUTES = {
    # Priority.
    # If your tasks need to be run as soon as possible, add them here so they
    # are routed to the priority queue.
    "olympia.addons.tasks.index_addons": {"queue": "priority"},
    "olympia.addons.tasks.unindex_addons": {"queue": "priority"},
    "olympia.blocklist.tasks.process_blocklistsubmission": {"queue": "priority"},
    "olympia.blocklist.tasks.import_block_from_blocklist": {"queue": "priority"},
    "olympia.blocklist.tasks.delete_imported_block_from_blocklist": {"queue": "priority"},
    "olympia.blocklist.tasks.upload_filter": {"queue": "priority"},
    "olympia.versions.tasks.generate_static_theme_preview": {"queue": "priority"},
    # Other queues we prioritize below.
    # 'Default' queue.
    "celery.accumulate": {"queue": "default"},
    "celery.backend_cleanup": {"queue": "default"},
    "celery.chain": {"queue": "default"},
    "celery.chord": {"queue": "default"},
    "celery.chunks": {"queue": "default"},
    "celery.group": {"queue": "default"},
    "celery.map": {"queue": "default"},
    "celery.starmap": {"queue": "default"},
    # AMO Devhub.
    "olympia.devhub.tasks.check_for_api_keys_in_file": {"queue": "devhub"},
    "olympia.devhub.tasks.create_initial_validation_results": {"queue": "devhub"},
    "olympia.devhub.tasks.forward_linter_results": {"queue": "devhub"},
    "olympia.devhub.tasks.get_preview_sizes": {"queue": "devhub"},
    "olympia.devhub.tasks.handle_file_validation_result": {"queue": "devhub"},
    "olympia.devhub.tasks.handle_upload_validation_result": {"queue": "devhub"},
    "olympia.devhub.tasks.revoke_api_key": {"queue": "devhub"},
    "olympia.devhub.tasks.send_welcome_email": {"queue": "devhub"},
    "olympia.devhub.tasks.submit_file": {"queue": "devhub"},
    "olympia.devhub.tasks.validate_file": {"queue": "devhub"},
    "olympia.devhub.tasks.validate_upload": {"queue": "devhub"},
    "olympia.files.tasks.repack_fileupload": {"queue": "devhub"},
    "olympia.promoted.tasks.on_stripe_charge_failed": {"queue": "devhub"},
    "olympia.promoted.tasks.on_stripe_charge_succeeded": {"queue": "devhub"},
    "olympia.promoted.tasks.on_stripe_customer_subscription_deleted": {"queue": "devhub"},
    "olympia.scanners.tasks.run_customs": {"queue": "devhub"},
    "olympia.scanners.tasks.run_wat": {"queue": "devhub"},
    "olympia.scanners.tasks.run_yara": {"queue": "devhub"},
    "olympia.scanners.tasks.call_mad_api": {"queue": "devhub"},
    # Activity (goes to devhub queue).
    "olympia.activity.tasks.process_email": {"queue": "devhub"},
    # This is currently used only by validation tasks.
    # This puts the chord_unlock task on the devhub queue. Which means anything
    # that uses chord() or group() must also be running in this queue or must
    # be on a worker that listens to the same queue.
    "celery.chord_unlock": {"queue": "devhub"},
    # Images.
    "olympia.users.tasks.resize_photo": {"queue": "images"},
    "olympia.devhub.tasks.recreate_previews": {"queue": "images"},
    "olympia.devhub.tasks.resize_icon": {"queue": "images"},
    "olympia.devhub.tasks.resize_preview": {"queue": "images"},
    # AMO
    "olympia.amo.tasks.delete_anonymous_collections": {"queue": "amo"},
    "olympia.amo.tasks.delete_logs": {"queue": "amo"},
    "olympia.amo.tasks.send_email": {"queue": "amo"},
    "olympia.amo.tasks.set_modified_on_object": {"queue": "amo"},
    "olympia.amo.tasks.sync_object_to_basket": {"queue": "amo"},
    "olympia.blocklist.tasks.cleanup_old_files": {"queue": "amo"},
    # Addons
    "olympia.addons.tasks.add_dynamic_theme_tag": {"queue": "addons"},
    "olympia.addons.tasks.delete_addons": {"queue": "addons"},
    "olympia.addons.tasks.delete_preview_files": {"queue": "addons"},
    "olympia.addons.tasks.version_changed": {"queue": "addons"},
    "olympia.files.tasks.hide_disabled_files": {"queue": "addons"},
    "olympia.versions.tasks.delete_preview_files": {"queue": "addons"},
    "olympia.git.tasks.continue_git_extraction": {"queue": "addons"},
    "olympia.git.tasks.extract_versions_to_git": {"queue": "addons"},
    "olympia.git.tasks.on_extraction_error": {"queue": "addons"},
    "olympia.git.tasks.remove_git_extraction_entry": {"queue": "addons"},
    # Additional image processing tasks that aren't as important go in the
    # addons queue to leave the 'devhub' queue free to process validations etc.
    "olympia.addons.tasks.extract_colors_from_static_themes": {"queue": "addons"},
    "olympia.devhub.tasks.pngcrush_existing_preview": {"queue": "addons"},
    "olympia.devhub.tasks.pngcrush_existing_icons": {"queue": "addons"},
    "olympia.addons.tasks.recreate_theme_previews": {"queue": "addons"},
    # Adhoc
    # A queue to be used for one-off tasks that could be resource intensive.
    "olympia.files.tasks.extract_optional_permissions": {"queue": "adhoc"},
    # Crons
    "olympia.addons.tasks.update_addon_average_daily_users": {"queue": "cron"},
    "olympia.addons.tasks.update_addon_hotness": {"queue": "cron"},
    "olympia.addons.tasks.update_addon_weekly_downloads": {"queue": "cron"},
    "olympia.addons.tasks.update_appsupport": {"queue": "cron"},
    # Bandwagon
    "olympia.bandwagon.tasks.collection_meta": {"queue": "bandwagon"},
    # Reviewers
    "olympia.reviewers.tasks.recalculate_post_review_weight": {"queue": "reviewers"},
    # Crypto
    "olympia.lib.crypto.tasks.sign_addons": {"queue": "crypto"},
    # Search
    "olympia.lib.es.management.commands.reindex.create_new_index": {"queue": "search"},
    "olympia.lib.es.management.commands.reindex.delete_indexes": {"queue": "search"},
    "olympia.lib.es.management.commands.reindex.flag_database": {"queue": "search"},
    "olympia.lib.es.management.commands.reindex.unflag_database": {"queue": "search"},
    "olympia.lib.es.management.commands.reindex.update_aliases": {"queue": "search"},
    "olympia.addons.tasks.find_inconsistencies_between_es_and_db": {"queue": "search"},
    # Ratings
    "olympia.ratings.tasks.addon_bayesian_rating": {"queue": "ratings"},
    "olympia.ratings.tasks.addon_rating_aggregates": {"queue": "ratings"},
    "olympia.ratings.tasks.update_denorm": {"queue": "ratings"},
    # Tags
    "olympia.tags.tasks.update_all_tag_stats": {"queue": "tags"},
    "olympia.tags.tasks.update_tag_stat": {"queue": "tags"},
    # Users
    "olympia.accounts.tasks.primary_email_change_event": {"queue": "users"},
    "olympia.users.tasks.delete_photo": {"queue": "users"},
    "olympia.users.tasks.update_user_ratings_task": {"queue": "users"},
    "olympia.accounts.tasks.delete_user_event": {"queue": "users"},
    # Zadmin
    "olympia.scanners.tasks.run_yara_query_rule": {"queue": "zadmin"},
    "olympia.scanners.tasks.run_yara_query_rule_on_versions_chunk": {"queue": "zadmin"},
    "olympia.scanners.tasks.mark_yara_query_rule_as_completed_or_aborted": {"queue": "zadmin"},
    "olympia.zadmin.tasks.celery_error": {"queue": "zadmin"},
}
