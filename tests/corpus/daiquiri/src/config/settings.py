# A daiquiri project's settings: daiquiri's own (daiquiri/core/settings/celery.py among them) star-imported,
# as daiquiri's project template does; Django's own settings only as far as Django needs them.
from daiquiri.core.settings.celery import *  # noqa: F403

SECRET_KEY = "corpus"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
INSTALLED_APPS = ["daiquiri.query", "daiquiri.archive"]
