"""List and replay the messages a service parked after its handler kept failing, or at once
(not decodable, too large)."""
import json

from common.config import load_config
from common.consumer import ParkedMessages
from common.storage import open_database


def main(args):
    config = load_config(args.config)
    parked = ParkedMessages(open_database(config, args.service), config["AMQP_URI"])
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


def register(subparsers):
    parser = subparsers.add_parser("parked", help="list or replay a service's parked messages")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("--service", required=True, help="e.g. talent_pool")
    parser.add_argument("--id", help="replay only this parked message (default: all)")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--config", default="config.yaml")
    parser.set_defaults(func=main)
