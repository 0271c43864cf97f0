"""Routes proven before anything runs: follow every route through the declared exchanges and bindings.

A route whose messages reach no queue loses its tasks silently (error); one that reaches several queues
runs its tasks more than once (warning); a queue that nothing can reach is dead weight (warning). With
the Celery app's task names, every route and schedule entry must name a task that exists.
Pure: takes a Topology (and task names), yields Problems.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field

from topology.model import (
    DEAD_LETTER_ROUTING_KEY,
    Destination,
    Exchange,
    Origin,
    Problem,
    Queue,
    Route,
    Severity,
    Topology,
)
from topology.routing import (
    NOWHERE,
    Delivery,
    Sending,
    Sendings,
    entry_sends,
    known_task_names,
    names_by_route,
    route_sendings,
    shown_destination,
)


@dataclass(frozen=True)
class _Sent:
    """Tasks sent one way: who sends them, where they are published, and what they should reach."""

    label: str
    destination: Destination
    origin: Origin | None
    target_queue: str | None = None
    priority: int | None = None
    origins: Mapping[str, Origin] = field(default_factory=dict)  # where each of the route's settings is written

    def at(self, *settings: str) -> Origin | None:
        """The first of `settings` written in the file, else the route (or entry) itself."""
        return next((self.origins[s] for s in settings if s in self.origins), self.origin)


def check_routes(topology: Topology, registered: Collection[str] = ()) -> Iterator[Problem]:
    grouped = names_by_route(topology, known_task_names(topology, registered))
    reached: set[str] = set()
    named: set[str | None] = set()  # the queues routes and schedule entries name (their own problems if missed)
    tried = set(topology.pattern_routes)
    known: Sendings = {}
    for route in (*topology.routes, None):
        if route is not None and route.regex is not None and route not in tried:
            yield _replaced(topology, route)
            continue
        for sending in route_sendings(topology, route, grouped.get(route, ()), known):
            if sending.refused is not None:  # a queue or exchange the file lacks: the references' problem
                continue
            reached.update(sending.delivery.queues)
            sent = _sent(topology, route, sending)
            named.add(sent.target_queue)
            yield from _sent_problems(topology, sent, sending.delivery)
    for entry in topology.schedule:
        sending = entry_sends(topology, entry)
        if entry.queue is not None and sending.refused is None:
            reached.update(sending.delivery.queues)
            sent = _Sent(f"schedule entry {entry.name!r}", sending.destination, entry.origin, entry.queue)
            named.add(entry.queue)
            yield from _sent_problems(topology, sent, sending.delivery)
    yield from _unreachable_queues(topology, reached, named)


def _replaced(topology: Topology, route: Route) -> Problem:
    """Celery keys pattern routes by their compiled regex: of two that compile alike, only one entry stays."""
    kept = next(r for r in topology.pattern_routes if r.regex == route.regex)
    first = next(r for r in topology.routes if r.regex == route.regex)
    return Problem(
        f"route {route.pattern!r} compiles to the same pattern as {first.pattern!r}: Celery keeps one of them, "
        f"tried at {first.pattern!r}'s place with the destination of {kept.pattern!r}",
        route.origin,
        Severity.WARNING,
    )


def _sent(topology: Topology, route: Route | None, sending: Sending) -> _Sent:
    destination, name = sending.destination, sending.task
    if route is None:
        return _Sent(
            "default_queue (tasks without a route)", destination, topology.default_queue_origin, topology.default_queue
        )
    label = f"route {route.pattern!r}" + (f" (task {name!r})" if route.regex is not None and name else "")
    return _Sent(label, destination, route.origin, route.queue, route.priority, route.origins)


def _sent_problems(topology: Topology, sent: _Sent, delivery: Delivery) -> Iterator[Problem]:
    destination = sent.destination
    exchange = topology.exchange(destination.exchange)
    via = shown_destination(destination)
    if destination == NOWHERE:
        yield Problem(
            f"{sent.label} names a direct exchange and no routing_key: Celery then publishes its tasks through the "
            "default exchange with no key (`celery/app/amqp.py`, by queue name, and it has none), where nothing takes "
            "them: give the route a routing_key",
            sent.at("routing_key", "exchange"),
        )
        return
    if exchange is not None and exchange.internal:
        yield Problem(
            f"{sent.label} publishes to {via}, which is internal: RabbitMQ refuses publishing to it "
            "(403) and closes the channel",
            sent.at("exchange"),
        )
        return
    goes = f"goes to queue {sent.target_queue!r}, published to" if sent.target_queue else "goes to"
    where = sent.at("routing_key", "queue")  # the key decides where the tasks land
    never = never_run(topology, delivery)
    if never is not None:
        yield Problem(f"{sent.label} {goes} {via}, {never}", where)
        return
    if sent.target_queue is not None and sent.target_queue not in delivery.queues:
        landed = ", ".join(repr(q) for q in delivery.queues)
        yield Problem(f"{sent.label} {goes} {via}, but they land in {landed} instead", where)
    if delivery.copies > 1:
        landed = ", ".join(repr(q) for q in delivery.queues)
        yield Problem(
            f"{sent.label} reaches {delivery.copies} queues ({landed}): each task would run once per queue",
            where,
            Severity.WARNING,
        )
    for name in delivery.queues if sent.priority is not None else ():
        queue = topology.queue(name)
        if queue is not None and "x-max-priority" not in queue.arguments:
            yield Problem(
                f"{sent.label} sets priority {sent.priority}, but queue {name!r} has no max_priority, "
                "so RabbitMQ ignores it",
                sent.at("priority"),
                Severity.WARNING,
            )


def never_run(topology: Topology, delivery: Delivery) -> str | None:
    """Why tasks delivered so never run (the end of a sentence), if they do not."""
    if not delivery.queues:
        return "which no binding matches: its tasks would be dropped"
    if set(delivery.queues) <= topology.nets.names:
        return (
            f"which no binding matches: its tasks would be kept in the unroutable queue {delivery.queues[0]!r}, "
            "and never run"
        )
    return None


def _unreachable_queues(topology: Topology, reached: set[str], named: Collection[str | None]) -> Iterator[Problem]:
    """Queues no route's tasks reach. `reached`: the queues the routes deliver to; `named`: those a route or
    schedule entry names, whose problem it is when its tasks land elsewhere. Fed as well: what their
    dead-lettering reaches, what alternate exchanges catch (the file's own nets for what no binding takes),
    queues whose `fed_by` names other publishers, and what those dead-letter to. A queue only bindings could
    feed waits for publishers outside this app; one no binding feeds waits for nothing."""
    alternates = {a for e in topology.exchanges if (a := topology.alternate_exchange_of(e)) is not None}
    fed = _flow(topology, alternates, reached | {q.name for q in topology.queues if q.fed_by})
    bound = _flow(topology, {e.name for e in topology.exchanges if not e.internal}, fed)
    for queue in topology.queues:
        if queue.name in fed or queue.name in topology.nets.names:
            continue
        if queue.name in bound and queue.name not in named:
            yield Problem(
                f"queue {queue.name!r} is bound ({_bound_to(queue)}), but no route's tasks reach it: only "
                "other publishers could fill it. If some do, name them (`fed_by: [their name]`); else route "
                "tasks to it or remove it",
                queue.origin,
                Severity.WARNING,
            )
        elif queue.name not in bound:
            yield Problem(
                f"queue {queue.name!r} is reached by no route and no binding: nothing would ever arrive in it",
                queue.origin,
                Severity.WARNING,
            )


def _bound_to(queue: Queue) -> str:
    return ", ".join(
        f"to {b.exchange!r}" + (f" with {b.routing_key!r}" if b.routing_key else "") for b in queue.bindings
    )


def _flow(topology: Topology, exchanges: Collection[str], queues: Collection[str]) -> set[str]:
    """The queues messages reach from `exchanges` and `queues` on: through bindings (exchange-to-exchange
    hops included), alternate exchanges and dead-lettering."""
    reached = set(queues)
    seen: set[str] = set()
    pending = list(exchanges)
    for queue_name in list(reached):
        pending.extend(_dead_letter_targets(topology, queue_name, reached))
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        exchange = topology.exchange(name)
        alternate = topology.alternate_exchange_of(exchange) if exchange is not None else None
        if alternate is not None:
            pending.append(alternate)
        for destination, _ in topology.bindings_from(name):
            if isinstance(destination, Exchange):
                pending.append(destination.name)
            elif destination.name not in reached:
                reached.add(destination.name)
                pending.extend(_dead_letter_targets(topology, destination.name, reached))
    return reached


def _dead_letter_targets(topology: Topology, queue_name: str, reached: set[str]) -> list[str]:
    """Dead-lettered messages go on from a reached queue: to its DLX, or by name through the default exchange."""
    queue = topology.queue(queue_name)
    exchange = topology.dead_letter_exchange_of(queue) if queue is not None else None
    if exchange == "" and queue is not None:
        reached.add(str(topology.queue_setting(queue, DEAD_LETTER_ROUTING_KEY) or queue_name))
        return []
    return [exchange] if exchange is not None else []


def check_task_names(topology: Topology, registered: Collection[str]) -> Iterator[Problem]:
    """Every route and schedule entry names a task the Celery app registers ('tasks.taskA', not 'demo.taskA')."""
    matched = {
        route.regex for name in registered for route in topology.pattern_index.candidates(name) if route.matches(name)
    }
    for route in topology.routes:
        if route.regex is None and route.pattern not in registered:
            yield Problem(
                f"route {route.pattern!r} names a task the Celery app does not register"
                f"{_close(route.pattern, registered)}",
                route.origin,
            )
        elif route.regex is not None and route.regex not in matched:
            yield Problem(f"route {route.pattern!r} matches no task the Celery app registers", route.origin)
    for entry in topology.schedule:
        if entry.task not in registered:
            yield Problem(
                f"schedule entry {entry.name!r} sends task {entry.task!r}, which the Celery app does not register"
                f"{_close(entry.task, registered)}",
                entry.origin,
            )


def _close(name: str, registered: Collection[str]) -> str:
    """A likely meant name: the same task in another module ('demo.taskA' -> 'tasks.taskA'), else a near spelling."""
    same_task = sorted(r for r in registered if r.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1])
    close = same_task or difflib.get_close_matches(name, list(registered), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
