from topology.cli import main

main(prog_name="python -m topology")
