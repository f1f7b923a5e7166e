"""Loading input with a marshmallow schema, failing as a 400 that names the fields at fault."""
from marshmallow import ValidationError

from common.errors import BadRequest


def flatten_messages(messages, prefix=""):
    """marshmallow's nested messages as ``{"dotted.path": ["problem", ...]}``."""
    flat = {}
    for key, value in messages.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_messages(value, f"{path}."))
        else:
            flat[path] = value if isinstance(value, list) else [value]
    return flat


def load(schema, payload, message="the request is not valid"):
    try:
        return schema.load(payload)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise BadRequest(message, flatten_messages(messages)) from None
