"""Origin: st4lk/celery_example@5fa889455654338d3ec11e8b2a0755057a6abb56 app/src/celery_app.py, app/src/tasks/*.py
(task declarations, bodies and the wait_time decorator left out) and app/src/server.py (the call site). `src`
is the project's app/src. A kombu Broadcast queue routed to by a route naming its exchange and key, routes to
queues Celery creates on the fly, a glob route, a beat entry, callers' queue= and priority=."""
