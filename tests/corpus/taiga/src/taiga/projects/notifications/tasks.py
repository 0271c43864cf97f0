# Origin: taigaio/taiga-back@3bea7114007afd83478a8d6f2a70afd70d94dc21 taiga/projects/notifications/tasks.py:13
from taiga.celery import app


@app.task()
def send_bulk_email():
    pass
