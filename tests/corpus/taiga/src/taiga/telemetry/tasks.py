# Origin: taigaio/taiga-back@3bea7114007afd83478a8d6f2a70afd70d94dc21 taiga/telemetry/tasks.py:17
from taiga.celery import app


@app.task
def send_telemetry():
    pass
