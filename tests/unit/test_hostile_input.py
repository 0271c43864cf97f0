"""The nastiest inputs found so far, always run: each once crashed, hung or took minutes. Each must now
give exit 2 (or its problems, in process) with one line per problem, at its place, and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from topology.errors import InvalidTopology
from topology.language.loader import MAX_FILE_BYTES, check_text, load
from topology.language.yaml_source import MAX_DEPTH, MAX_VALUES

BASE = "queues: {q: {}}\ndefault_queue: q\n"
SECRET = "S3cr3tPw"
UNREACHABLE = f"amqp://u:{SECRET}@127.0.0.1:1//"


def problems(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(InvalidTopology) as caught:
        check_text(text, "r.yaml", environ=environ or {})
    return [str(p) for p in caught.value.problems]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "TOPOLOGY_CACHE": "off", **(env or {})}
    command = [sys.executable, "-m", "topology", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=environ, cwd=ROOT, check=False)


def assert_refused(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert [line for line in result.stderr.splitlines() if line] == list(expected)


def test_a_control_character_is_named_at_its_line_and_column() -> None:
    assert problems(BASE + "x: a\x07b\n") == ["r.yaml:3:5: character U+0007 (BEL) is not allowed in YAML: remove it"]


def test_many_control_characters_are_a_few_lines_not_one_per_character() -> None:
    found = problems(BASE + "\x00" * 5000)
    assert len(found) == 11 and found[-1] == "r.yaml:3:11: and 4990 more such characters from here on"


def test_a_byte_order_mark_is_allowed_first_only() -> None:
    assert check_text("\ufeff" + BASE, environ={}).topology.default_queue == "q"
    assert problems(BASE + "\ufeff") == [
        "r.yaml:3:1: character U+FEFF (ZERO WIDTH NO-BREAK SPACE) is not allowed in YAML: remove it"
    ]


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 500, 100_000])
def test_deep_flow_nesting_is_refused_at_the_level_past_the_limit(levels: int) -> None:
    found = problems(f"{BASE}schedule:\n  s: {{task: t, every: 5, args: {'[' * levels}{']' * levels}}}\n")
    assert len(found) == 1
    assert found[0].endswith(f"nested deeper than {MAX_DEPTH} levels") or "maximum nesting depth" in found[0]


def test_deep_block_nesting_is_refused() -> None:
    lines = "\n".join("      " + "  " * i + "-" for i in range(3000))
    found = problems(f"{BASE}schedule:\n  s:\n    task: t\n    every: 5\n    args:\n{lines} x\n")
    # the root, schedule, s and args are four levels: the line of the first '-' holds the fourth
    assert found == [f"r.yaml:{8 + MAX_DEPTH - 3}:{7 + 2 * (MAX_DEPTH - 3)}: nested deeper than {MAX_DEPTH} levels"]


def test_nesting_made_by_aliases_is_refused_at_the_alias() -> None:
    text = "a: &a " + "[" * 40 + "]" * 40 + "\nb: &b [[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    assert problems(text) == [f"r.yaml:2:32: this alias nests the document deeper than {MAX_DEPTH} levels"]


def test_an_alias_bomb_stops_at_the_value_limit_and_names_the_alias() -> None:
    bomb, previous = "a: &a [x,x,x,x,x,x,x,x,x]\n", "a"
    for name in "bcdefgh":
        bomb += f"{name}: &{name} [" + ",".join(f"*{previous}" for _ in range(9)) + "]\n"
        previous = name
    assert len(bomb) < 400
    found = problems(bomb)
    assert len(found) == 1 and found[0].startswith("r.yaml:6:")
    assert f"more than {MAX_VALUES:,} values once its aliases are expanded" in found[0]


def test_an_alias_inside_its_own_anchor_is_one_problem() -> None:
    assert "r.yaml:3:12: an alias refers to a node that contains it" in problems(BASE + "x: &a [1, [*a]]\n")


@pytest.mark.parametrize(
    "number", ["9" * 5000, "-" + "9" * 30, str(2**63), "0x" + "f" * 17, "10_000_000_000_000_000_000"]
)
def test_a_whole_number_past_64_bits_is_refused_where_written(number: str) -> None:
    found = problems(f"queues:\n  q: {{max_length: {number}}}\ndefault_queue: q\n")
    assert len(found) == 1 and found[0].startswith("r.yaml:2:19: ") and "is out of range" in found[0]
    assert len(found[0]) < 200


def test_the_largest_64_bit_numbers_are_still_numbers() -> None:
    text = f"queues:\n  q: {{arguments: {{x-a: {2**63 - 1}, x-b: {-(2**63)}}}}}\ndefault_queue: q\n"
    queue = check_text(text, environ={}).topology.queues[0]
    assert queue.arguments == {"x-a": 2**63 - 1, "x-b": -(2**63)}


def test_a_whole_number_past_64_bits_from_the_environment_is_refused_at_the_value() -> None:
    found = problems("queues:\n  q:\n    max_length: ${N}\ndefault_queue: q\n", {"N": "9" * 5000})
    assert found == [
        "r.yaml:3:17: ${N}: '999999999999'... (5000 characters) is out of range: whole numbers go into AMQP "
        "tables, which carry signed 64-bit ones (-2^63 to 2^63-1)"
    ]


def test_an_impossible_date_is_a_problem_not_a_crash() -> None:
    assert "r.yaml:3:4: '2001-13-45': month must be in 1..12" in problems(BASE + "x: 2001-13-45\n")


def test_merge_keys_merge_as_safe_load_does_the_mapping_own_keys_winning() -> None:
    text = (
        "queues:\n  q: &b {durable: false, max_length: 5}\n  r: {<<: *b, durable: true}\n"
        "  s: {<<: [{max_length: 7}, *b]}\ndefault_queue: q\n"
    )
    queues = {q.name: q for q in check_text(text, environ={}).topology.queues}
    assert (queues["r"].durable, queues["r"].arguments) == (True, {"x-max-length": 5})
    assert (queues["s"].durable, queues["s"].arguments) == (False, {"x-max-length": 7})


def test_a_binding_with_many_hashes_against_a_long_key_is_proven_at_once() -> None:
    """One binding of eight '#' words against a 30-word key used to take minutes in `validate`."""
    text = (
        "exchanges: {t: {type: topic}}\n"
        f"queues:\n  q: {{bindings: [{{exchange: t, routing_key: '{'.'.join(['#'] * 8)}.z'}}]}}\n"
        f"routes:\n  tasks.a: {{exchange: t, routing_key: {'.'.join(['a'] * 30)}}}\ndefault_queue: q\n"
    )
    found = problems(text)
    assert len(found) == 1 and "which no binding matches" in found[0]


def test_a_file_over_the_size_limit_is_refused_unread_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, nothing need be read
    with pytest.raises(InvalidTopology) as caught:
        load(path)
    assert str(caught.value) == (
        f"{path}:1:1: the topology file is 20,000,001 bytes, more than the 20,000,000 (20 MB) a file may be"
    )


def test_a_fifo_a_device_and_a_directory_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path, kind in (
        (fifo, "a FIFO (named pipe)"),
        (Path("/dev/zero"), "a character device"),
        (tmp_path, "a directory"),
    ):
        assert_refused(
            cli("validate", "-f", str(path)),
            f"{path}:1:1: cannot read the topology file: it is {kind}, not a regular file",
        )


def test_a_file_that_is_not_utf8_is_refused_at_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.encode() + b"x: caf\xe9\n")
    with pytest.raises(InvalidTopology) as caught:
        load(path)
    assert (
        str(caught.value)
        == f"{path}:3:7: the file is not UTF-8 text: byte 0xe9 cannot be read (invalid continuation byte)"
    )


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_every_command_refuses_a_hostile_file_with_exit_2(command: str, tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(BASE + "x: " + "[" * 2000 + "]" * 2000 + "\n")
    extra = ["--broker", UNREACHABLE] if command == "plan" else []
    assert_refused(
        cli(command, "-f", str(path), *extra), f"{path}:3:{3 + MAX_DEPTH}: nested deeper than {MAX_DEPTH} levels"
    )


@pytest.mark.parametrize(
    "url", [f"amqp://u:{SECRET}@h:notaport/", f"amqp://u:{SECRET}@[::1/", f"amqp://u:{SECRET}/vhost@h"]
)
def test_a_malformed_broker_url_is_exit_2_without_the_password(url: str) -> None:
    for result in (cli("plan", "--broker", url), cli("doctor", env={"CELERY_BROKER_URL": url})):
        output = result.stdout + result.stderr
        assert result.returncode == 2 and "Traceback" not in output and len(result.stderr.splitlines()) == 1
        assert not any(SECRET[i : i + 4] in output for i in range(len(SECRET) - 3))


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("message_ttl: " + "9" * 400 + "s", "is longer than any duration RabbitMQ or Celery can count"),
        ("message_ttl: 99999999999999999999d", "is longer than any duration RabbitMQ or Celery can count"),
        ("max_length_bytes: 99999999TiB", "is more bytes than an AMQP table can carry (signed 64-bit)"),
        ("max_age: .inf", "input should be a finite number, got inf"),
    ],
)
def test_a_duration_or_size_past_what_rabbitmq_counts_is_refused(setting: str, message: str) -> None:
    found = problems(f"queues:\n  q: {{{setting}}}\ndefault_queue: q\n")
    assert len(found) == 1 and found[0].startswith("r.yaml:2:") and message in found[0]


def test_an_endless_schedule_interval_is_refused() -> None:
    found = problems(BASE + "schedule: {s: {task: t, every: .inf}}\n")
    assert found == ["r.yaml:3:32: 'every': input should be a finite number, got inf"]


def test_routing_keys_longer_than_rabbitmq_takes_are_refused_before_any_matching() -> None:
    """Matching costs key words x pattern words: keys of 10^5 words are refused first, not matched."""
    binding_key, route_key = ".".join(["#", "a"] * 100_000), ".".join(["a"] * 200_000)
    text = (
        "exchanges: {t: {type: topic}}\n"
        f"queues:\n  q: {{bindings: [{{exchange: t, routing_key: '{binding_key}'}}]}}\n"
        f"routes:\n  x: {{exchange: t, routing_key: '{route_key}'}}\ndefault_queue: q\n"
    )
    found = problems(text)
    assert len(found) == 2 and all("is longer than 255 bytes, which RabbitMQ refuses" in p for p in found)
    assert found[1].startswith("r.yaml:5:33: route 'x': routing key 'a.a.a")


def test_globs_of_more_wildcards_than_can_be_compiled_quickly_are_refused_uncompiled() -> None:
    routes = "".join(f"  ? 'tasks.{i}{'a*' * 12_000}'\n  : q\n" for i in range(3))  # '?': a key past 1024 characters
    found = problems(f"queues: {{q: {{}}}}\nroutes:\n{routes}default_queue: q\n")
    assert found == [
        "r.yaml:7:5: route 'tasks.2a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a'...: the glob routes hold more than 30,000 '*' "
        "in all"
    ]


def test_a_regex_python_warns_about_is_a_warning_at_the_route_not_a_line_on_stderr() -> None:
    text = "queues: {q: {}}\nroutes:\n  '/tasks[[a]/': q\ndefault_queue: q\n"
    warned = [str(w) for w in check_text(text, "r.yaml", environ={}).warnings]
    assert warned == ["r.yaml:3:3: warning: route '/tasks[[a]/': Python warns: Possible nested set at position 6"]
