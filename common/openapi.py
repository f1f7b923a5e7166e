"""The OpenAPI 3 document of a gateway, generated from its routes and their schemas.

Nothing is written by hand: paths come from ``route`` metadata (common.web), bodies, query
parameters and responses from the same marshmallow schemas that validate and dump them, so the
document cannot drift from the code. ``missing_routes`` lets a test prove it.
"""
import http
import inspect
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from marshmallow import Schema, fields

from common.schemas import UploadField, upload_fields
from common.web import (IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_RULE,
                        MULTIPART, iter_routes)

OPENAPI_VERSION = "3.0.3"
SECURITY_SCHEME = "bearerAuth"
JSON = "application/json"

# werkzeug rule placeholders: <name>, <converter:name>, <converter(args):name>
_PLACEHOLDER = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?"
    r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")


class ErrorSchema(Schema):
    """Every error response of the API."""

    error = fields.String(required=True, metadata={"description": "machine-readable code",
                                                   "example": "bad_request"})
    message = fields.String(required=True, metadata={"description": "human-readable message"})
    # "fields" would shadow Schema.fields: the attribute is renamed, the JSON key is not.
    field_errors = fields.Dict(
        data_key="fields", keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "input at fault, as dotted path -> messages",
                  "example": {"worker.id_number": ["the check digit does not match"]}})


# status -> (component name, description)
ERROR_RESPONSES = {
    400: ("BadRequest", "The request is malformed or fails validation"),
    401: ("Unauthorized", "Missing, invalid or expired bearer token"),
    403: ("Forbidden", "The caller's role or scope does not allow this"),
    404: ("NotFound", "No such object, or not visible to the caller"),
    409: ("Conflict", "Not allowed in the object's current state, or a duplicate"),
    413: ("PayloadTooLarge", "The request body, or a file in it, is too large"),
}

BINARY = {"type": "string", "format": "binary"}
DOWNLOAD_HEADERS = {
    "Content-Disposition": {
        "description": "attachment, with the file's name as filename*= (RFC 5987, UTF-8)",
        "schema": {"type": "string"}},
    "X-Content-Type-Options": {"schema": {"type": "string", "enum": ["nosniff"]}},
}

_MUTATING = {"POST", "PUT", "PATCH", "DELETE"}

IDEMPOTENCY_KEY_PARAMETER = {
    "name": IDEMPOTENCY_KEY_HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 128,
               "pattern": IDEMPOTENCY_KEY_PATTERN.pattern},
    "description": (
        "Makes a retry safe: the same key with the same request gets the first answer (status "
        "and body) and stores nothing twice; with another request, or while the first is still "
        "running, a 409. Kept 24 hours, per caller; "
        f"{IDEMPOTENCY_KEY_RULE}."),
}


def _parameter_schema(converter, args):
    if converter == "int":
        return {"type": "integer"}
    if converter == "float":
        return {"type": "number"}
    if converter == "uuid":
        return {"type": "string", "format": "uuid"}
    if converter == "any" and args:
        return {"type": "string",
                "enum": [value.strip().strip("'\"") for value in args.split(",")]}
    return {"type": "string"}


def openapi_path(url):
    """``/competitions/<string:competition_id>`` -> (``/competitions/{competition_id}``, params)."""
    parameters = []

    def replace(match):
        parameters.append({
            "name": match.group("name"),
            "in": "path",
            "required": True,
            "schema": _parameter_schema(match.group("converter"), match.group("args")),
        })
        return "{" + match.group("name") + "}"

    return _PLACEHOLDER.sub(replace, url), parameters


