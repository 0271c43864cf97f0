from topology.cli.main import main

main(prog_name="python -m topology")
