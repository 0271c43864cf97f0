# Origin: mozilla/addons-server src/olympia/amo/celery.py (stored version 012f6908c172d083be569df35920ea0f6262aa2f):
# the app, its Task class that sends every task once the current transaction commits, and `task`; the
# signal handlers (logging, timing) left out: they change no routing.
import functools

from celery import Celery
from celery.app.task import Task
from django.db import transaction


class AMOTask(Task):
    """A custom celery Task base class to always trigger tasks after the
    current transaction has been committed."""

    abstract = True

    def original_apply_async(self, *args, **kwargs):
        return super().apply_async(*args, **kwargs)

    def apply_async(self, args=None, kwargs=None, **options):
        if app.conf.task_always_eager:
            self.original_apply_async(args=args, kwargs=kwargs, **options)
        else:
            # In normal mode, wait until the current transaction is committed
            # to actually send the task.
            transaction.on_commit(functools.partial(self.original_apply_async, args=args, kwargs=kwargs, **options))
        return None


app = Celery("olympia", task_cls=AMOTask)
task = app.task

app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
