"""Errors that cross service boundaries.

Services raise these from their RPC methods; nameko serialises them, and because each class is
registered with ``deserialize_to_instance`` the gateway receives the same class back and turns it
into a JSON response with ``status``. ``fields`` names the input at fault, as
``{"field.path": ["what is wrong"]}``.
"""
import amqp.exceptions
import kombu.exceptions
from nameko.exceptions import deserialize_to_instance

# What a lost or refused connection to the broker raises, through kombu or py-amqp.
BROKER_ERRORS = (
    kombu.exceptions.OperationalError,
    amqp.exceptions.ConnectionError,
    amqp.exceptions.RecoverableConnectionError,
    ConnectionError,
)


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


@deserialize_to_instance
class BadRequest(JiangxinError):
    status = 400
    code = "bad_request"


@deserialize_to_instance
class Unauthorized(JiangxinError):
    status = 401
    code = "unauthorized"


@deserialize_to_instance
class Forbidden(JiangxinError):
    status = 403
    code = "forbidden"


@deserialize_to_instance
class NotFound(JiangxinError):
    status = 404
    code = "not_found"


@deserialize_to_instance
class MethodNotAllowed(JiangxinError):
    status = 405
    code = "method_not_allowed"


@deserialize_to_instance
class Conflict(JiangxinError):
    """An illegal state change, or a second copy of something that must be unique."""

    status = 409
    code = "conflict"


@deserialize_to_instance
class PayloadTooLarge(JiangxinError):
    status = 413
    code = "payload_too_large"


@deserialize_to_instance
class ServiceUnavailable(JiangxinError):
    status = 503
    code = "service_unavailable"


@deserialize_to_instance
class GatewayTimeout(JiangxinError):
    status = 504
    code = "gateway_timeout"
