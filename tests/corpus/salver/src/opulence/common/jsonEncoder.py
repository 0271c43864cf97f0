# Origin: jurelou/salver@059684643ae5271741e24e6eac782250ee369a79 v1/opulence/common/jsonEncoder.py: the
# serializer the app publishes with (its handling of the project's fact objects left out)
import json


def custom_dumps(obj):
    return json.dumps(obj)


def custom_loads(obj):
    return json.loads(obj)
