# Origin: jurelou/salver@059684643ae5271741e24e6eac782250ee369a79 v1/opulence/collectors/app.py:18-38
from opulence import App


@App.task(name="collectors:reload_collectors", ignore_result=True)
def reload_collectors(flush=False):
    pass


@App.task(name="collectors:list_collectors")
def list_collectors():
    pass


@App.task(name="collectors:execute_collector_by_name")
def execute_collector_by_name(collector_name, fact_or_composite):
    pass
