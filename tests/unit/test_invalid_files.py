"""A table of invalid routing.yaml files: each gives exactly these problems, at these places, and nothing else.

One file per rule. The messages are the user interface: a change to one should be a deliberate change here.
"""

from __future__ import annotations

import pytest

from topology.errors import InvalidTopology
from topology.language.loader import check_text

CASES: dict[str, tuple[str, list[str]]] = {
    "unknown_exchange_key": (
        "exchanges:\n  x: {type: direct, durabel: true}\nqueues: {q: {}}\ndefault_queue: q\n",
        ["routing.yaml:2:21: unknown key 'durabel' (did you mean 'durable'?)"],
    ),
    "exchange_type_typo": (
        "exchanges:\n  x: {type: fanoutt}\nqueues: {q: {}}\ndefault_queue: q\n",
        [
            "routing.yaml:2:13: 'type' should be one of direct, topic, fanout, headers, x-delayed-message, x-consistent-hash; got 'fanoutt' (did you mean 'fanout'?)"
        ],
    ),
    "queue_durable_not_bool": (
        "queues:\n  q: {durable: maybe}\ndefault_queue: q\n",
        ["routing.yaml:2:16: 'durable' should be true or false, got 'maybe'"],
    ),
    "binding_to_undeclared_exchange": (
        "queues:\n  q: {bindings: [{exchange: nope, routing_key: k}]}\ndefault_queue: q\n",
        ["routing.yaml:2:18: queue 'q' binds to exchange 'nope', which is not declared (declared exchanges: none)"],
    ),
    "route_to_undeclared_queue": (
        "queues: {q: {}}\nroutes:\n  tasks.a: missing\ndefault_queue: q\n",
        ["routing.yaml:3:3: route 'tasks.a' goes to queue 'missing', which is not declared (declared queues: 'q')"],
    ),
    "default_queue_undeclared": (
        "queues: {q: {}}\ndefault_queue: qq\n",
        [
            "routing.yaml:2:16: default_queue names queue 'qq', which is not declared (did you mean 'q'?) (declared queues: 'q')"
        ],
    ),
    "schedule_undeclared_queue": (
        "queues: {q: {}}\ndefault_queue: q\nschedule:\n  s: {task: t, every: 5, queue: nope}\n",
        ["routing.yaml:4:3: schedule entry 's' goes to queue 'nope', which is not declared (declared queues: 'q')"],
    ),
    "schedule_without_task": (
        "queues: {q: {}}\ndefault_queue: q\nschedule:\n  s: {every: 5}\n",
        ["routing.yaml:4:3: missing required key 'task' in 's'"],
    ),
    "schedule_every_zero": (
        "queues: {q: {}}\ndefault_queue: q\nschedule:\n  s: {task: t, every: 0}\n",
        ["routing.yaml:4:23: 'every': input should be greater than 0, got 0"],
    ),
    "schedule_every_and_cron": (
        "queues: {q: {}}\ndefault_queue: q\nschedule:\n  s: {task: t, every: 5, cron: '0 3 * * *'}\n",
        ["routing.yaml:4:6: a schedule entry runs either `every` (seconds or a duration) or on `cron`"],
    ),
    "schedule_bad_cron": (
        "queues: {q: {}}\ndefault_queue: q\nschedule:\n  s: {task: t, cron: '61 3 * * *'}\n",
        ["routing.yaml:4:22: 'cron': '61 3 * * *' is not a valid cron line: Invalid end range: 61 > 59."],
    ),
    "schedule_cron_four_fields": (
        "queues: {q: {}}\ndefault_queue: q\nschedule:\n  s: {task: t, cron: '0 3 * *'}\n",
        [
            "routing.yaml:4:22: 'cron': a cron line has five fields (minute hour day_of_month month_of_year day_of_week), got 4: '0 3 * *'"
        ],
    ),
    "duplicate_section": (
        "queues: {q: {}}\nqueues: {r: {}}\ndefault_queue: q\n",
        ["routing.yaml:2:1: duplicate key 'queues' (first at line 1)"],
    ),
    "yaml_syntax": (
        "queues: [\n",
        [
            "routing.yaml:2:1: invalid YAML: while parsing a flow node expected the node content, but found '<stream end>'"
        ],
    ),
    "empty_file": (
        "",
        ["routing.yaml:1:1: the file is empty: expected queues, exchanges, routes and default_queue"],
    ),
    "missing_default_queue": (
        "queues: {q: {}}\n",
        ["routing.yaml:1:1: missing required key 'default_queue'"],
    ),
    "amq_prefix": (
        "exchanges: {amq.mine: {type: direct}}\nqueues: {q: {}}\ndefault_queue: q\n",
        ["routing.yaml:1:13: exchange name 'amq.mine' starts with 'amq.', which RabbitMQ reserves for its own objects"],
    ),
    "route_queue_and_exchange": (
        "queues: {q: {}}\nroutes:\n  t: {queue: q, exchange: x}\ndefault_queue: q\n",
        ["routing.yaml:3:6: a route names either a queue, or an exchange with a routing_key"],
    ),
    "quorum_not_durable": (
        "queues:\n  q:\n    type: quorum\n    durable: false\ndefault_queue: q\n",
        ["routing.yaml:4:5: quorum queue 'q' must be durable: RabbitMQ refuses durable: false"],
    ),
    "stream_auto_delete": (
        "queues:\n  q:\n    type: stream\n    auto_delete: true\ndefault_queue: q\n",
        ["routing.yaml:4:5: stream queue 'q' cannot be auto_delete: RabbitMQ refuses it"],
    ),
    "priority_on_quorum": (
        "queues:\n  q:\n    type: quorum\n    max_priority: 5\ndefault_queue: q\n",
        [
            "routing.yaml:4:5: x-max-priority is not accepted on quorum queues (only on classic): RabbitMQ would refuse queue 'q'"
        ],
    ),
    "delivery_limit_on_classic": (
        "queues:\n  q:\n    delivery_limit: 5\ndefault_queue: q\n",
        [
            "routing.yaml:3:5: x-delivery-limit is not accepted on classic queues (only on quorum): RabbitMQ would refuse queue 'q'"
        ],
    ),
    "ttl_on_stream": (
        "queues:\n  q:\n    type: stream\n    message_ttl: 30s\ndefault_queue: q\n",
        [
            "routing.yaml:4:5: x-message-ttl is not accepted on stream queues (only on classic and quorum): RabbitMQ would refuse queue 'q'"
        ],
    ),
    "max_age_on_classic": (
        "queues:\n  q:\n    max_age: 7d\ndefault_queue: q\n",
        [
            "routing.yaml:3:5: x-max-age is not accepted on classic queues (only on stream): RabbitMQ would refuse queue 'q'"
        ],
    ),
    "overflow_dlx_on_quorum": (
        "queues:\n  q:\n    type: quorum\n    overflow: reject-publish-dlx\ndefault_queue: q\n",
        [
            "routing.yaml:4:5: overflow 'reject-publish-dlx' is not supported on quorum queues (use one of: drop-head, reject-publish)"
        ],
    ),
    "ttl_without_unit": (
        "queues:\n  q:\n    message_ttl: 30000\ndefault_queue: q\n",
        [
            "routing.yaml:3:18: 'message_ttl': 30000 has no unit (RabbitMQ counts milliseconds): write 30000ms, or 30000s"
        ],
    ),
    "bad_duration": (
        "queues:\n  q:\n    expires: 5 minutes\ndefault_queue: q\n",
        ["routing.yaml:3:14: 'expires': '5 minutes' is not a duration such as 500ms, 30s, 5m, 1h30m or 7d"],
    ),
    "bad_size": (
        "queues:\n  q:\n    max_length_bytes: 10 bananas\ndefault_queue: q\n",
        ["routing.yaml:3:23: 'max_length_bytes': '10 bananas' is not a size in bytes, or such as 512KiB, 10MB or 1GiB"],
    ),
    "expires_zero_raw": (
        "queues:\n  q:\n    arguments: {x-expires: 0}\ndefault_queue: q\n",
        ["routing.yaml:3:17: x-expires should be at least 1, got 0"],
    ),
    "priority_too_high": (
        "queues:\n  q:\n    max_priority: 300\ndefault_queue: q\n",
        ["routing.yaml:3:19: 'max_priority': input should be less than or equal to 255, got 300"],
    ),
    "set_twice": (
        "queues:\n  q:\n    max_priority: 5\n    arguments: {x-max-priority: 10}\ndefault_queue: q\n",
        ["routing.yaml:3:5: set twice: x-max-priority (as max_priority and in arguments); keep one"],
    ),
    "queue_type_in_arguments": (
        "queues:\n  q:\n    arguments: {x-queue-type: quorum}\ndefault_queue: q\n",
        ["routing.yaml:3:5: write the queue type as `type:`, not as x-queue-type in arguments"],
    ),
    "float_argument": (
        "queues:\n  q:\n    arguments: {x-custom: 1.5}\ndefault_queue: q\n",
        ["routing.yaml:3:27: 'x-custom': should be text, a whole number or true/false, got 1.5"],
    ),
    "dlrk_without_dlx": (
        "queues:\n  q:\n    dead_letter_routing_key: k\ndefault_queue: q\n",
        [
            "routing.yaml:3:5: queue 'q' has a dead_letter_routing_key but no dead_letter_exchange: RabbitMQ refuses that (use dead_letter_exchange: '' for the default exchange)"
        ],
    ),
    "dlx_undeclared": (
        "queues:\n  q:\n    dead_letter_exchange: dlx\ndefault_queue: q\n",
        [
            "routing.yaml:3:5: the dead_letter_exchange of queue 'q' is exchange 'dlx', which is not declared (declared exchanges: none)"
        ],
    ),
    "alternate_undeclared": (
        "exchanges:\n  e: {type: topic, alternate_exchange: ae}\nqueues: {q: {}}\ndefault_queue: q\n",
        [
            "routing.yaml:2:20: the alternate_exchange of 'e' is exchange 'ae', which is not declared (did you mean 'e'?) (declared exchanges: 'e')"
        ],
    ),
    "delayed_without_type": (
        "exchanges:\n  e: {type: x-delayed-message}\nqueues: {q: {}}\ndefault_queue: q\n",
        [
            "routing.yaml:2:3: x-delayed-message exchange 'e' needs delayed_type (direct, topic, fanout or headers): how it routes once the delay is over"
        ],
    ),
    "delayed_type_on_direct": (
        "exchanges:\n  e: {type: direct, delayed_type: topic}\nqueues: {q: {}}\ndefault_queue: q\n",
        ["routing.yaml:2:21: delayed_type only applies to x-delayed-message exchanges; 'e' is direct"],
    ),
    "headers_binding_without_headers": (
        "exchanges:\n  h: {type: headers}\nqueues:\n  q:\n    bindings: [{exchange: h}]\ndefault_queue: q\n",
        [
            "routing.yaml:5:16: binding of 'q' to exchange 'h' has no headers to match: on a headers exchange it would take every message (add headers: {...}, or bind to a fanout exchange)"
        ],
    ),
    "headers_on_direct": (
        "exchanges:\n  d: {type: direct}\nqueues:\n  q:\n    bindings: [{exchange: d, routing_key: q, headers: {a: 1}}]\ndefault_queue: q\n",
        [
            "routing.yaml:5:16: binding of 'q' to exchange 'd': match/headers only apply to headers exchanges; 'd' is direct"
        ],
    ),
    "x_header_key": (
        "exchanges:\n  h: {type: headers}\nqueues:\n  q:\n    bindings: [{exchange: h, headers: {x-tenant: a}}]\ndefault_queue: q\n",
        [
            "routing.yaml:5:16: binding of 'q' to exchange 'h': header 'x-tenant' starts with 'x-', which RabbitMQ does not match on"
        ],
    ),
    "hash_weight": (
        "exchanges:\n  c: {type: x-consistent-hash}\nqueues:\n  q:\n    bindings: [{exchange: c, routing_key: heavy}]\ndefault_queue: q\n",
        [
            "routing.yaml:5:16: binding of 'q' to exchange 'c': on an x-consistent-hash exchange the routing key is the binding's weight, a whole number above 0, got 'heavy'"
        ],
    ),
    "e2e_undeclared_source": (
        "exchanges:\n  e: {type: fanout, bindings: [{exchange: upstream}]}\nqueues: {q: {}}\ndefault_queue: q\n",
        [
            "routing.yaml:2:32: exchange 'e' binds to exchange 'upstream', which is not declared (declared exchanges: 'e')"
        ],
    ),
    "policy_pattern_invalid": (
        'queues: {q: {}}\ndefault_queue: q\npolicies:\n  p: {pattern: "(", max_length: 1}\n',
        [
            "routing.yaml:4:3: policy 'p': pattern is not a valid regular expression: missing ), unterminated subpattern at position 0"
        ],
    ),
    "route_key_typo": (
        "exchanges: {b: {type: direct}}\nqueues:\n  q: {bindings: [{exchange: b, routing_key: for_task_B}]}\nroutes:\n  tasks.taskB: {exchange: b, routing_key: for_task_b}\ndefault_queue: q\n",
        [
            "routing.yaml:5:43: route 'tasks.taskB' goes to exchange 'b' with routing key 'for_task_b', which no binding matches: its tasks would be kept in the unroutable queue 'topology.unroutable', and never run"
        ],
    ),
    "topic_route_no_match": (
        "exchanges: {ev: {type: topic}}\nqueues:\n  q: {bindings: [{exchange: ev, routing_key: 'report.*'}]}\nroutes:\n  tasks.r: {exchange: ev, routing_key: report.weekly.pdf}\ndefault_queue: q\n",
        [
            "routing.yaml:5:40: route 'tasks.r' goes to exchange 'ev' with routing key 'report.weekly.pdf', which no binding matches: its tasks would be kept in the unroutable queue 'topology.unroutable', and never run"
        ],
    ),
    "route_to_internal": (
        "exchanges:\n  i: {type: fanout, internal: true}\nqueues:\n  q: {bindings: [{exchange: i}]}\nroutes:\n  tasks.a: {exchange: i, routing_key: ''}\ndefault_queue: q\n",
        [
            "routing.yaml:6:23: route 'tasks.a' publishes to exchange 'i' with routing key '', which is internal: RabbitMQ refuses publishing to it (403) and closes the channel",
            "routing.yaml:7:16: default_queue (tasks without a route) publishes to exchange 'i' with routing key '', which is internal: RabbitMQ refuses publishing to it (403) and closes the channel",
        ],
    ),
    "queue_route_lands_elsewhere": (
        "exchanges:\n  h: {type: headers}\nqueues:\n  q: {bindings: [{exchange: h, headers: {task: tasks.other}}]}\n  d: {}\nroutes:\n  tasks.mine: q\ndefault_queue: d\n",
        [
            "routing.yaml:7:3: route 'tasks.mine' goes to queue 'q', published to exchange 'h' with routing key '', which no binding matches: its tasks would be kept in the unroutable queue 'topology.unroutable', and never run"
        ],
    ),
    "interpolation_unset": (
        "queues:\n  q:\n    message_ttl: ${TTL}\ndefault_queue: q\n",
        ["routing.yaml:3:18: environment variable TTL is not set: set it, or give a default with ${TTL:-value}"],
    ),
    "interpolation_in_name": (
        "queues:\n  q: {}\ndefault_queue: ${QUEUE:-q}\n",
        [
            "routing.yaml:3:16: 'default_queue' uses ${...}, but names are never taken from the environment: write the name"
        ],
    ),
    "interpolation_malformed": (
        "queues:\n  q:\n    dead_letter_routing_key: ${BAD NAME}\n    dead_letter_exchange: ''\ndefault_queue: q\n",
        [
            "routing.yaml:3:30: '${BAD NAME}' is not an interpolation: write ${NAME} or ${NAME:-default} (and $$ for a literal $)"
        ],
    ),
    "schedule_options_unknown": (
        "queues: {q: {}}\ndefault_queue: q\nschedule:\n  s: {task: t, every: 5, options: {priorty: 3}}\n",
        ["routing.yaml:4:36: unknown key 'priorty' (did you mean 'priority'?)"],
    ),
    "route_priority_range": (
        "queues: {q: {}}\nroutes:\n  t: {queue: q, priority: 256}\ndefault_queue: q\n",
        ["routing.yaml:3:27: 'priority': input should be less than or equal to 255, got 256"],
    ),
    "bad_regex_route": (
        "queues: {q: {}}\nroutes:\n  /tasks\\.(a/: q\ndefault_queue: q\n",
        [
            "routing.yaml:3:3: route '/tasks\\\\.(a/' is not a valid regular expression: missing ), unterminated subpattern at position 7"
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_invalid_file_gives_exactly_its_problems(name: str) -> None:
    text, expected = CASES[name]
    with pytest.raises(InvalidTopology) as caught:
        check_text(text, "routing.yaml", environ={})
    assert [str(p) for p in caught.value.problems] == expected


def test_the_table_covers_at_least_thirty_files() -> None:
    assert len(CASES) >= 30


def test_an_over_long_name_is_refused_without_printing_all_of_it() -> None:
    name = "x" * 256
    with pytest.raises(InvalidTopology) as caught:
        check_text(f"queues: {{q: {{}}, {name}: {{}}}}\ndefault_queue: q\n", "routing.yaml", environ={})
    first = str(caught.value.problems[0])
    assert first == f"routing.yaml:1:17: queue name {'x' * 40!r}... is longer than 255 bytes, which RabbitMQ refuses"
