"""Loading input with a marshmallow schema, failing as a 400 that names the fields at fault (a 413
when what is at fault is a value too large, such as a file: see :class:`TooLarge`)."""
import re

from marshmallow import Schema, ValidationError, fields, validate

from common.errors import BadRequest, PayloadTooLarge

# A document is looked over before a schema walks it: marshmallow spends tens of microseconds on
# every item and error, so a megabyte of tiny items would hold the server for seconds.
MAX_DOCUMENT_VALUES = 50_000
# The bound of a list or mapping whose schema declares none.
DEFAULT_MAX_ITEMS = 1_000
# Beyond this many keys more than its schema declares, an object is refused without naming each.
MAX_UNKNOWN_KEYS = 50
# A lone surrogate cannot be encoded as UTF-8: it would fail wherever the text is stored or sent.
_SURROGATE = re.compile("[\ud800-\udfff]")


class TooLarge(str):
    """A field's error message that means its value is too large to take (a file over its
    bound): raised in a ValidationError, it makes the whole answer a 413 rather than a 400, as a
    request body over its bound is."""


def refused(error, message):
    """The error to raise for marshmallow's ``ValidationError``: BadRequest naming the fields at
    fault, PayloadTooLarge when one of them is :class:`TooLarge`."""
    flat = flatten_messages(error.messages)
    too_large = any(isinstance(text, TooLarge) for texts in flat.values() for text in texts)
    return (PayloadTooLarge if too_large else BadRequest)(message, flat)


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


def _declared_max(field):
    for validator in getattr(field, "validators", ()):
        if isinstance(validator, validate.Length) and validator.max is not None:
            return validator.max
    return DEFAULT_MAX_ITEMS


def _spec_of_items(spec):
    """What the items of a JSON array are expected to be, and how many of them there may be."""
    if isinstance(spec, fields.List):
        return spec.inner, _declared_max(spec)
    if isinstance(spec, fields.Nested) and spec.many:
        return spec.schema, _declared_max(spec)
    if isinstance(spec, Schema) and spec.many:
        return spec, DEFAULT_MAX_ITEMS
    return None, DEFAULT_MAX_ITEMS


def _spec_of_keys(spec):
    """How to look up what each key of a JSON object holds, and how many keys there may be."""
    if isinstance(spec, fields.Nested):
        spec = spec.schema
    if isinstance(spec, Schema):
        declared = {field.data_key or name: field for name, field in spec.load_fields.items()}
        return declared.get, len(declared) + MAX_UNKNOWN_KEYS
    if isinstance(spec, fields.Dict):
        return (lambda key: spec.value_field), _declared_max(spec)
    return (lambda key: None), DEFAULT_MAX_ITEMS


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def check_document(data, schema=None, message="the request is not valid"):
    """BadRequest, naming the places at fault, for parsed JSON that no schema should walk: a list
    or mapping longer than its schema allows, an object with far more keys than its schema
    declares, more than MAX_DOCUMENT_VALUES values in all, or text (or a key) holding a lone
    surrogate."""
    problems = {}
    seen = 0
    stack = [(data, "", schema)]
    while stack:
        value, path, spec = stack.pop()
        seen += 1
        if seen > MAX_DOCUMENT_VALUES:
            raise BadRequest(f"{message}: more than {MAX_DOCUMENT_VALUES} values in one document")
        if isinstance(value, str):
            if _SURROGATE.search(value):
                problems[path or "_schema"] = ["not valid Unicode text (a lone surrogate, or bytes that are not UTF-8)"]
        elif isinstance(value, list):
            item_spec, limit = _spec_of_items(spec)
            if len(value) > limit:
                problems[path or "_schema"] = [f"{len(value)} items; at most {limit} are allowed"]
                continue
            stack.extend((item, _join(path, i), item_spec) for i, item in enumerate(value))
        elif isinstance(value, dict):
            spec_of, limit = _spec_of_keys(spec)
            if len(value) > limit:
                problems[path or "_schema"] = [f"{len(value)} keys; at most {limit} are allowed"]
                continue
            for key, item in value.items():
                if _SURROGATE.search(key):
                    problems[_join(path, _SURROGATE.sub("\ufffd", key))] = [
                        "this key is not valid Unicode text"]
                    continue
                stack.append((item, _join(path, key), spec_of(key)))
    if problems:
        raise BadRequest(message, problems)


def load(schema, payload, message="the request is not valid"):
    check_document(payload, schema, message)
    try:
        return schema.load(payload)
    except ValidationError as error:
        raise refused(error, message) from None
