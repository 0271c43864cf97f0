"""Origin: mozilla/addons-server@001698728988125d282985440e5bc32950852001 src/olympia/lib/settings_base.py
(the Celery section), src/olympia/amo/celery.py (the app and its Task class), and the task modules its
routes name (src/olympia/*/tasks.py, declared with @task; bodies left out). `src` is the project's own
root: task names are derived from module paths, as in the project. Django, namespace CELERY; 16 queues
without an exchange of their own; 88 routes, routes for Celery's own tasks among them."""
