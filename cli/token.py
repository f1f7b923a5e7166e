"""`token`: issue a bearer token signed with the configured TOKEN_SECRET, to try the API.

    python -m cli token --role organizer --subject u1 --unit jianhu-union
    curl -H "Authorization: Bearer $(python -m cli token --role admin --subject me)" ...

Only for the embedded default, where the gateway verifies tokens with the same secret.
"""
import sys

import yaml

from common import auth
from common.config import DEFAULT_CONFIG_PATH, load_config


def register(subparsers):
    parser = subparsers.add_parser(
        "token",
        help="print a bearer token for the gateway",
        description="Print a bearer token signed with TOKEN_SECRET from the config file.",
    )
    parser.add_argument("--role", required=True, choices=auth.ALL_ROLES)
    parser.add_argument("--subject", required=True, help="the user's id")
    parser.add_argument(
        "--unit", help="organising unit id (required for organizer, chief_judge, supervisor)")
    parser.add_argument("--studio", help="studio id (required for studio_lead)")
    parser.add_argument("--name", help="display name")
    parser.add_argument("--enterprise", help="the user's own enterprise (a reviewer's: never "
                                             "reviews that enterprise's studios)")
    parser.add_argument("--ttl-hours", type=float, default=8.0, help="validity (default 8)")
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH, help="config file")
    parser.set_defaults(func=main)
    return parser


def main(args):
    try:
        config = load_config(args.config)
    except OSError as exc:
        raise SystemExit(f"token: cannot read {args.config}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise SystemExit(f"token: {args.config} is not valid YAML: {exc}") from None
    secret = (config or {}).get("TOKEN_SECRET")
    if not secret:
        raise SystemExit(f"token: TOKEN_SECRET is not set in {args.config}")
    try:
        token = auth.issue_token(
            str(secret), args.subject, args.role, unit=args.unit, studio=args.studio,
            name=args.name, enterprise=args.enterprise, ttl_seconds=int(args.ttl_hours * 3600))
    except ValueError as exc:
        raise SystemExit(f"token: {exc}") from None
    sys.stdout.write(token + "\n")
    return 0
