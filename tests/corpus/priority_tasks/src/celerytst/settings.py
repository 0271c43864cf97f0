# Origin: Alerzs/celery@f8c5e403d41b97a0767fbeffb963a612fead34a0 celerytst/celerytst/settings.py:119-121
# (os.getenv defaults as written); Django's own settings only as far as Django needs them.
import os

SECRET_KEY = "corpus"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
INSTALLED_APPS = []

CELERY_BROKER_URL = os.getenv("CELERY_BROKER_URL", "amqp://guest:guest@rabbitmq:5672")
CELERY_RESULT_BACKEND = os.getenv("CELERY_BACKEND", "redis://redis:6379/0")
