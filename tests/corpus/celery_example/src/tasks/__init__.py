# Origin: st4lk/celery_example@5fa889455654338d3ec11e8b2a0755057a6abb56 app/src/tasks/__init__.py
from .advanced import *  # NOQA
from .broadcast import *  # NOQA
from .critical import *  # NOQA
from .regular import *  # NOQA
