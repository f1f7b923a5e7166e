"""The operators' routes: liveness, the OpenAPI document, and parked messages.

The OpenAPI document is generated from the routes of the whole gateway and the services' own
schemas, so it cannot drift from the code.
"""
from marshmallow import fields, validate

from common.auth import ADMIN
from common.openapi import build_openapi
from common.schemas import Out, PageQuery, Strict, Timestamp, page_of
from common.web import route

TITLE = "Jiangxin API"
VERSION = "0.1.0"
DESCRIPTION = (
    "Skills competitions for trade unions: organise a competition and its trade events, register "
    "workers, judge blind, rank, sign off and publish; the high-skill talent pool they feed: "
    "search, statistics, exports, nominations and curation. Authenticate with "
    "`Authorization: Bearer <token>`; every error is JSON `{error, message, fields}`; every list "
    "is a page `{total, limit, offset, items}`."
)

OPERATIONS = ["operations"]


class HealthSchema(Out):
    status = fields.String(required=True, metadata={"example": "ok"})


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
        "description": "the message as received (events carry no ID numbers)"})


ParkedPageSchema = page_of(ParkedMessageSchema)


class ReplayResultSchema(Out):
    replayed = fields.Integer(required=True, metadata={"description": "messages put back on their queues"})


class ReplaySchema(Strict):
    """Which parked message to replay; without it (or without a body) every one."""

    parked_id = fields.String(validate=validate.Length(min=1, max=64))


class OperationsRoutes:
    @route("GET", "/health", public=True, response=HealthSchema, tags=OPERATIONS,
           summary="Liveness: the gateway answers")
    def health(self, request, principal):
        return {"status": "ok"}

    @route("GET", "/openapi.json", public=True, tags=OPERATIONS,
           summary="This API as an OpenAPI 3 document")
    def openapi(self, request, principal):
        return openapi_document(type(self))

    @route("GET", "/admin/parked/talent_pool", query=PageQuery,
           response=ParkedPageSchema, roles=(ADMIN,), tags=OPERATIONS,
           summary="Messages the talent pool kept failing on, with their errors")
    def list_parked_talent_pool(self, request, principal, query):
        return self.talent_pool.list_parked(principal.to_dict(), query)

    @route("POST", "/admin/parked/talent_pool/replay", body=ReplaySchema, body_required=False,
           response=ReplayResultSchema, roles=(ADMIN,), tags=OPERATIONS,
           summary="Put the talent pool's parked messages back on their queues (one, or all)",
           description="The body may be left out: then every parked message is replayed.")
    def replay_parked_talent_pool(self, request, principal, payload):
        return self.talent_pool.replay_parked(principal.to_dict(), payload.get("parked_id"))


_OPENAPI = {}


def openapi_document(gateway_cls):
    """The OpenAPI document of ``gateway_cls``, built once per process."""
    if gateway_cls not in _OPENAPI:
        _OPENAPI[gateway_cls] = build_openapi(gateway_cls, title=TITLE, version=VERSION,
                                              description=DESCRIPTION)
    return _OPENAPI[gateway_cls]
