"""The parked-message admin every consuming service gets by inheriting ``ParkedMessagesAdmin``.

A service with reliable event handlers parks the messages they keep failing on (common.consumer).
Its admins list and replay them over RPC, through the gateway's ``/admin/parked/<service>`` routes
(``ConsumerRpc`` reaches whichever consuming service a request names) or with
``python -m cli parked``. The service list that says which services consume is
``cli.system.CONSUMING_SERVICES``.
"""
from marshmallow import RAISE, Schema, fields, validate

from common.auth import Principal
from common.consumer import NotReplayable, Parking
from common.errors import Conflict, Forbidden, NotFound
from common.rpc import ServiceRpc, TimedServiceProxy, rpc
from common.validation import load

VIEW_FIELDS = ("queue", "event_type", "event_id", "attempts", "parked_at", "error", "body", "raw",
               "raw_encoding", "content_type", "content_encoding", "size", "truncated")


class ParkedQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


def parked_view(document):
    view = {"id": document["_id"]}
    view.update({key: document.get(key) for key in VIEW_FIELDS})
    return view


def require_admin(caller):
    """The caller (a Principal as a dict, from the gateway) if an admin; Forbidden otherwise,
    whatever was passed: no caller, or not a principal at all, is a 403, never a 500."""
    try:
        principal = Principal(**caller) if isinstance(caller, dict) else None
    except TypeError:
        principal = None
    if principal is None:
        raise Forbidden("sign in to see parked messages")
    if not principal.is_admin:
        raise Forbidden("only admins see and replay parked messages")
    return principal


class ParkedMessagesAdmin:
    """Mixin for a service class: its parked messages, for admins, over RPC."""

    parking = Parking()

    @rpc
    def list_parked(self, caller, query=None):
        """``{total, limit, offset, items}``, oldest first."""
        require_admin(caller)
        query = load(ParkedQuerySchema(), query or {})
        page = self.parking.list(query["limit"], query["offset"])
        return {**page, "items": [parked_view(document) for document in page["items"]]}

    @rpc
    def replay_parked(self, caller, parked_id=None):
        """Put one parked message (or, without ``parked_id``, all) back on its queue."""
        require_admin(caller)
        try:
            replayed = self.parking.replay(parked_id)
        except NotReplayable as error:
            raise Conflict(f"parked message {parked_id} cannot be replayed: {error}") from None
        if parked_id and not replayed:
            raise NotFound(f"no parked message {parked_id}")
        return {"replayed": replayed}


class ConsumerRpc(ServiceRpc):
    """For the gateway: ``self.consumers(name)`` is the bounded RPC proxy (as ServiceRpc's) of
    the service ``name``, chosen per request."""

    def __init__(self, **options):
        super().__init__(None, **options)

    def get_dependency(self, worker_ctx):
        def proxy(service_name):
            return TimedServiceProxy(worker_ctx, service_name, self.rpc_reply_listener,
                                     self.timeout, self.options)
        return proxy
