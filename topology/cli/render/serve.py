"""`serve`: where the page is, the token its actions need, and what it watches (printed once, at start)."""

from __future__ import annotations

import click

from topology.web.serve import Started


def announce(started: Started) -> None:
    every = f"read every {started.interval:g} s"
    click.echo(f"serving {started.url} (vhost {started.vhost!r} on {started.broker}, {every})")
    click.echo(f"token for replay and discard: {started.token}")
    click.echo("metrics: " + started.url + "metrics; Ctrl-C stops")
