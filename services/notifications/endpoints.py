"""Webhook endpoints: a subscriber registers the URLs they are called at, each with a secret
shown once, and reads each one's deliveries with every attempt; admins see every endpoint's
health. A target is checked when it is registered (and again at every attempt, channels.py)."""
from common.clock import utc_now
from common.errors import BadRequest
from common.ids import new_id
from common.schemas import page
from common.validation import load
from services.notifications import access, channels
from services.notifications.api import EndpointSchema, PageQuery
from services.notifications.domain import targets
from services.notifications.domain.delivery import ACTIVE
from services.notifications.domain.signing import new_secret
from services.notifications.repository import subscriber_id_of
from services.notifications.subscribers import as_seen
from services.notifications.views import delivery_view, endpoint_view


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
                "description": data["description"], "secrets": [secret], "status": ACTIVE,
                "failing_since": None, "disabled_at": None, "enable_after": None,
                "disabled_reason": None, "revision": 1, "created_at": utc_now()}
    store.add_endpoint(endpoint)
    return {**endpoint_view(endpoint), "secret": secret}  # the only time it is shown


def _visible_endpoint(store, caller, endpoint_id):
    endpoint = store.endpoint(endpoint_id)
    if caller.is_admin:
        return endpoint
    return access.require_own(caller, endpoint, f"no webhook endpoint {endpoint_id}")


def get_endpoint(store, caller, endpoint_id):
    return endpoint_view(_visible_endpoint(store, caller, endpoint_id))


def list_endpoints(store, caller, query):
    """The caller's endpoints; an admin's list is every endpoint, with its health."""
    query = load(PageQuery(), query or {})
    condition = {} if caller.is_admin else {"subscriber_id": subscriber_id_of(caller.subject)}
    total, found = store.find_endpoints(condition, query["limit"], query["offset"])
    return page((endpoint_view(e) for e in found), total, query)


def list_deliveries(store, caller, endpoint_id, query):
    query = load(PageQuery(), query or {})
    _visible_endpoint(store, caller, endpoint_id)
    total, found = store.find_deliveries(endpoint_id, query["limit"], query["offset"])
    return page((delivery_view(d) for d in found), total, query)
