"""Declare every event exchange and consumer queue before any service publishes."""
from common.config import load_config
from common.topology import declare_subscriptions


def declare_all(config):
    from services import service_classes
    return declare_subscriptions(config["AMQP_URI"], service_classes())


def main(args):
    for queue in declare_all(load_config(args.config)):
        print(f"declared {queue}")


def register(subparsers):
    parser = subparsers.add_parser("topology", help="declare exchanges and queues up front")
    parser.add_argument("--config", default="config.yaml")
    parser.set_defaults(func=main)
