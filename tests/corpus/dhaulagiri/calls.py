"""Call site of haizi-zh/Dhaulagiri@cc9490b306d04c5742924dd58f01fe213050d4c3:
- processors/images.py:150   image_upload_task.delay(dumps(entry))"""

from tests.corpus import Call


def _upload(app, task_id):
    return app.tasks["processors.images.upload"].apply_async(('{"url": "x"}',), task_id=task_id)


CALLS = [Call("image_upload_task.delay", "processors/images.py:150", _upload)]
