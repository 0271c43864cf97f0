# Origin: jurelou/salver@059684643ae5271741e24e6eac782250ee369a79 v1/opulence/__init__.py (settings.CELERY_BROKER
# is a dict of broker settings there: Celery's default broker here)
from opulence.common.configuration import configure_celery

App = configure_celery({"imports": ["opulence.app", "opulence.collectors.app", "opulence.engine.tasks"]})
