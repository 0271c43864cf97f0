"""import-celery: an existing Celery configuration read (`read`), converted to a Topology (`convert`), and
audited for what Celery would do silently or routing.yaml says differently (`audit`)."""
