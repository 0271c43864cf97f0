"""Call sites of Alerzs/celery@f8c5e403d41b97a0767fbeffb963a612fead34a0: none in the repository beyond the beat
entry; its doc.ipynb sends task1.apply_async(priority=...) to try the priorities, reproduced here."""

from tests.corpus import Call


def _prioritised(priority):
    def send(app, task_id):
        return app.tasks["celerytst.celery.task1"].apply_async(priority=priority, task_id=task_id)

    return send


CALLS = [Call(f"task1 priority={p}", "doc.ipynb", _prioritised(p)) for p in (1, 9)]
