# Origin: st4lk/celery_example@5fa889455654338d3ec11e8b2a0755057a6abb56 app/src/celery_app.py (the broker URL,
# built there from environment variables for Redis or RabbitMQ, is Celery's default here)
from celery import Celery
from kombu import Queue
from kombu.common import Broadcast

task_routes = {
    "tasks.critical.critical_task": {"queue": "critical"},
    "tasks.advanced.*": {"queue": "advanced"},
    "tasks.broadcast.broadcast_task": {
        "queue": "broadcast_tasks",
        "exchange": "broadcast_tasks",
        "routing_key": "broadcast_tasks",
    },
}

app = Celery(
    "example-redis",
    include=["tasks"],
)

app.conf.task_queues = (
    Queue("dedicated"),
    Broadcast("broadcast_tasks", routing_key="broadcast_tasks"),
)

app.conf.broker_transport_options = {
    "visibility_timeout": 10,  # in seconds
    "queue_order_strategy": "priority",
}


# Optional configuration, see the application user guide.
app.conf.update(
    task_default_queue="default",
    task_routes=task_routes,
    task_send_sent_event=True,
)

# periodic tasks
app.conf.beat_schedule = {
    "5-seconds": {
        "task": "tasks.regular.simple_task",
        "schedule": 5.0,
        "kwargs": {"wait_time": 10},
    },
}
