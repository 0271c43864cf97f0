"""Reading an existing Celery configuration: the app (or config module) imported as `celery -A` finds it, the
source files its settings came from (to say where a name is written), and where Celery itself publishes a
task, asked through a producer that only records the publish.

Importing runs the user's code; any failure becomes one line naming the place in the user's own code where
Python says it went wrong, never a traceback.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
import sysconfig
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from celery import Celery
from celery.app.amqp import task_message

from topology.errors import TopologyError
from topology.model import Destination


class CannotImport(TopologyError):
    """The module does not import, or Celery refuses its settings: one line, where Python says it went wrong."""

    exit_code = 2


@dataclass
class Sources:
    """The files the settings were read from, to say where a name is written."""

    files: list[Path] = field(default_factory=list)
    _lines: dict[Path, list[str]] = field(default_factory=dict)

    def add(self, thing: object) -> None:
        try:
            found = inspect.getsourcefile(thing)  # type: ignore[arg-type]
        except TypeError:
            return
        if found and Path(found) not in self.files:
            self.files.append(Path(found))

    def where(self, *names: str) -> str | None:
        """file:line of the first line that writes one of `names` (as a word or a quoted string)."""
        patterns = [re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])") for name in names if name]
        for path in self.files:
            if path not in self._lines:
                try:
                    self._lines[path] = path.read_text(encoding="utf-8").splitlines()
                except OSError:
                    self._lines[path] = []
            for number, line in enumerate(self._lines[path], start=1):
                if any(p.search(line) for p in patterns):
                    return f"{shown_path(path)}:{number}"
        return None


def load_celery(module: str) -> tuple[Celery, bool, Sources]:
    """The Celery app MODULE names (as `celery -A` finds it), or a fresh app configured from MODULE as a
    config module; whether it was an app; and the source files its settings came from."""
    from celery.app.utils import find_app

    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    sources = Sources()
    try:
        try:
            app = find_app(module)
            is_app = isinstance(app, Celery)
        except AttributeError:
            is_app = False
        if not is_app:
            config = importlib.import_module(module.partition(":")[0])
            sources.add(config)
            app = Celery(config.__name__, set_as_current=False)
            app.config_from_object(config)
        else:
            source = getattr(app, "_config_source", None)
            if isinstance(source, str):
                source = importlib.import_module(source)
            if isinstance(source, ModuleType):
                sources.add(source)  # first: settings are looked for where they are written
            sources.add(sys.modules.get(app.main or "", None) or _module_of(module))
    except Exception as error:
        raise CannotImport(import_error(module, error)) from None
    except SystemExit as error:
        raise CannotImport(f"cannot import {module!r}: it exited while importing (code {error.code})") from None
    try:
        app.conf.task_queues  # noqa: B018  (reading a setting makes Celery check them all)
    except Exception as error:
        raise CannotImport(import_error(module, error, "Celery refuses the settings of")) from None
    try:
        app.loader.import_default_modules()  # the modules of `imports`/`include`, which register tasks
    except Exception as error:
        raise CannotImport(import_error(module, error)) from None
    return app, is_app, sources


def _module_of(name: str) -> ModuleType | None:
    return sys.modules.get(name.partition(":")[0])


def import_error(module: str, error: BaseException, failed: str = "cannot import") -> str:
    """One line: where the error is (the innermost frame in the user's own code), and what it is."""
    reason = " ".join(str(error).split())  # one line, however Celery wraps it
    what = f"{type(error).__name__}: {reason}" if reason else type(error).__name__
    where = None
    if isinstance(error, SyntaxError) and error.filename:
        where = f"{shown_path(Path(error.filename))}:{error.lineno}"
        what = f"SyntaxError: {error.msg}"
    else:
        library = tuple(
            {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
            | {sys.prefix, str(Path(__file__).resolve().parents[2])}  # and this tool's own code
        )
        frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(("<", *library))]
        if frames:
            where = f"{shown_path(Path(frames[-1].filename))}:{frames[-1].lineno}"
    prefix = f"{where}: " if where else ""
    return f"{prefix}{failed} {module!r}: {what}"


def shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def code_place(function: Callable[..., Any]) -> str | None:
    """file:line of a router: a function, or an object whose __call__ routes."""
    code = getattr(function, "__code__", None) or getattr(type(function).__call__, "__code__", None)
    if code is None:
        return None
    return f"{shown_path(Path(code.co_filename))}:{code.co_firstlineno}"


class _Recorder:
    """A producer that keeps what Celery would publish instead of publishing it."""

    channel = None  # nothing is published, so nothing can come back

    def __init__(self) -> None:
        self.published: dict[str, Any] = {}

    def publish(self, body: object, **options: Any) -> None:
        self.published = options


def celery_destination(app: Celery, options: Mapping[str, Any], name: str = "import-celery.probe") -> Destination:
    """Where Celery publishes a task sent with these (routed) options: its exchange and routing key."""
    recorder = _Recorder()
    app.amqp.send_task_message(recorder, name, task_message({}, {}, None, None), **dict(options))
    return Destination(recorder.published["exchange"] or "", recorder.published["routing_key"] or "")


def celery_route(app: Celery, task_name: str) -> Destination:
    """Where Celery publishes `task_name` with the app's own settings (`app.amqp.router`)."""
    return celery_destination(app, app.amqp.router.route({}, task_name), task_name)
