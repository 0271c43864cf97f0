# Origin: django-daiquiri/daiquiri@dfa44ad6134ca6a0f204c68bdc1333ddb52318ad daiquiri/core/settings/celery.py
# (env.get('CELERY_BROKER_URL', 'amqp://') read as its default here)
from kombu import Exchange, Queue

CELERY_BROKER_URL = "amqp://"

CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

CELERY_TASK_DEFAULT_QUEUE = "default"

CELERY_TASK_QUEUES = [
    Queue("default", Exchange("default"), routing_key="default"),
    Queue("download", Exchange("download"), routing_key="download"),
    Queue("query", Exchange("query"), routing_key="query", queue_arguments={"x-max-priority": 5}),
]
