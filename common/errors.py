"""Errors that cross service boundaries, free of any framework so that domain rules raise them.

Services raise these from their RPC methods; nameko serialises them, and because common.rpc
registers every class here with nameko's ``deserialize_to_instance`` the gateway receives the same
class back and turns it into a JSON response with ``status``. ``fields`` names the input at
fault, as ``{"field.path": ["what is wrong"]}``.
"""


class JiangxinError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message, fields=None):
        # Arguments cross RPC as they are: None would arrive as the string "None".
        super().__init__(message, fields or {})
        self.message = message
        self.fields = fields or {}

    def to_dict(self):
        body = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body

    def __str__(self):
        return self.message


class BadRequest(JiangxinError):
    status = 400
    code = "bad_request"


class Unauthorized(JiangxinError):
    status = 401
    code = "unauthorized"


class Forbidden(JiangxinError):
    status = 403
    code = "forbidden"


class NotFound(JiangxinError):
    status = 404
    code = "not_found"


class MethodNotAllowed(JiangxinError):
    status = 405
    code = "method_not_allowed"


class Conflict(JiangxinError):
    """An illegal state change, or a second copy of something that must be unique."""

    status = 409
    code = "conflict"


class PayloadTooLarge(JiangxinError):
    status = 413
    code = "payload_too_large"


class ServiceUnavailable(JiangxinError):
    status = 503
    code = "service_unavailable"


class GatewayTimeout(JiangxinError):
    status = 504
    code = "gateway_timeout"


# Every error a service may answer with, for nameko's registry (common.rpc).
ANSWERS = (BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, Conflict,
           PayloadTooLarge, ServiceUnavailable, GatewayTimeout)
