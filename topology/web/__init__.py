"""`serve` and its metrics: the routing watched live in a browser, and what inspect reads as Prometheus
gauges. Above the commands (it runs them), below the CLI (which starts it)."""
