"""The raw nameko @http + RPC ceiling: what one HTTP request that makes one RPC costs on this
machine when neither side does any work.

Two services, run as two processes exactly like the gateway and the competitions service:

* ``CeilingGateway``: a plain nameko ``@http`` POST that reads the body and makes one RPC with it
  through nameko's own ``RpcProxy``, then answers the reply as JSON;
* ``CeilingBackend``: an ``@rpc`` that returns at once.

No authentication, validation, storage or schemas: the marks endpoint does the same HTTP and RPC
round trip plus all of that, so the ratio between the two says what the product's own work costs.

``StubCompetitions`` stands in for the competitions service (same name, same ``submit_mark``
signature, answers at once without storing anything). The real gateway in front of it, in a vhost
of its own, shows what the gateway's layers cost apart from the service's work.

    nameko run --config config.yaml bench.ceiling:CeilingBackend
    GATEWAY_ADDRESS=127.0.0.1:8001 nameko run --config config.yaml bench.ceiling:CeilingGateway
    AMQP_URI=.../other-vhost nameko run --config config.yaml bench.ceiling:StubCompetitions
"""
import json

from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http

# The same URL shapes as the marks route and the results' routes (/studios/<id>/results,
# /results/<id>/submission), so the client sends requests of the same size.
PATH = "/ceiling/<competition_id>/events/<event_id>/marks"
SHORT_PATH = "/ceiling/<object_id>/<action>"


class CeilingBackend:
    name = "bench_ceiling_backend"

    @rpc
    def accept(self, payload):
        return {"accepted": len(payload)}


class CeilingGateway:
    name = "bench_ceiling_gateway"

    backend = RpcProxy("bench_ceiling_backend")

    def _relayed(self, request):
        reply = self.backend.accept(request.get_data(as_text=True))
        return 200, {"Content-Type": "application/json"}, json.dumps(reply)

    @http("POST", PATH)
    def submit(self, request, competition_id, event_id):
        return self._relayed(request)

    @http("POST", SHORT_PATH)
    def act(self, request, object_id, action):
        return self._relayed(request)

    @http("GET", "/health")
    def health(self, request):
        return 200, {"Content-Type": "application/json"}, '{"status": "ok"}'


class StubCompetitions:
    """The competitions service's marks RPC, answering at once: the gateway with nothing behind it."""

    name = "competitions"

    @rpc
    def submit_mark(self, caller, competition_id, event_id, payload):
        return {"entry_code": payload["entry_code"], "aspect_id": payload["aspect_id"],
                "value": payload["value"], "changed": True}
