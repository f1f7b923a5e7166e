"""The parked-message admin every consuming service gets by inheriting ``ParkedMessagesAdmin``.

A service with reliable event handlers parks the messages they keep failing on (common.consumer).
Its admins list and replay them over RPC, through the gateway's ``/admin/parked/<service>`` routes
(``ConsumerRpc`` reaches whichever consuming service a request names) or with
``python -m cli parked``. The list that says which services consume is
``services.CONSUMING_SERVICES``. The schemas here are the kit's public API for parked messages:
the gateway documents and dumps them.
"""
from marshmallow import fields, validate

from common.auth import caller_from
from common.consumer import NotReplayable, Parking
from common.errors import Conflict, Forbidden, NotFound
from common.rpc import ServiceRpc, TimedServiceProxy, rpc
from common.schemas import Out, PageQuery, Strict, Timestamp, page, page_of
from common.validation import load

VIEW_FIELDS = ("queue", "event_type", "event_id", "attempts", "parked_at", "error", "body", "raw",
               "raw_encoding", "content_type", "content_encoding", "size", "truncated")


class ParkedMessageSchema(Out):
    """A message a service's handler kept failing on, kept with its error until replayed."""

    id = fields.String(required=True)
    queue = fields.String(required=True)
    event_type = fields.String(allow_none=True)
    event_id = fields.String(allow_none=True)
    attempts = fields.Integer(required=True)
    parked_at = Timestamp(required=True)
    error = fields.String(allow_none=True, metadata={"description": "the last lines of the failure"})
    body = fields.Raw(allow_none=True, metadata={
        "description": "the message as received (events carry no ID numbers); null when only its "
                       "raw form was kept"})
    raw = fields.String(allow_none=True, metadata={
        "description": "the body as it came, for a message that could not be decoded, was too "
                       "large or could not be stored decoded"})
    raw_encoding = fields.String(allow_none=True, metadata={"description": "utf-8 or base64"})
    content_type = fields.String(allow_none=True)
    content_encoding = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True, metadata={"description": "bytes received"})
    truncated = fields.Boolean(allow_none=True, metadata={
        "description": "only the first MiB was kept: it can be read, not replayed"})


ParkedPageSchema = page_of(ParkedMessageSchema)


class ReplaySchema(Strict):
    """Which parked message to replay; without it (or without a body) every one."""

    parked_id = fields.String(validate=validate.Length(min=1, max=64))


class ReplayResultSchema(Out):
    replayed = fields.Integer(required=True, metadata={"description": "messages put back on their queues"})


def parked_view(document):
    view = {"id": document["_id"]}
    view.update({key: document.get(key) for key in VIEW_FIELDS})
    return view


def require_admin(caller):
    """The caller (a Principal as a dict, from the gateway) if an admin; Forbidden otherwise."""
    principal = caller_from(caller)
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
        query = load(PageQuery(), query or {})
        found = self.parking.list(query["limit"], query["offset"])
        return page((parked_view(document) for document in found["items"]), found["total"], query)

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
