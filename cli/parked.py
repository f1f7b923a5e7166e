"""List and replay the messages a service parked after its handler kept failing, or at once
(not decodable, too large).

A running service is asked over RPC: its embedded store serves that one process only
(common.storage). When it is not running, its store is opened from here, without the service's
lock: a service that starts meanwhile only adds parked messages, and replay removes each one by
its id after publishing it.
"""
import json
import time

import amqp.exceptions
from kombu import Connection
from nameko.standalone.rpc import ClusterRpcProxy

from common.config import load_config
from common.consumer import ParkedMessages
from common.rpc import DEADLINE_CONTEXT_KEY
from common.storage import open_database

RPC_TIMEOUT = 30
OPERATOR = {"subject": "cli", "role": "admin"}


def running(config, service):
    """Whether ``service`` consumes its RPC queue now."""
    with Connection(config["AMQP_URI"], connect_timeout=5) as connection:
        try:
            _, _, consumers = connection.channel().queue_declare(queue=f"rpc-{service}",
                                                                 passive=True)
        except amqp.exceptions.NotFound:  # it never ran on this broker
            return False
    return consumers > 0


class _OverRpc:
    """The running service's list_parked and replay_parked, shaped as ParkedMessages answers."""

    def __init__(self, cluster, service):
        self.service = getattr(cluster, service)

    def list(self, limit):
        page = self.service.list_parked(OPERATOR, {"limit": limit})
        return {"total": page["total"],
                "items": [{"_id": view["id"], **view} for view in page["items"]]}

    def replay(self, parked_id):
        return self.service.replay_parked(OPERATOR, parked_id)["replayed"]


def show(parked, args):
    if args.action == "list":
        page = parked.list(limit=args.limit)
        print(f"{page['total']} parked in {args.service}")
        for document in page["items"]:
            print(json.dumps({key: document[key] for key in
                              ("_id", "queue", "event_type", "event_id", "attempts", "parked_at")},
                             ensure_ascii=False))
            print("   ", (document["error"] or "").strip().splitlines()[-1])
    else:
        print(f"replayed {parked.replay(args.id)} from {args.service}")


def main(args):
    config = load_config(args.config)
    if not running(config, args.service):
        show(ParkedMessages(open_database(config, args.service), config["AMQP_URI"]), args)
        return
    # Refused by the service once we stopped waiting: a replay never happens after a timeout.
    deadline = {DEADLINE_CONTEXT_KEY: time.time() + RPC_TIMEOUT}
    with ClusterRpcProxy(config, context_data=deadline, timeout=RPC_TIMEOUT) as cluster:
        show(_OverRpc(cluster, args.service), args)


def register(subparsers):
    parser = subparsers.add_parser("parked", help="list or replay a service's parked messages")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("--service", required=True, help="e.g. talent_pool")
    parser.add_argument("--id", help="replay only this parked message (default: all)")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--config", default="config.yaml")
    parser.set_defaults(func=main)
