"""Command-line entry points: `python -m cli <command>` (run, token, topology, broker-check, demo-data, parked)."""
