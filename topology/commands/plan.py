"""`plan`: what `apply` would do, from one read of the vhost."""

from __future__ import annotations

from dataclasses import dataclass, replace

from topology import hints
from topology.broker.session import Session
from topology.checks.broker_rules import check_broker_rules
from topology.checks.versions import Target, broker_target, target
from topology.commands.history import since
from topology.commands.result import Result
from topology.errors import BrokerUnavailable, InvalidTopology
from topology.model import Severity, Topology
from topology.planning.delivery_limits import delivery_limits
from topology.planning.drift import drift
from topology.planning.findings import Finding, findings_exit_code
from topology.planning.history import Source
from topology.planning.observed import LiveState, with_counts
from topology.planning.plan import NO_OPTIONS, Plan, PlanOptions, plan, wanted


def read_plan(topology: Topology, session: Session, options: PlanOptions = NO_OPTIONS) -> Plan:
    """The plan from the session's read of the vhost (the file's side is worked out while it is under way);
    queues that may be deleted are asked over AMQP whether they are empty and consumed (the management
    API's counts lag)."""
    wants = wanted(topology)
    state = session.state(topology)
    aimed = checked_for_broker(topology, state)
    if session.unreachable is not None and (topology.policies or options.prune):
        raise BrokerUnavailable(f"{session.unreachable}; {_needs_management(topology)}")
    planned = plan(topology, state, options, wants)
    unknown = planned.needs_counts()
    if unknown:
        planned = plan(topology, with_counts(state, session.counts(unknown)), options, wants)
    return replace(planned, rabbitmq=aimed, delivery_limits=delivery_limits(topology, aimed.rules))


def checked_for_broker(topology: Topology, state: LiveState) -> Target:
    """RabbitMQ's rules checked as the broker's version applies them (the file's target, or the newest,
    when the management API did not tell it): an error is exit 2 before anything is sent."""
    aimed = broker_target(state.rabbitmq_version, target(None, topology.rabbitmq))
    problems = list(check_broker_rules(topology, aimed.rules))
    if any(p.severity is Severity.ERROR for p in problems):
        raise InvalidTopology(problems)
    return aimed


def _needs_management(topology: Topology) -> str:
    if any(p.origin is not None for p in topology.policies):
        return "routing.yaml declares policies, which only the management API can do"
    if topology.policies:  # the nets' own
        return (
            "the nets (unroutable, dead_letters) are set by policy, which only the management API can do; "
            "or opt out with `unroutable: false` and `dead_letters: false`"
        )
    return "--prune lists the vhost, which only the management API can do"


@dataclass(frozen=True)
class PlanReport:
    """The plan, what `inspect` would call drift in it, and the `apply` that carries it out (its flags)."""

    plan: Plan
    findings: tuple[Finding, ...]
    apply: str


def plan_command(
    topology: Topology,
    session: Session,
    *,
    recreate: bool,
    prune: bool,
    force: bool,
    source: Source | None = None,
) -> Result[PlanReport]:
    """Exit 1 when the broker differs from the file, exactly when `inspect` finds drift: something to create,
    change or delete, a conflict, or an object the file does not have (which `apply` leaves alone unless
    --prune says otherwise). Bindings bound again only because they cannot be seen (no management API) are
    no difference. With the file's `source`, the plan also says what changed since the last apply."""
    planned = read_plan(topology, session, PlanOptions(recreate, prune, force))
    findings = tuple(drift(planned))
    if source is not None:
        planned = replace(planned, since=since(planned.recorded, planned.note, source, differs=bool(planned.findings)))
    flags = [flag for flag, on in (("--recreate", recreate), ("--prune", prune), ("--force", force)) if on]
    report = PlanReport(planned, findings, hints.apply_with(*flags))
    return Result(report, findings_exit_code(findings)).on(session.settings)
