"""Origin: django-daiquiri/daiquiri@dfa44ad6134ca6a0f204c68bdc1333ddb52318ad daiquiri/core/settings/celery.py
(the Celery settings, with the 'query' queue's x-max-priority), daiquiri/query/tasks.py and
daiquiri/archive/tasks.py (task declarations), and the call sites in daiquiri/query/models.py and
daiquiri/archive/models.py. The Celery app is each daiquiri project's config/celery.py, Celery's Django
layout (namespace CELERY), reproduced in src/config. `src` is the project's root."""
