# Origin: jurelou/salver@059684643ae5271741e24e6eac782250ee369a79 v1/opulence/engine/{collector,fact,scan}_tasks.py:
# the task declarations
from opulence import App


@App.task(name="engine:collectors.get")
def collectors_get():
    pass


@App.task(name="engine:collectors.load")
def collectors_load():
    pass


@App.task(name="engine:facts.get")
def facts_get():
    pass


@App.task(name="engine:scan.quick")
def scan_quick():
    pass


@App.task(name="engine:scan.full")
def scan_full():
    pass
