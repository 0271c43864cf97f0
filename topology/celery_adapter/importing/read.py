"""Reading an existing Celery configuration: the app (or config module) imported as `celery -A` finds it, the
source files its settings came from (to say where a name is written), and where Celery itself publishes a
task, asked through a producer that only records the publish.

Importing runs the user's code; any failure becomes one line naming the place in the user's own code where
Python says it went wrong, never a traceback.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import sys
import sysconfig
import tokenize
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from celery import Celery

from topology.celery_adapter.precedence import published
from topology.codes import ExitCode
from topology.errors import TopologyError
from topology.model import Destination

DJANGO_NAMESPACE = "CELERY"
"""The namespace Django projects read Celery's settings under (Celery's own documentation's choice)."""


class CannotImport(TopologyError):
    """The module does not import, or Celery refuses its settings: one line, where Python says it went wrong."""

    exit_code = ExitCode.INVALID


@dataclass
class Sources:
    """The files the settings were read from, to say where a name is written."""

    files: list[Path] = field(default_factory=list)
    _lines: dict[Path, list[tuple[int, str]]] = field(default_factory=dict)

    def add(self, thing: object) -> None:
        try:
            found = inspect.getsourcefile(thing)  # type: ignore[arg-type]
        except TypeError:
            return
        if found and Path(found) not in self.files:
            self.files.append(Path(found))

    def where(self, *names: str) -> str | None:
        """file:line of the first place in the code (never a comment or a docstring's prose) that writes one
        of `names`: as a name (a setting, a keyword) or as a whole string ('email', "tasks.add")."""
        wanted = {name for name in names if name}
        for path in self.files:
            for number, token in self._tokens(path):
                if token in wanted:
                    return f"{shown_path(path)}:{number}"
        return None

    def _tokens(self, path: Path) -> list[tuple[int, str]]:
        """(line, text) of each name and each plain string of a source file, in order."""
        if path not in self._lines:
            self._lines[path] = _code_tokens(path)
        return self._lines[path]


def _code_tokens(path: Path) -> list[tuple[int, str]]:
    try:
        with tokenize.open(path) as source:
            tokens = list(tokenize.generate_tokens(source.readline))
    except (OSError, SyntaxError, tokenize.TokenError):
        return []
    found = []
    for token in tokens:
        if token.type == tokenize.NAME:
            found.append((token.start[0], token.string))
        elif token.type == tokenize.STRING:
            try:
                value = ast.literal_eval(token.string)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str) and "\n" not in value:
                found.append((token.start[0], value))
    return found


def settings_namespace(config: ModuleType) -> str | None:
    """The namespace a config module's settings are written in: Django projects write CELERY_TASK_QUEUES
    and read them with `config_from_object('django.conf:settings', namespace='CELERY')`. CELERY_ is taken
    as the namespace when some name is a new setting's name under it (old names, CELERY_QUEUES, read
    the same either way)."""
    from celery.app.defaults import _OLD_SETTING_KEYS, SETTING_KEYS

    prefix = f"{DJANGO_NAMESPACE}_"
    for name in vars(config):
        if name.startswith(prefix) and name not in _OLD_SETTING_KEYS and name[len(prefix) :].lower() in SETTING_KEYS:
            return DJANGO_NAMESPACE
    return None


def load_celery(module: str, namespace: str | None = None) -> tuple[Celery, bool, Sources]:
    """The Celery app MODULE names (as `celery -A` finds it), or a fresh app configured from MODULE as a
    config module (its settings read under `namespace`, else the one its names are written in); whether it
    was an app; and the source files its settings came from."""
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
            app.config_from_object(config, namespace=namespace or settings_namespace(config))
        else:
            _add_config_source(sources, getattr(app, "_config_source", None))
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


def _add_config_source(sources: Sources, source: object) -> None:
    """The file the app's settings are written in, first: where a setting's name is looked for. Django's
    settings object ('django.conf:settings') names its module in SETTINGS_MODULE."""
    from celery.utils.imports import symbol_by_name

    if isinstance(source, str):  # as Celery's loader reads it: module:attribute, else a module
        source = symbol_by_name(source) if ":" in source else importlib.import_module(source)
    settings_module = getattr(source, "SETTINGS_MODULE", None)
    if isinstance(settings_module, str):
        source = importlib.import_module(settings_module)
    if isinstance(source, (ModuleType, type)):
        sources.add(source)


def module_file(module: str) -> str | None:
    """The file of MODULE (as `celery -A` names it), as shown: where the app is made."""
    found = getattr(_module_of(module), "__file__", None)
    return shown_path(Path(found)) if isinstance(found, str) else None


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


def celery_destination(app: Celery, options: Mapping[str, Any], name: str = "import-celery.probe") -> Destination:
    """Where Celery publishes a task sent with these (routed) options: its exchange and routing key."""
    return published(app, name, options)
