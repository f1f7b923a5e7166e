"""Webhook endpoints: a subscriber registers the URLs they are called at, each with a secret
shown once (and again at each rotation, when the previous one signs beside it for a day), reads
each one's deliveries with every attempt, enables one again after its cooldown, and replays one
message or the failed ones of a time range; admins see every endpoint's health and log, and
change none. A target is checked when it is registered (and again at every attempt, channels.py).
"""
from common.clock import instant, utc_datetime, utc_now
from common.errors import BadRequest, Conflict, Forbidden, NotFound
from common.ids import new_id
from common.repository import optimistic
from common.schemas import page
from common.validation import load
from services.notifications import access, channels
from services.notifications.api import EndpointSchema, PageQuery, ReplayRangeSchema
from services.notifications.domain import delivery as rules
from services.notifications.domain import targets
from services.notifications.domain.signing import new_secret, rotated
from services.notifications.repository import subscriber_id_of
from services.notifications.subscribers import as_seen
from services.notifications.views import delivery_view, endpoint_health_view, endpoint_view

# How many of the endpoints not healthy the admins' view shows, the most backlogged first.
UNHEALTHY_SHOWN = 100
# The instants of an endpoint's health, which its rules (domain/delivery.py) take as datetimes.
HEALTH_TIMES = ("failing_since", "disabled_at", "enable_after")


def in_times(endpoint):
    """The endpoint, its health's instants as datetimes, for the rules."""
    return {**endpoint, **{key: instant(endpoint.get(key)) for key in HEALTH_TIMES}}


def as_stored(endpoint):
    """The endpoint as the rules left it, its health's instants as stored."""
    return {**endpoint, **{key: utc_now(endpoint[key]) if endpoint.get(key) else None for key in HEALTH_TIMES}}


def register_endpoint(store, settings, caller, payload):
    data = load(EndpointSchema(), payload)
    host, port = targets.parse_target(data["url"])
    refused = targets.refused_address(channels.resolve(host, port), settings.allowed_networks)
    if refused is not None:
        raise BadRequest("the webhook target is refused", {"url": [
            f"{host} is {refused}: private, loopback and reserved addresses are not called"]})
    subscriber = store.save_subscriber(as_seen(store, caller))
    secret = new_secret()
    endpoint = {"_id": new_id("ept"), "subscriber_id": subscriber["_id"], "url": data["url"],
                "description": data["description"], "secrets": [settings.stored_secrets.seal(secret)], "previous_secret_until": None,
                "status": rules.ACTIVE, "failing_since": None, "disabled_at": None, "enable_after": None,
                "disabled_reason": None, "revision": 1, "created_at": utc_now()}
    store.add_endpoint(endpoint)
    return {**endpoint_view(endpoint), "secret": secret}  # the only time it is shown


def _visible_endpoint(store, caller, endpoint_id):
    endpoint = store.endpoint(endpoint_id)
    if caller.is_admin:
        return endpoint
    return access.require_own(caller, endpoint, f"no webhook endpoint {endpoint_id}")


def _own_endpoint(store, caller, endpoint_id):
    """The caller's endpoint, to change; an admin may see another's but not change it."""
    endpoint = _visible_endpoint(store, caller, endpoint_id)
    if endpoint["subscriber_id"] != subscriber_id_of(caller.subject):
        raise Forbidden("only its owner changes a webhook endpoint or replays its messages")
    return endpoint


def get_endpoint(store, caller, endpoint_id):
    return endpoint_view(_visible_endpoint(store, caller, endpoint_id))


def list_endpoints(store, caller, query):
    """The caller's endpoints; an admin's list is every endpoint, with its health."""
    query = load(PageQuery(), query or {})
    condition = {} if caller.is_admin else {"subscriber_id": subscriber_id_of(caller.subject)}
    total, found = store.find_endpoints(condition, query["limit"], query["offset"])
    return page((endpoint_view(e) for e in found), total, query)


def health(store, caller):
    """For admins: how many endpoints are active, failing and disabled, and those not healthy
    with how many messages each has waiting, the most first."""
    if not caller.is_admin:
        raise Forbidden("the health of every endpoint is for admins")
    endpoints = store.endpoints_health()
    failing = [e for e in endpoints if e["status"] == rules.ACTIVE and e.get("failing_since")]
    disabled = [e for e in endpoints if e["status"] == rules.DISABLED]
    backlogs = {e["_id"]: store.backlog(e["_id"]) for e in failing + disabled}
    shown = sorted(backlogs, key=lambda endpoint_id: (-backlogs[endpoint_id], endpoint_id))[:UNHEALTHY_SHOWN]
    return {"active": len(endpoints) - len(disabled), "failing": len(failing), "disabled": len(disabled),
            "unhealthy": [endpoint_health_view(store.endpoint(e), backlogs[e]) for e in shown]}


@optimistic
def rotate_secret(store, settings, caller, endpoint_id):
    """A new secret, shown this once; the previous one signs beside it for a day."""
    endpoint = _own_endpoint(store, caller, endpoint_id)
    secret, now = new_secret(), utc_datetime()
    secrets, until = rotated(endpoint["secrets"], settings.stored_secrets.seal(secret), now)
    changed = {**endpoint, "secrets": secrets, "previous_secret_until": utc_now(until)}
    store.save_endpoint(endpoint, changed)
    return {**endpoint_view(changed), "secret": secret, "previous_secret_until": changed["previous_secret_until"]}


@optimistic
def enable_endpoint(store, caller, endpoint_id):
    """The endpoint called again, once its cooldown has passed (409 before); the messages held
    meanwhile wait for a replay."""
    endpoint = _own_endpoint(store, caller, endpoint_id)
    changed = as_stored(rules.enable(in_times(endpoint), utc_datetime()))
    store.save_endpoint(endpoint, changed)
    return endpoint_view(changed)


def list_deliveries(store, caller, endpoint_id, query):
    query = load(PageQuery(), query or {})
    _visible_endpoint(store, caller, endpoint_id)
    total, found = store.find_deliveries({"endpoint_id": endpoint_id}, query["limit"], query["offset"])
    return page((delivery_view(d) for d in found), total, query)


def replay_delivery(store, caller, endpoint_id, delivery_id):
    """One message of the endpoint sent again now, whatever it came to before (an attempt
    ``manual``); 409 while the endpoint is disabled or an attempt of it is under way."""
    endpoint = _own_endpoint(store, caller, endpoint_id)
    found = store.delivery(delivery_id)
    if found["endpoint_id"] != endpoint_id:
        raise NotFound(f"no delivery {delivery_id}")
    rules.require_replayable(endpoint)
    if not store.replay(found, rules.replayed(rules.MANUAL, utc_now())):
        raise Conflict("the message is being sent now; look at its log, then try again")
    return delivery_view(store.delivery(delivery_id))


def replay_failed(store, caller, endpoint_id, payload):
    """The endpoint's failed and held messages made in [since, until) sent again (attempts
    ``replay``), the oldest first, at most ``MAX_REPLAY`` in one call: how many, and how many more."""
    data = load(ReplayRangeSchema(), payload)
    if data["since"] >= data["until"]:
        raise BadRequest("the time range is empty", {"until": ["after since"]})
    rules.require_replayable(_own_endpoint(store, caller, endpoint_id))
    found, remaining = store.replayable(endpoint_id, data["since"], data["until"], rules.MAX_REPLAY)
    changed = rules.replayed(rules.REPLAY, utc_now())
    replayed = sum(1 for delivery in found if store.replay(delivery, changed))
    return {"replayed": replayed, "remaining": remaining}

