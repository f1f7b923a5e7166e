"""Is RabbitMQ reachable? Says how to start it if not; for tests, also makes sure the management
plugin (which nameko's per-test vhosts need) is enabled."""
import shutil
import subprocess
import sys
import time

from kombu import Connection

from common.config import load_config

HOW_TO_START = ("RabbitMQ is not reachable at {uri}.\n"
                "Start it with `rabbitmq-server -detached` (or point AMQP_URI at a running broker).")


def wait_for_broker(uri, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with Connection(uri, connect_timeout=2) as connection:
                connection.connect()
                return True
        except Exception:
            if time.monotonic() > deadline:
                return False
            time.sleep(1)


def management_api_up(host="127.0.0.1", port=15672):
    import socket
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((host, port)) == 0


def enable_management():
    if management_api_up():
        return True
    if shutil.which("rabbitmq-plugins"):
        subprocess.run(["rabbitmq-plugins", "enable", "rabbitmq_management"], check=False,
                       stdout=subprocess.DEVNULL)
        for _ in range(30):
            if management_api_up():
                return True
            time.sleep(1)
    return False


def main(args):
    uri = load_config(args.config)["AMQP_URI"]
    if not wait_for_broker(uri, args.wait):
        print(HOW_TO_START.format(uri=uri), file=sys.stderr)
        return 1
    if args.for_tests and not enable_management():
        print("The tests need RabbitMQ's management plugin: "
              "`rabbitmq-plugins enable rabbitmq_management`.", file=sys.stderr)
        return 1
    return 0


def register(subparsers):
    parser = subparsers.add_parser("broker-check", help="check that RabbitMQ answers")
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--wait", type=int, default=30, help="seconds to wait for the broker")
    parser.add_argument("--for-tests", action="store_true",
                        help="also enable the management plugin the tests use")
    parser.set_defaults(func=main)
