# Origin: mozilla/treeherder@dc3080dd746d4732d5e06c0272471834d4639da0 treeherder/celery.py
import os

from celery import Celery

# set the default Django settings module for the 'celery' program.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.corpus.treeherder.settings")

app = Celery("treeherder")

# - namespace='CELERY' means all celery-related configuration keys
#   should have a `CELERY_` prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")

# Load task modules from all registered Django app configs.
app.autodiscover_tasks()
app.autodiscover_tasks(["tests.corpus.treeherder.workers.stats"])
