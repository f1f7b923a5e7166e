import argparse
import importlib
import sys

# Each module registers one subcommand.
COMMANDS = ("run", "token", "topology", "broker_check", "demo_data", "parked")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m cli", description="Jiangxin command line")
    subparsers = parser.add_subparsers(required=True, metavar="command")
    for name in COMMANDS:
        importlib.import_module(f"cli.{name}").register(subparsers)
    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
