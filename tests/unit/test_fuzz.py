"""Fuzzing the inputs a user controls: the file's text, the environment it interpolates, the broker and
management URLs. Not in the default run (marked `fuzz`): `scripts/test --fuzz` runs it.

In process, through the loader and `resolve_settings`: a result or the project's own error, never any
other exception, each problem one line at a place in the file, no piece of a password in any message.
A sample goes through the real CLI too: exit 0-3 with their documented meaning (exactly 2 for invalid
input), no traceback, no hang, no piece of the password in what it prints.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, SEED
from topology.broker.settings import resolve_settings
from topology.errors import InvalidSettings, InvalidTopology
from topology.language.loader import check_text

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(3600)]  # thousands of cases: minutes, not the default 120 s

SECRET = "QZ7XJ9KW"
"""Every generated password: letters no message, host or name here is made of, so any four of them in
a row in an output is a leak."""
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)

NASTY = [
    "5",
    "-1",
    "0",
    "9" * 30,
    "9" * 5000,
    "-" + "9" * 19,
    "0x" + "f" * 17,
    "0b" + "1" * 70,
    "190:20:30",
    "10_000_000_000_000_000_000",
    "1e999",
    ".inf",
    "-.inf",
    ".nan",
    "~",
    "null",
    "true",
    "maybe",
    "30s",
    "0s",
    "1h30m",
    "500",
    "10MB",
    "1GiB",
    "${N}",
    "'${N}'",
    "${N:-5}",
    "${MISSING}",
    "a${N}b",
    "$$",
    "${",
    "${N",
    "${1X}",
    "2001-13-45",
    "2001-12-14",
    "!!binary ZZZ",
    "!!python/object:os.system ls",
    "!x y",
    "<<",
    "=",
    "*a",
    "&a x",
    "&a [1, *a]",
    "*nope",
    "[" * 100,
    "[" * 70 + "]" * 70,
    "{",
    "}",
    "'",
    '"',
    '"\\x00"',
    "\x07",
    "\x00",
    "\ufeff",
    "\u2028",
    "\x85",
    "\t",
    "é",
    "amq.x",
    "",
    "x" * 300,
    "#.#.#.#.#.#.#.#.z",
    ".".join(["a"] * 30),
    "tasks.*",
    "t?[ab]*",
    "[!a]*",
    "/ta(sks/",
    "/(a+)+/",
    "**",
    "- a",
    "? a",
    ": b",
    "|",
    ">",
    "%YAML 1.1",
    "---",
    "...",
    "# c",
]
NAMES = ["q", "r", "e", "f", "dl", "tasks.a", "tasks.*", "tasks.[ab]?*", "/tasks\\..*/", "amq.x", "", "${N}", "<<"]
KEYS = {
    "exchanges": ["type", "durable", "internal", "alternate_exchange", "delayed_type", "arguments", "bindings"],
    "queues": [
        "type",
        "durable",
        "message_ttl",
        "expires",
        "max_length",
        "max_length_bytes",
        "overflow",
        "dead_letter_exchange",
        "dead_letter_routing_key",
        "max_priority",
        "delivery_limit",
        "max_age",
        "arguments",
        "bindings",
        "queue_version",
    ],
    "routes": ["queue", "exchange", "routing_key", "priority"],
    "schedule": ["task", "every", "cron", "args", "kwargs", "queue", "options"],
    "policies": ["pattern", "queues", "priority", "message_ttl", "definition", "apply_to"],
}
TYPES = [
    "direct",
    "topic",
    "fanout",
    "headers",
    "x-delayed-message",
    "x-consistent-hash",
    "classic",
    "quorum",
    "stream",
]

scalar = st.one_of(st.sampled_from(NASTY + NAMES + TYPES), st.integers(), st.text(max_size=8))


@st.composite
def binding(draw: st.DrawFn) -> str:
    key = draw(st.sampled_from(["", "a", "a.*", "#", "#.#.#.#.#.#.#.#.z", "report.#", *NASTY[:12]]))
    return f"{{exchange: {draw(st.sampled_from(NAMES))}, routing_key: {key!r}}}"


@st.composite
def entry(draw: st.DrawFn, section: str) -> str:
    pairs = []
    for key in draw(st.lists(st.sampled_from(KEYS[section]), max_size=4)):
        if key == "bindings":
            value = "[" + ", ".join(draw(st.lists(binding(), max_size=3))) + "]"
        elif key in ("arguments", "definition", "kwargs"):
            value = f"{{x-a: {draw(scalar)}}}"
        else:
            value = str(draw(st.one_of(scalar, st.sampled_from(NAMES))))
        pairs.append(f"{key}: {value}")
    if section == "routes" and draw(st.booleans()):
        return str(draw(st.sampled_from(NAMES)))  # the queue shorthand
    return "{" + ", ".join(pairs) + "}"


@st.composite
def structured(draw: st.DrawFn) -> str:
    """routing.yaml's own shape, with nasty values and names in it (often no longer YAML)."""
    lines = []
    for section in draw(st.lists(st.sampled_from(list(KEYS)), max_size=5)):
        lines.append(f"{section}:")
        for _ in range(draw(st.integers(0, 3))):
            lines.append(f"  {draw(st.sampled_from(NAMES))!s}: {draw(entry(section))}")
    if draw(st.booleans()):
        lines.append(f"default_queue: {draw(st.sampled_from(NAMES))}")
    if draw(st.booleans()):
        lines.append(f"owner: {draw(scalar)}")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n", "\n---\n", "\n" + draw(st.sampled_from(NASTY))]))


