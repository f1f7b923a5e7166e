"""Loading input with a marshmallow schema, failing as a 400 that names the fields at fault."""
from marshmallow import ValidationError

from common.errors import BadRequest


def flatten_messages(messages, prefix=""):
    """marshmallow's nested error messages as ``{"dotted.path": ["message", ...]}``.

    Schema-level errors (``_schema``) are reported on the enclosing path, at the top as
    ``_schema``.
    """
    flat = {}

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                key = str(key)
                child = path if key == "_schema" and path else (f"{path}.{key}" if path else key)
                walk(value, child)
        elif isinstance(node, (list, tuple)):
            if all(isinstance(item, str) for item in node):
                flat.setdefault(path or "_schema", []).extend(node)
            else:
                for item in node:
                    walk(item, path)
        else:
            flat.setdefault(path or "_schema", []).append(str(node))

    walk(messages, prefix)
    return flat


def load(schema, payload, message="the request is not valid"):
    try:
        return schema.load(payload)
    except ValidationError as error:
        raise BadRequest(message, flatten_messages(error.messages)) from None
