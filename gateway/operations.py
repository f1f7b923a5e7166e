"""The operators' routes: liveness, the OpenAPI document, and parked messages.

The OpenAPI document is generated from the routes of the whole gateway and the services' own
schemas, so it cannot drift from the code.
"""
from marshmallow import fields

from common.auth import ADMIN
from common.openapi import build_openapi
from common.parking import (ConsumerRpc, ParkedPageSchema, ReplayResultSchema, ReplaySchema)
from common.schemas import Out, PageQuery
from common.web import route
from services import CONSUMING_SERVICES

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
# /admin/parked/<service>: one pair of routes for every consuming service, any other is a 404.
PARKED = f"/admin/parked/<any({', '.join(CONSUMING_SERVICES)}):service>"


class HealthSchema(Out):
    status = fields.String(required=True, metadata={"example": "ok"})


class OperationsRoutes:
    consumers = ConsumerRpc()
    @route("GET", "/health", public=True, response=HealthSchema, tags=OPERATIONS,
           summary="Liveness: the gateway answers")
    def health(self, request, principal):
        return {"status": "ok"}

    @route("GET", "/openapi.json", public=True, tags=OPERATIONS,
           summary="This API as an OpenAPI 3 document")
    def openapi(self, request, principal):
        return openapi_document(type(self))

    @route("GET", PARKED, query=PageQuery, response=ParkedPageSchema, roles=(ADMIN,),
           tags=OPERATIONS, summary="Messages a consuming service kept failing on, with their errors")
    def list_parked(self, request, principal, query, service):
        return self.consumers(service).list_parked(principal.to_dict(), query)

    @route("POST", f"{PARKED}/replay", body=ReplaySchema, body_required=False,
           response=ReplayResultSchema, roles=(ADMIN,), tags=OPERATIONS,
           summary="Put a consuming service's parked messages back on their queues (one, or all)",
           description="The body may be left out: then every parked message is replayed. A "
                       "message kept only in part (too large) cannot be replayed: 409.")
    def replay_parked(self, request, principal, payload, service):
        return self.consumers(service).replay_parked(principal.to_dict(), payload.get("parked_id"))


_OPENAPI = {}


def openapi_document(gateway_cls):
    """The OpenAPI document of ``gateway_cls``, built once per process."""
    if gateway_cls not in _OPENAPI:
        _OPENAPI[gateway_cls] = build_openapi(gateway_cls, title=TITLE, version=VERSION,
                                              description=DESCRIPTION)
    return _OPENAPI[gateway_cls]