SEEDS = [SEED, (ROOT / "examples" / "full.yaml").read_text()]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A shipped file with a few pieces inserted, removed or repeated."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "repeat"]))
        if action == "insert":
            text = text[:at] + draw(st.sampled_from(NASTY)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        else:
            text = text[:at] + text[at : at + 200] * draw(st.integers(2, 30)) + text[at:]
    return text


file_texts = st.one_of(structured(), mutated(), st.text(max_size=200))
environments = st.dictionaries(st.sampled_from(["N", "M", "MISSING"]), st.sampled_from(NASTY), max_size=3)

HOSTS = ["localhost", "127.0.0.1", "[::1]", "[::1", "[zz]", "h st", "", "rabbit.internal", "[fe80::1%eth0]"]
PORTS = ["", ":5672", ":0", ":99999", ":abc", ":-1", ":", ":5672:5672", ":1"]


@st.composite
def url(draw: st.DrawFn, schemes: list[str]) -> str:
    scheme = draw(st.sampled_from(schemes))
    user = draw(st.sampled_from(["u", "", "guest", "a%40b"]))
    separator = draw(st.sampled_from(["@", "/", "@@", "#", "?", "@/"]))
    userinfo = f"{user}:{SECRET}{separator}" if draw(st.booleans()) else ""
    path = draw(st.sampled_from(["", "/", "//", "/%2F", "/v", "/a/b", "/%zz"]))
    return f"{scheme}{userinfo}{draw(st.sampled_from(HOSTS))}{draw(st.sampled_from(PORTS))}{path}"


def url_list(items: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Celery's failover list: URLs (or bare host:port, or anything) joined by ';', once in a while doubled."""
    pieces = st.one_of(items, st.sampled_from(["", " ", "127.0.0.1:1", f"{SECRET}@h", "h;"]))
    return st.lists(pieces, min_size=2, max_size=4).map(";".join)


broker_schemes = ["amqp://", "amqps://", "pyamqp://", "redis://", "amqp:/", "amqp:", ""]
broker_urls = st.one_of(st.none(), url(broker_schemes), st.text(max_size=30), url_list(url(broker_schemes)))
management_schemes = ["http://", "https://", "ftp://", "http:/", ""]
management_urls = st.one_of(st.none(), url(management_schemes), st.text(max_size=30), url_list(url(management_schemes)))


def leaked(output: str) -> bool:
    return any(SECRET[i : i + 4] in output for i in range(len(SECRET) - 3))


def checked(text: str, environ: dict[str, str]) -> InvalidTopology | None:
    """The file checked in process: None when valid, else its problems (anything else escapes and fails)."""
    try:
        check_text(text, "f.yaml", environ=environ)
    except InvalidTopology as error:
        assert error.problems
        for problem in error.problems:
            assert problem.origin is not None and problem.origin.line >= 1 and problem.origin.column >= 1
            assert "\n" not in str(problem) and "\r" not in str(problem)
        return error
    return None


@settings(FUZZ, max_examples=8000)
@given(file_texts, environments)
def test_any_file_and_environment_gives_a_topology_or_its_problems(text: str, environ: dict[str, str]) -> None:
    checked(text, environ)


@settings(FUZZ, max_examples=4000)
@given(broker_urls, management_urls)
def test_any_urls_give_settings_or_one_line_without_the_password(broker: str | None, management: str | None) -> None:
    try:
        found = resolve_settings(broker, management)
    except InvalidSettings as error:
        assert "\n" not in str(error) and not leaked(str(error))
        return
    for shown in (*map(str, found.nodes), *map(str, found.apis), found.broker.url(), found.vhost):
        assert not leaked(shown)


UNREACHABLE = f"amqp://u:{SECRET}@127.0.0.1:1//"
UNREACHABLE_LIST = f"{UNREACHABLE};amqp://v:{SECRET}@127.0.0.1:2//;127.0.0.1:3"
# The CLI is given only URLs that cannot reach anything: the machine's own RabbitMQ answers on the default ports.
cli_brokers = st.one_of(
    st.sampled_from([UNREACHABLE, UNREACHABLE_LIST]),
    url(["amqp://", "amqps://", "redis://", "amqp:"]).filter(lambda u: "\x00" not in u),
    url_list(url(["amqp://", "redis://"])).filter(lambda u: "\x00" not in u),
)


def cli(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "RABBITMQ_MANAGEMENT_URL")}
    env.update(environ, TOPOLOGY_CACHE="off", RABBITMQ_MANAGEMENT_URL=f"http://u:{SECRET}@127.0.0.1:1")
    command = [sys.executable, "-m", "topology", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, env=env, cwd=ROOT, check=False)


@settings(FUZZ, max_examples=120)
@given(file_texts, environments, cli_brokers)
def test_the_cli_exits_as_documented_without_traceback_hang_or_password(
    tmp_path_factory: pytest.TempPathFactory, text: str, environ: dict[str, str], broker: str
) -> None:
    assume("\x00" not in "".join(environ.values()))  # an environment cannot hold NUL
    problems = checked(text, environ)
    assume(problems is not None or "app:" not in text)  # a valid `app:` would import that module
    # a valid URL to anywhere else would wait on its DNS, its connection, or reach the machine's broker
    assume(broker in (UNREACHABLE, UNREACHABLE_LIST) or _invalid(broker))
    path = tmp_path_factory.mktemp("fuzz") / "routing.yaml"
    path.write_text(text, encoding="utf-8", newline="")
    validate = cli(["validate", "-f", str(path)], environ)
    plan = cli(["plan", "-f", str(path), "--broker", broker], environ)
    for result in (validate, plan):
        output = result.stdout + result.stderr
        assert "Traceback" not in output, output
        assert result.returncode in (0, 1, 2, 3), output
        assert not leaked(output), output
    assert validate.returncode == (2 if problems is not None else 0), validate.stderr
    unreachable = broker in (UNREACHABLE, UNREACHABLE_LIST)
    expected_plan = 2 if problems is not None or not unreachable else 3  # 3: the broker does not answer
    assert plan.returncode == expected_plan, plan.stderr + plan.stdout


def _invalid(broker: str) -> bool:
    try:
        resolve_settings(broker)
    except InvalidSettings:
        return True
    return False


def test_the_fuzz_seeds_are_the_shipped_files() -> None:
    assert all(checked(text, {}) is None for text in SEEDS) and Path(ROOT / "routing.yaml").read_text() == SEED
