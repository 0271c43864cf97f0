"""`plan`: what `apply` would do, from one read of the vhost."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from topology import hints
from topology.broker.session import Session
from topology.checks.broker_rules import check_broker_rules
from topology.checks.versions import Target, broker_target, target
from topology.commands.history import since
from topology.commands.result import Result
from topology.errors import BrokerUnavailable, InvalidTopology, InvalidUsage
from topology.model import Severity, Topology
from topology.planning.delivery_limits import delivery_limits
from topology.planning.drift import drift
from topology.planning.findings import Finding, findings_exit_code
from topology.planning.history import Source
from topology.planning.migration import Mover
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
    """The plan, what `inspect` would call drift in it, and the flags of the `apply` that carries it out;
    `saved`: the file it was saved to (`plan -o`), for `apply FILE`."""

    plan: Plan
    findings: tuple[Finding, ...]
    flags: tuple[str, ...] = ()
    saved: str | None = None
    mover: Mover | None = None  # what would move a migration's messages (None: no migration)

    @property
    def apply(self) -> str:
        """The command that carries the plan out."""
        return hints.apply_with(self.saved) if self.saved else hints.apply_with(*self.flags)


SAVED_PLAN = "celery-topology plan"
SAVED_PLAN_VERSION = 1


@dataclass(frozen=True)
class SavedPlan:
    """A plan saved by `plan -o FILE`: the file it was made from (its text, so that `apply FILE` applies what
    was planned even if the file changed since), the flags, the vhost, and the plan's outline, which `apply
    FILE` holds against a fresh read of the broker before it sends anything."""

    vhost: str
    flags: tuple[str, ...]
    source: Source
    text: str
    outline: str

    def data(self) -> dict[str, Any]:
        return {
            "format": SAVED_PLAN,
            "version": SAVED_PLAN_VERSION,
            "vhost": self.vhost,
            "flags": list(self.flags),
            "source": asdict(self.source),
            "routing_yaml": self.text,
            "outline": self.outline,
        }

    @classmethod
    def from_data(cls, data: Any, path: str) -> SavedPlan:
        """InvalidUsage (exit 2) when `data` is not a plan this version saved."""
        if not isinstance(data, dict) or data.get("format") != SAVED_PLAN:
            raise InvalidUsage(f"{path} is not a plan saved by `python -m topology plan -o FILE`")
        if data.get("version") != SAVED_PLAN_VERSION:
            raise InvalidUsage(f"{path} was saved by another version of this tool: run `plan -o {path}` again")
        try:
            source = Source(**data["source"])
            return cls(
                str(data["vhost"]), tuple(data["flags"]), source, str(data["routing_yaml"]), str(data["outline"])
            )
        except (KeyError, TypeError) as error:
            raise InvalidUsage(f"{path} is not a whole saved plan ({error}): run `plan -o {path}` again") from None

    @property
    def options(self) -> PlanOptions:
        flags = self.flags
        return PlanOptions("--recreate" in flags, "--prune" in flags, "--force" in flags, "--migrate" in flags)

    def topology(self) -> Topology:
        """The file as it was planned, checked again (in this environment: a `${VAR}` that changed since
        changes the plan, which `apply` then finds)."""
        from topology.language.loader import check_text

        return check_text(self.text, self.source.file, versioned=False).topology


def saved_plan(report: PlanReport, source: Source) -> SavedPlan:
    """What `plan -o FILE` writes: `source` is the file planned, whose text goes with it."""
    text = Path(source.file).read_text(encoding="utf-8")
    return SavedPlan(report.plan.vhost, report.flags, source, text, report.plan.outline())


def plan_command(
    topology: Topology,
    session: Session,
    *,
    recreate: bool,
    prune: bool,
    force: bool,
    migrate: bool = False,
    source: Source | None = None,
) -> Result[PlanReport]:
    """Exit 1 when the broker differs from the file, exactly when `inspect` finds drift: something to create,
    change or delete, a conflict, or an object the file does not have (which `apply` leaves alone unless
    --prune says otherwise). Bindings bound again only because they cannot be seen (no management API) are
    no difference. With the file's `source`, the plan also says what changed since the last apply."""
    planned = read_plan(topology, session, PlanOptions(recreate, prune, force, migrate))
    findings = tuple(drift(planned))
    if source is not None:
        planned = replace(planned, since=since(planned.recorded, planned.note, source, differs=bool(planned.findings)))
    named = (("--recreate", recreate), ("--prune", prune), ("--force", force), ("--migrate", migrate))
    flags = tuple(flag for flag, on in named if on)
    mover = session.mover() if planned.migrations else None
    report = PlanReport(planned, findings, flags, mover=mover)
    return Result(report, findings_exit_code(findings)).on(session.settings)