def _operation(spec, method, path_parameters):
    responses = {}
    success = {"description": http.HTTPStatus(spec.status).phrase}
    if spec.response is not None and spec.status != 204:
        success["content"] = {JSON: {"schema": spec.response}}
    if spec.download:
        success["content"] = {media_type: {"schema": BINARY} for media_type in spec.download}
        success["headers"] = DOWNLOAD_HEADERS
    responses[str(spec.status)] = success

    takes_body = spec.body is not None or spec.form is not None
    errors = set()
    if takes_body or spec.query is not None or method in _MUTATING:
        errors.add(400)
    if not spec.public:
        errors.update((401, 403))
    if path_parameters:
        errors.add(404)
    if method in _MUTATING:
        errors.add(409)
    if takes_body:
        errors.add(413)
    for status in sorted(errors):
        responses[str(status)] = ERROR_RESPONSES[status][0]

    description = spec.description
    if spec.roles:
        roles = "Roles: " + ", ".join(spec.roles) + "."
        description = f"{description}\n\n{roles}" if description else roles

    operation = {
        "operationId": spec.method_name,
        "responses": responses,
        "security": [] if spec.public else [{SECURITY_SCHEME: []}],
    }
    if spec.summary:
        operation["summary"] = spec.summary
    if description:
        operation["description"] = description
    if spec.tags:
        operation["tags"] = list(spec.tags)
    if spec.roles:
        operation["x-roles"] = list(spec.roles)
    parameters = list(path_parameters)
    if spec.query is not None:
        parameters.append({"in": "query", "schema": spec.query})
    if spec.creates:
        parameters.append(IDEMPOTENCY_KEY_PARAMETER)
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = {"required": spec.body_required,
                                    "content": {JSON: {"schema": spec.body}}}
    if spec.form is not None:
        operation["requestBody"] = {"required": True, "content": {MULTIPART: _form_content(spec.form)}}
    return operation


def _form_content(form):
    """A multipart body: the form's schema, each file part with the media types it may be."""
    schema = form() if isinstance(form, type) else form
    encoding = {name: {"contentType": ", ".join(field.media_types)}
                for name, (field, _) in upload_fields(schema).items()}
    return {"schema": form, "encoding": encoding}


def _documented_methods(spec):
    # werkzeug answers HEAD for every GET by itself: document only what was declared.
    return [method for method in spec.methods if method != "OPTIONS"]


class DocumentedSchemas(MarshmallowPlugin):
    """Each schema's own docstring (not one it inherits) is its description in the document:
    what a schema's rules mean is written once, where the schema is."""

    def schema_helper(self, name, _, schema=None, **kwargs):
        definition = super().schema_helper(name, _, schema=schema, **kwargs)
        own = resolve_schema_cls(schema).__dict__.get("__doc__") if schema is not None else None
        if own and definition is not None and "description" not in definition:
            # Its paragraphs as paragraphs, their lines joined: the docstring's wrapping is not text.
            definition["description"] = "\n\n".join(
                " ".join(paragraph.split("\n")) for paragraph in inspect.cleandoc(own).split("\n\n"))
        return definition


def build_openapi(service_cls, *, title, version, description=""):
    """The OpenAPI 3 document (a dict, ready for JSON) of every route of ``service_cls``."""
    info = {"description": description} if description else {}
    marshmallow_plugin = DocumentedSchemas()
    spec = APISpec(title=title, version=version, openapi_version=OPENAPI_VERSION,
                   plugins=[marshmallow_plugin], info=info)
    marshmallow_plugin.map_to_openapi_type(UploadField, "string", "binary")
    spec.components.schema("Error", schema=ErrorSchema)
    for status, (name, text) in ERROR_RESPONSES.items():
        spec.components.response(name, {
            "description": text,
            "content": {JSON: {"schema": "Error"}},
        })
    spec.components.security_scheme(
        SECURITY_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})

    routes = iter_routes(service_cls)
    operation_ids = {}
    for route in routes:
        for method in _documented_methods(route):
            operation_ids.setdefault(route.method_name, []).append(method)

    tags = set()
    for route in routes:
        path, path_parameters = openapi_path(route.url)
        operations = {}
        for method in _documented_methods(route):
            operation = _operation(route, method, path_parameters)
            if len(operation_ids[route.method_name]) > 1:
                operation["operationId"] = f"{route.method_name}_{method.lower()}"
            operations[method.lower()] = operation
        tags.update(route.tags)
        spec.path(path=path, operations=operations)
    for tag in sorted(tags):
        spec.tag({"name": tag})
    return spec.to_dict()


def missing_routes(service_cls, document):
    """``"METHOD /path"`` for every route of ``service_cls`` that ``document`` lacks."""
    missing = []
    paths = document.get("paths", {})
    for route in iter_routes(service_cls):
        path, _ = openapi_path(route.url)
        for method in _documented_methods(route):
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    return missing
