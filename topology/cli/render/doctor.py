"""`doctor`: the AMQP client, whether the broker and its API answer, file limits, the cluster's health."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from topology import hints
from topology.cli.envelope import Body
from topology.cli.render import Renderer
from topology.commands.doctor import DoctorReport
from topology.commands.result import Result
from topology.hints import counted


def text(result: Result[DoctorReport]) -> None:
    report = result.report
    settings, transport = report.settings, report.transport
    click.echo(f"Python {sys.version.split()[0]}; Celery transport: {transport.module}")
    click.echo(f"  {transport.reason}")
    click.echo(f"AMQP: connected to {settings.broker}, vhost {settings.vhost!r}")
    if len(settings.nodes) > 1:
        used = settings.nodes.index(settings.broker) + 1
        click.echo(f"  node {used} of the {len(settings.nodes)} in the broker URL list, the first that answered")
    for reason in settings.passed_over:
        click.echo(f"  passed over: {reason}")
    click.echo(
        f"management API: {settings.management} answers ({counted(report.exchanges, 'exchange')}, "
        f"{counted(report.queues, 'queue')} in the vhost)"
    )
    if report.nodes is None:
        user = settings.management.username
        click.echo(f"  file descriptor limits not shown: user {user!r} lacks the monitoring tag")
    for node in report.nodes or ():
        click.echo(f"  {hints.file_limit(node.name, node.file_descriptors)}")
    for line in _cluster_health(report):
        click.echo(line)


def _cluster_health(report: DoctorReport) -> list[str]:
    """The cluster's health, when the user may see the nodes: each problem on its line, with its fix."""
    nodes = report.nodes or ()
    if not nodes:
        return []
    running = [n.name for n in nodes if n.running]
    lines = [f"cluster: {len(running)} of {counted(len(nodes), 'node')} running"]
    for node in nodes:
        if not node.running:
            lines += [f"  node {node.name} is down", f"    fix: {hints.node_down(node.name)}"]
        if node.alarms:
            alarms = ", ".join(node.alarms)
            lines += [f"  node {node.name}: {alarms} alarm: publishers are blocked", f"    fix: {hints.ALARM}"]
        if node.partitions:
            seen = ", ".join(node.partitions)
            lines += [f"  node {node.name} is partitioned from {seen}", f"    fix: {hints.PARTITION}"]
    if report.quorum_critical:
        queues = ", ".join(report.quorum_critical)
        lines += [
            f"  quorum-critical (they lose their majority if the answering node stops): {queues}",
            f"    fix: {hints.QUORUM_CRITICAL}",
        ]
    elif report.quorum_critical is not None:
        lines.append("  no quorum queue depends on the answering node for its majority")
    return lines


def body(result: Result[DoctorReport]) -> Body:
    report = result.report
    settings = report.settings
    nodes = [
        {
            "name": n.name,
            "file_descriptors": n.file_descriptors,
            "running": n.running,
            "alarms": list(n.alarms),
            "partitions": list(n.partitions),
        }
        for n in report.nodes or ()
    ]
    data = {
        "python": sys.version.split()[0],
        "transport": asdict(report.transport),
        "management": str(settings.management),
        "broker_list": [str(node) for node in settings.nodes],  # the failover list, in order
        "passed_over": list(settings.passed_over),  # why each node before the one used was not
        "nodes_visible": report.nodes is not None,  # the user's tags let it see the nodes
        "nodes": nodes,
        "quorum_critical": list(report.quorum_critical) if report.quorum_critical is not None else None,
    }
    return Body(summary={"exchanges": report.exchanges, "queues": report.queues}, data=data)


DOCTOR = Renderer("doctor", text, body)
