# Origin: jurelou/salver@059684643ae5271741e24e6eac782250ee369a79 v1/opulence/app.py:6
from opulence import App


@App.task(name="ping")
def ping():
    return "pong"
