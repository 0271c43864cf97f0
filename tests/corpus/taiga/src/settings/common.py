# Origin: taigaio/taiga-back@3bea7114007afd83478a8d6f2a70afd70d94dc21 settings/common.py lines 47-64 (CELERY)
# and 208, 456, 672; settings/config.py.prod.example:60 (CHANGE_NOTIFICATIONS_MIN_INTERVAL). Django's own
# settings only as far as Django needs them.
SECRET_KEY = "corpus"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
INSTALLED_APPS = [
    "taiga.auth.token_denylist",
    "taiga.projects.notifications",
    "taiga.telemetry",
    "taiga.export_import",
]

# CELERY
CELERY_ENABLED = False
from kombu import Queue  # noqa

CELERY_BROKER_URL = "amqp://guest:guest@localhost:5672//"
CELERY_RESULT_BACKEND = None  # for a general installation, we don't need to store the results
CELERY_ACCEPT_CONTENT = [
    "pickle",
]  # Values are 'pickle', 'json', 'msgpack' and 'yaml'
CELERY_TASK_SERIALIZER = "pickle"
CELERY_RESULT_SERIALIZER = "pickle"
CELERY_TIMEZONE = "Europe/Madrid"
CELERY_TASK_DEFAULT_QUEUE = "tasks"
CELERY_QUEUES = (Queue("tasks", routing_key="task.#"), Queue("transient", routing_key="transient.#", delivery_mode=1))
CELERY_TASK_DEFAULT_EXCHANGE = "tasks"
CELERY_TASK_DEFAULT_EXCHANGE_TYPE = "topic"
CELERY_TASK_DEFAULT_ROUTING_KEY = "task.default"

CHANGE_NOTIFICATIONS_MIN_INTERVAL = 120  # seconds (config.py.prod.example; common.py has 0)
SEND_BULK_EMAILS_WITH_CELERY = True
FLUSH_REFRESHED_TOKENS_PERIODICITY = 3 * 24 * 3600  # seconds
ENABLE_TELEMETRY = True
