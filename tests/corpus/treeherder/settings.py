# Origin: mozilla/treeherder@dc3080dd746d4732d5e06c0272471834d4639da0 treeherder/config/settings.py, the
# Celery section as written there (lines 344-422); Django's own settings only as far as Django needs them.
from datetime import timedelta

from celery.schedules import crontab
from kombu import Exchange, Queue

SECRET_KEY = "corpus"
INSTALLED_APPS = [
    "tests.corpus.treeherder.etl",
    "tests.corpus.treeherder.log_parser",
    "tests.corpus.treeherder.perf",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True

CELERY_TASK_QUEUES = [
    Queue("default", Exchange("default"), routing_key="default"),
    Queue("log_parser", Exchange("default"), routing_key="log_parser.normal"),
    Queue("log_parser_fail_raw_sheriffed", Exchange("default"), routing_key="log_parser.failures"),
    Queue("log_parser_fail_raw_unsheriffed", Exchange("default"), routing_key="log_parser.failures"),
    Queue("log_parser_fail_json_sheriffed", Exchange("default"), routing_key="log_parser.failures"),
    Queue("log_parser_fail_json_unsheriffed", Exchange("default"), routing_key="log_parser.failures"),
    Queue("pushlog", Exchange("default"), routing_key="pushlog"),
    Queue("generate_perf_alerts", Exchange("default"), routing_key="generate_perf_alerts"),
    Queue("store_pulse_tasks", Exchange("default"), routing_key="store_pulse_tasks"),
    Queue(
        "store_pulse_tasks_classification",
        Exchange("default"),
        routing_key="store_pulse_tasks_classification",
    ),
    Queue("store_pulse_pushes", Exchange("default"), routing_key="store_pulse_pushes"),
    Queue("statsd", Exchange("default"), routing_key="statsd"),
    Queue("perf_ingest", Exchange("default"), routing_key="perf_ingest.normal"),
]

CELERY_TASK_CREATE_MISSING_QUEUES = False
CELERY_BROKER_URL = "amqp://guest:guest@localhost:5672//"
CELERY_BROKER_CONNECTION_TIMEOUT = 30
CELERY_BROKER_HEARTBEAT = None
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SOFT_TIME_LIMIT = 15 * 60
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 30
CELERY_STATS_PUBLICATION_DELAY = 20

CELERY_BEAT_SCHEDULE = {
    # this is just a failsafe in case the Pulse ingestion misses something
    "fetch-push-logs-every-5-minutes": {
        "task": "fetch-push-logs",
        "schedule": timedelta(minutes=5),
        "relative": True,
        "options": {"queue": "pushlog"},
    },
    "publish_stats": {
        "task": "publish-stats",
        "schedule": crontab(minute=f"*/{CELERY_STATS_PUBLICATION_DELAY}"),
        "relative": True,
        "options": {"queue": "statsd"},
    },
}
