"""JSON over HTTP for nameko: the gateway's only entrypoint, ``route``.

``route`` is nameko's ``@http`` with everything a public API needs done once, before the handler
runs and after it returns:

* authentication with a bearer token (``TOKEN_SECRET``) and a role check; the handler gets the
  caller as ``principal`` (None on public routes);
* the request body bounded (``MAX_REQUEST_BYTES``), parsed as JSON, looked over for lists longer
  than the schema allows and text that is not Unicode (common.validation.check_document), and
  loaded with a marshmallow schema that rejects unknown fields (``payload``); the query string
  likewise (``query``);
* reading a request (its line, headers and body) bounded by a deadline (``HTTP_REQUEST_DEADLINE``
  seconds), answered with a JSON 408; what eventlet answers itself before the app runs (a request
  line or headers too long, too many headers, a bad Content-Length) answered in JSON too;
* the handler's return value dumped through the response schema and sent as UTF-8 JSON;
* files: ``form=`` a schema whose common.schemas.UploadField fields are file parts takes the body
  as multipart/form-data (bounded by the files' own bounds, not MAX_REQUEST_BYTES; at most
  ``max_files`` files; unknown parts refused) and gives the handler the loaded form as
  ``payload``, its files as common.files.Upload, ready to forward over RPC; ``download=True``
  sends what the handler returns (a common.files.Download or its RPC form) as an attachment;
* every error answered as JSON ``{"error", "message", "fields"}``, including 404 and 405 for
  unknown routes, without tracebacks;
* a request id (``X-Request-Id``, taken from the caller or made here) echoed in the response,
  available as ``request.request_id`` and passed on to services as the nameko context value
  ``correlation_id``;
* on create routes (POST answering 201, or ``creates=True``) an optional ``Idempotency-Key``
  header, checked here and passed on with a hash of the request as the context values
  ``idempotency_key`` and ``request_hash``: the service's ``rpc`` entrypoint answers a repeat
  with the first answer (common.idempotency).

    class Gateway:
        name = "gateway"
        competitions = ServiceRpc("competitions")          # common.rpc

        @route("POST", "/competitions", body=CompetitionIn, response=CompetitionOut,
               status=201, roles=[auth.ORGANIZER, auth.ADMIN], tags=["competitions"])
        def create_competition(self, request, principal, payload):
            return self.competitions.create(principal.to_dict(), payload)

        @route("GET", "/competitions/<string:competition_id>", response=CompetitionOut)
        def get_competition(self, request, principal, competition_id):
            return self.competitions.get(principal.to_dict(), competition_id)

The gateway uses ``route`` only. A plain ``@http`` in the same service would share the web server
(there is one per container), but whichever of the two is bound first decides whether unknown
routes are answered in JSON.
"""
import contextlib
import dataclasses
import datetime
import decimal
import enum
import functools
import http
import inspect
import io
import json
import logging
import re
import socket
import time
import uuid
from functools import partial
from urllib.parse import quote

import hashlib

import eventlet
from eventlet import wsgi
from eventlet.event import Event
from marshmallow import RAISE, Schema, ValidationError
from marshmallow import fields as ma_fields
from nameko.constants import USER_ID_CONTEXT_KEY
from nameko.exceptions import ContainerBeingKilled, RpcTimeout, UnknownService
from nameko.extensions import register_entrypoint
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from common.files import ALLOWED_TYPES, MAX_RPC_FILE_BYTES, Download, Upload, ascii_filename
from common.schemas import undeclared_fields, upload_fields
from common.topology import BROKER_ERRORS
from common.validation import check_document, refused
from common import auth, errors

_log = logging.getLogger(__name__)

TOKEN_SECRET_KEY = "TOKEN_SECRET"
MAX_REQUEST_BYTES_KEY = "MAX_REQUEST_BYTES"
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
# Seconds a client connection may stay silent (slow senders, idle keep-alive) before it is closed.
HTTP_SOCKET_TIMEOUT_KEY = "HTTP_SOCKET_TIMEOUT"
DEFAULT_HTTP_SOCKET_TIMEOUT = 60.0
# Seconds from a request's first byte until its body is read: the socket timeout only bounds
# silence, so a sender trickling a byte at a time would otherwise hold a connection for ever.
HTTP_REQUEST_DEADLINE_KEY = "HTTP_REQUEST_DEADLINE"
DEFAULT_HTTP_REQUEST_DEADLINE = 30.0
# After answering a timed-out request, how long unread input is drained before the socket is
# closed: closing on unread data resets the connection, and the client may lose the answer.
_LINGER_SECONDS = 2.0

# True in tests: a view holding a field its response schema does not declare is an error, not a
# field silently dropped on the way out.
CHECK_RESPONSES_KEY = "CHECK_RESPONSES"

REQUEST_ID_HEADER = "X-Request-Id"
# nameko context key carrying the request id to services (RPC headers ``nameko.correlation_id``).
CORRELATION_ID_CONTEXT_KEY = "correlation_id"
# nameko context keys carrying a create's Idempotency-Key and its request's hash to the service.
IDEMPOTENCY_KEY_CONTEXT_KEY = "idempotency_key"
REQUEST_HASH_CONTEXT_KEY = "request_hash"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
# A UUID fits; the key is the caller's, so it is bounded like a request id.
IDEMPOTENCY_KEY_PATTERN = _REQUEST_ID
IDEMPOTENCY_KEY_RULE = ("1 to 128 characters of A-Z a-z 0-9 . _ : -, "
                        "starting with a letter or a digit")
_READ_CHUNK = 64 * 1024
MULTIPART = "multipart/form-data"
# What a multipart body may hold besides its files: its text fields and the parts' framing. A
# form route's body is bounded by its files' bounds plus this.
FORM_TEXT_BYTES = 64 * 1024
# Parts of one multipart body, whatever they are: beyond, a 413 before any is looked at.
MAX_FORM_PARTS = 100


# ---------------------------------------------------------------------------------------------
# JSON responses


def _json_default(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(obj):
    """UTF-8 JSON bytes, Chinese text kept readable (a lone surrogate, which UTF-8 cannot hold,
    as "?": an answer must never fail to be written)."""
    return json.dumps(obj, ensure_ascii=False, default=_json_default).encode("utf-8", "replace")


def json_response(obj, status=200, headers=None):
    if status == 204:
        return Response(status=204, headers=headers)
    return Response(dumps(obj), status=status, headers=headers, content_type=JSON_CONTENT_TYPE)


# RFC 5987 attr-char, besides letters and digits.
_ATTR_CHARS = "!#$&+-.^_`|~"


def content_disposition(filename):
    """``attachment`` with ``filename`` twice: an ASCII stand-in, and the name itself in UTF-8
    as RFC 5987's ``filename*=`` (which browsers prefer), so that a Chinese name survives."""
    return (f'attachment; filename="{ascii_filename(filename)}"; '
            f"filename*=UTF-8''{quote(filename, safe=_ATTR_CHARS)}")


def file_response(download, status=200):
    """A stored file as an attachment: its bytes under the media type its content was found to
    be, never guessed again by the browser, never run as a page, never cached."""
    headers = {
        "Content-Disposition": content_disposition(download.filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return Response(download.content, status=status, headers=headers,
                    content_type=download.media_type)


def error_body(code, message, fields=None):
    body = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def error_response(exc, request_id=None):
    """The JSON response for any exception; logs what the caller is not told."""
    if isinstance(exc, errors.JiangxinError):
        if exc.status >= 500:
            _log.warning("request %s: %s %s", request_id, exc.code, exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, errors.Unauthorized) else None
        return json_response(exc.to_dict(), exc.status, headers)
    if isinstance(exc, (RpcTimeout, eventlet.Timeout, TimeoutError)):
        _log.warning("request %s: timed out: %r", request_id, exc)
        return error_response(errors.GatewayTimeout("a service did not answer in time"))
    if isinstance(exc, (UnknownService, ContainerBeingKilled)):
        _log.warning("request %s: service unavailable: %r", request_id, exc)
        return error_response(errors.ServiceUnavailable("a service is not available"))
    if isinstance(exc, BROKER_ERRORS):
        _log.warning("request %s: connection failed: %r", request_id, exc)
        return error_response(errors.ServiceUnavailable("a backing service is not reachable"))
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        return http_exception_response(exc)
    _log.error("request %s failed", request_id, exc_info=(type(exc), exc, exc.__traceback__))
    message = "internal error"
    if request_id:
        message += f" (request id {request_id})"
    return json_response(error_body("internal_error", message), 500)


def _snake(name):
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def http_exception_response(exc, request=None):
    """werkzeug's HTTP exceptions (routing's 404, 405, redirects...) as JSON."""
    environ = request.environ if request is not None else None
    method = request.method if request is not None else ""
    path = request.path if request is not None else ""
    original = exc.get_response(environ)
    headers = [
        (name, value) for name, value in original.headers.items()
        if name.lower() not in ("content-type", "content-length")
    ]
    code = exc.code or 500
    if code == 404:
        message = f"no route matches {method} {path}".strip()
    elif code == 405:
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or ()))
        message = f"method {method} is not allowed on {path}; allowed: {allowed}"
    elif 300 <= code < 400:
        message = f"moved to {original.headers.get('Location', '')}"
    else:
        message = exc.description or exc.name
    return json_response(error_body(_snake(exc.name), message), code, headers)


class _ExpectedErrorInOneLine(logging.Filter):
    """nameko logs an entrypoint's expected exceptions (a 404, a 409: answers, not failures) at
    warning with their traceback; keep the one line and drop the traceback."""

    def filter(self, record):
        if isinstance(record.msg, str) and record.msg.startswith("(expected)"):
            record.exc_info = None
            record.exc_text = None
        return True


_EXPECTED_ERROR_FILTER = _ExpectedErrorInOneLine()


def log_expected_errors_in_one_line():
    """Install the filter on nameko's worker logger (idempotent)."""
    logging.getLogger("nameko.containers").addFilter(_EXPECTED_ERROR_FILTER)


# ---------------------------------------------------------------------------------------------
# Request ids


def request_id_for(request):
    """The caller's X-Request-Id when it is a sane token, otherwise a new one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if _REQUEST_ID.match(given):
        return given
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------------------------
# The web server: nameko's, answering in JSON where werkzeug would send HTML


class _Request(Request):
    # Bytes of a query string that are not UTF-8 are kept as lone surrogates rather than
    # silently replaced, so that check_document names the parameter at fault.
    encoding_errors = "surrogateescape"


class JsonWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        request = _Request(environ, shallow=True)
        request.request_id = request_id_for(request)
        try:
            adapter = self.url_map.bind_to_environ(environ)
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            response = http_exception_response(exc, request)
        except Exception as exc:
            response = error_response(exc, request.request_id)
        if isinstance(response, Response):
            response.headers[REQUEST_ID_HEADER] = request.request_id
        return response(environ, start_response)


class _DeadlinePassed(Exception):
    pass


class _DeadlineInput:
    """The request body as the app reads it, each read bounded by the request's deadline."""

    def __init__(self, stream, protocol):
        self._stream = stream
        self._protocol = protocol

    def _bounded(self, method, *args):
        try:
            with self._protocol.within_deadline():
                return method(*args)
        except _DeadlinePassed:
            self._protocol.timed_out()
            raise errors.RequestTimeout(
                f"the request was not received within {self._protocol.server.request_deadline:g} s"
            ) from None

    def read(self, *args):
        return self._bounded(self._stream.read, *args)

    def readline(self, *args):
        return self._bounded(self._stream.readline, *args)

    def readlines(self, *args):
        return self._bounded(self._stream.readlines, *args)

    def __iter__(self):
        return iter(self.readline, b"")

    def __getattr__(self, name):
        return getattr(self._stream, name)


class JsonHttpProtocol(HttpOnlyProtocol):
    """eventlet's HTTP protocol, answering in JSON where it (or the standard library under it)
    writes plain-text or HTML errors before the WSGI app is reached, and reading every request
    within the server's ``request_deadline`` (seconds from its first byte; None: no deadline)."""

    deadline = None  # time.monotonic() by which the current request must have been read
    _timed_out = False

    @contextlib.contextmanager
    def within_deadline(self, at_least=0.0):
        if self.deadline is None:
            yield
            return
        left = max(self.deadline - time.monotonic(), at_least)
        if left <= 0:
            raise _DeadlinePassed()
        timer = eventlet.Timeout(left)
        try:
            yield
        except eventlet.Timeout as exc:
            if exc is not timer:
                raise
            raise _DeadlinePassed() from None
        finally:
            timer.cancel()

    def timed_out(self):
        self._timed_out = True
        self.close_connection = 1

    def answer(self, status, code, message):
        """A whole JSON error response written straight to the socket; the connection then closes."""
        body = dumps(error_body(code, message))
        head = (f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
                f"Content-Type: {JSON_CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n")
        self.close_connection = 1
        try:
            self.wfile.write(head.encode("latin-1") + body)
            self.wfile.flush()
        except OSError:
            pass

    def answer_error(self, exc):
        self.answer(exc.status, exc.code, exc.message)

    def answer_timeout(self):
        self.timed_out()
        self.answer_error(errors.RequestTimeout(
            f"the request was not received within {self.server.request_deadline:g} s"))

    def _read_request_line(self):
        self.deadline = None
        try:
            # Waiting for the next request on a kept-alive connection is bounded by the socket
            # timeout; the deadline starts with the request's first byte.
            started = not self.rfile.closed and self.rfile.peek(1)
        except OSError:
            started = False
        if not started:
            return ""
        if self.server.request_deadline:
            self.deadline = time.monotonic() + self.server.request_deadline
        try:
            with self.within_deadline():
                line = super()._read_request_line()
        except _DeadlinePassed:
            self.answer_timeout()
            return ""
        limit = self.server.url_length_limit
        if len(line) >= limit:
            self.answer_error(errors.UriTooLong(f"the request line exceeds {limit} bytes"))
            return ""
        return line

    def parse_request(self):
        try:
            with self.within_deadline():
                if not super().parse_request():
                    return False
        except wsgi.HeaderLineTooLong:
            self.answer_error(errors.HeaderFieldsTooLarge(
                f"a header line exceeds {wsgi.MAX_HEADER_LINE} bytes"))
            return False
        except wsgi.HeadersTooLarge:
            self.answer_error(errors.HeaderFieldsTooLarge(
                f"the headers exceed {wsgi.MAX_TOTAL_HEADER_SIZE} bytes"))
            return False
        except _DeadlinePassed:
            self.answer_timeout()
            return False
        length = self.headers.get("content-length")
        if length is not None and not (length.strip().isdigit()):
            self.answer_error(errors.BadRequest("Content-Length must be a non-negative integer"))
            return False
        return True

    def send_error(self, code, message=None, explain=None):
        # The standard library's HTML error page (a malformed request line, too many headers).
        phrase = http.HTTPStatus(code).phrase
        self.answer(code, _snake(phrase), message or phrase)

    def get_environ(self):
        environ = super().get_environ()
        if self.deadline is not None:
            stream = environ["eventlet.input"]
            environ["wsgi.input"] = _DeadlineInput(stream, self)
            discard = stream.discard

            def bounded_discard(*args):
                # eventlet reads what the app left unread before the next request. The answer
                # has gone out promising a kept-alive connection, so a body already sent is read
                # even if handling outlasted the deadline.
                try:
                    with self.within_deadline(at_least=_LINGER_SECONDS):
                        discard(*args)
                except _DeadlinePassed:
                    self.timed_out()

            stream.discard = bounded_discard
        return environ

    def finish(self):
        if self._timed_out:
            self._linger()
        super().finish()

    def _linger(self):
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            with eventlet.Timeout(_LINGER_SECONDS, False):
                while self.connection.recv(_READ_CHUNK):
                    pass
        except OSError:
            pass


class JsonWebServer(WebServer):
    """nameko's WebServer with JSON errors for unmatched routes and methods, and for what the
    HTTP protocol refuses itself (JsonHttpProtocol).

    It shares nameko's sharing key so one container never opens two listening sockets.
    """

    @property
    def sharing_key(self):
        return WebServer

    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, **kwargs):
        kwargs.setdefault("protocol", JsonHttpProtocol)
        server = super().get_wsgi_server(sock, wsgi_app, **kwargs)
        config = self.container.config
        timeout = config.get(HTTP_SOCKET_TIMEOUT_KEY, DEFAULT_HTTP_SOCKET_TIMEOUT)
        server.socket_timeout = float(timeout) if timeout else None
        deadline = config.get(HTTP_REQUEST_DEADLINE_KEY, DEFAULT_HTTP_REQUEST_DEADLINE)
        server.request_deadline = float(deadline) if deadline else None
        return server


# ---------------------------------------------------------------------------------------------
# The entrypoint


@dataclasses.dataclass(frozen=True)
class RouteSpec:
    """What a route promises; common.openapi documents it."""

    method_name: str
    methods: tuple
    url: str
    body: object = None
    query: object = None
    response: object = None
    roles: tuple | None = None
    public: bool = False
    summary: str = ""
    description: str = ""
    status: int = 200
    tags: tuple = ()
    body_required: bool = True
    creates: bool = False  # takes an Idempotency-Key
    form: object = None  # a multipart/form-data body, loaded with this schema
    download: tuple = ()  # the media types of the file it answers with; () for JSON


def _schema_instance(schema):
    if schema is None:
        return None
    if isinstance(schema, type) and issubclass(schema, Schema):
        return schema()
    if isinstance(schema, Schema):
        return schema
    raise TypeError(f"expected a marshmallow Schema class or instance, got {schema!r}")


class Route(HttpRequestHandler):
    server = JsonWebServer()

    def __init__(self, method, url, *, body=None, query=None, response=None, roles=None,
                 public=False, summary="", status=200, tags=None, description="",
                 max_body_bytes=None, body_required=True, creates=None, form=None,
                 max_files=None, download=False, **kwargs):
        kwargs.setdefault("expected_exceptions", (errors.JiangxinError,))
        super().__init__(method, url, **kwargs)
        if public and roles:
            raise ValueError("a public route cannot require roles")
        if form is not None and body is not None:
            raise ValueError("a route takes a JSON body or a multipart form, not both")
        if download and response is not None:
            raise ValueError("a download route answers with a file, not a response schema")
        if roles is not None:
            roles = tuple(roles)
            if not roles:
                raise ValueError("roles must name at least one role; omit it to allow any role")
            unknown = set(roles) - set(auth.ALL_ROLES)
            if unknown:
                raise ValueError(f"unknown roles {sorted(unknown)}")
        self.methods = tuple(m.strip().upper() for m in method.split(","))
        self.body = body
        self.query = query
        self.response = response
        self.roles = roles
        self.public = public
        self.summary = summary
        self.description = description
        self.status = status
        self.tags = tuple(tags or ())
        self.max_body_bytes = max_body_bytes
        self.body_required = body_required  # False: a missing body is read as {}
        # A create is what a client must be able to retry safely after a timeout.
        self.creates = (status == 201 and "POST" in self.methods) if creates is None else creates
        self._body_schema = _schema_instance(body)
        self._query_schema = _schema_instance(query)
        self._response_schema = _schema_instance(response)
        self.form = form
        self._form_schema = _schema_instance(form)
        self._file_fields = upload_fields(self._form_schema) if form is not None else {}
        if form is not None and not self._file_fields:
            raise ValueError("a form route's schema declares no UploadField")
        self.max_files = _max_files(self._file_fields, max_files)
        self.download = _download_types(download)
        self._verifier = None

    @property
    def spec(self):
        return RouteSpec(
            method_name=self.method_name, methods=self.methods, url=self.url, body=self.body,
            query=self.query, response=self.response, roles=self.roles, public=self.public,
            summary=self.summary, description=self.description, status=self.status,
            body_required=self.body_required,
            tags=self.tags, creates=self.creates, form=self.form, download=self.download,
        )

    def get_url_rule(self):
        return Rule(self.url, methods=self.methods)

    def path_arguments(self):
        rule = self.get_url_rule()
        Map([rule])
        return set(rule.arguments)

    # -- lifecycle

    def setup(self):
        config = self.container.config
        if not self.public:
            secret = config.get(TOKEN_SECRET_KEY)
            if not secret:
                raise ValueError(f"{TOKEN_SECRET_KEY} is not configured")
            self._verifier = auth.TokenVerifier(secret)
        self._check_handler_signature()
        log_expected_errors_in_one_line()
        if not isinstance(self.server, JsonWebServer):
            _log.warning(
                "%s shares a plain nameko web server (an @http entrypoint was bound first): "
                "unknown routes will not be answered in JSON", self.method_name)
        super().setup()

    def _check_handler_signature(self):
        handler = getattr(self.container.service_cls, self.method_name)
        names = {"principal": None}
        if self.body is not None or self.form is not None:
            names["payload"] = None
        if self.query is not None:
            names["query"] = None
        names.update({name: None for name in self.path_arguments()})
        try:
            inspect.signature(handler).bind(None, None, **names)
        except TypeError as exc:
            raise TypeError(
                f"{self.container.service_cls.__name__}.{self.method_name} must accept "
                f"(self, request, {', '.join(sorted(names))}): {exc}"
            ) from None

    @property
    def max_request_bytes(self):
        if self.max_body_bytes is not None:
            return int(self.max_body_bytes)
        if self._form_schema is not None:
            # The files' own bounds decide, not MAX_REQUEST_BYTES, which bounds JSON documents.
            return _form_file_bytes(self._file_fields) + FORM_TEXT_BYTES
        return int(self.container.config.get(MAX_REQUEST_BYTES_KEY, DEFAULT_MAX_REQUEST_BYTES))

    # -- request handling

    def handle_request(self, request):
        request.shallow = False
        request_id = getattr(request, "request_id", None)
        if request_id is None:
            request_id = request.request_id = request_id_for(request)
        try:
            limit = self.max_request_bytes
            if request.content_length is not None and request.content_length > limit:
                raise errors.PayloadTooLarge(f"the request body exceeds {limit} bytes")
            principal = self.authenticate(request)
            request.principal = principal
            kwargs = dict(request.path_values)
            kwargs["principal"] = principal
            if self._query_schema is not None:
                kwargs["query"] = self.load_query(request)
            if self._body_schema is not None:
                kwargs["payload"] = self.load_body(request, limit)
            if self._form_schema is not None:
                kwargs["payload"] = self.load_form(request, limit)
            context_data = {CORRELATION_ID_CONTEXT_KEY: request_id}
            if principal is not None:
                context_data[USER_ID_CONTEXT_KEY] = principal.subject
            if self.creates:
                context_data.update(idempotency_context(request, kwargs.get("payload")))
            event = Event()
            self.container.spawn_worker(
                self, (request,), kwargs, context_data=context_data,
                handle_result=partial(self.handle_result, event))
            result = event.wait()
            response = self.response_from_result(result)
        except Exception as exc:
            response = self.response_from_exception(exc, request_id)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    def authenticate(self, request):
        if self.public:
            return None
        token = auth.bearer_token(request.headers.get("Authorization"))
        principal = self._verifier.verify(token)
        if self.roles is not None and principal.role not in self.roles:
            raise errors.Forbidden(f"role {principal.role} may not use this endpoint")
        return principal

    def read_body(self, request, limit):
        """At most ``limit`` bytes of body, or PayloadTooLarge; chunked bodies are bounded too."""
        length = request.content_length
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if length is None and not chunked:
            return b""
        stream = request.environ["wsgi.input"]
        wanted = limit + 1 if length is None else min(length, limit + 1)
        chunks = []
        received = 0
        while received < wanted:
            chunk = stream.read(min(_READ_CHUNK, wanted - received))
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
        if received > limit:
            raise errors.PayloadTooLarge(f"the request body exceeds {limit} bytes")
        return b"".join(chunks)

    def load_body(self, request, limit):
        schema = self._body_schema
        raw = self.read_body(request, limit)
        expected = "array" if schema.many else "object"
        if not raw.strip():
            if not self.body_required:
                return _load(schema, {}, "invalid request body")
            raise errors.BadRequest(f"the request body must be a JSON {expected}")
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError:
            raise errors.BadRequest("the request body is not UTF-8") from None
        except json.JSONDecodeError as exc:
            raise errors.BadRequest(
                f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} "
                f"column {exc.colno}") from None
        except (ValueError, RecursionError):
            raise errors.BadRequest("the request body is not valid JSON") from None
        if not isinstance(data, list if schema.many else dict):
            raise errors.BadRequest(f"the request body must be a JSON {expected}")
        check_document(data, schema, "invalid request body")
        return _load(schema, data, "invalid request body")

    def load_query(self, request):
        schema = self._query_schema
        data, problems = _single_values(request.args, _list_keys(schema))
        if problems:
            raise errors.BadRequest("invalid query parameters", fields=problems)
        check_document(data, schema, "invalid query parameters")
        return _load(schema, data, "invalid query parameters")

    def load_form(self, request, limit):
        """The multipart/form-data body loaded with the form schema: its UploadFields from file
        parts (as Uploads), its other fields from text parts; unknown, repeated or misplaced
        parts and too many files refused with a 400 naming them."""
        schema = self._form_schema
        mimetype, options = parse_options_header(request.headers.get("Content-Type", ""))
        if mimetype != MULTIPART:
            raise errors.BadRequest(f"the request body must be {MULTIPART}",
                                    fields={"Content-Type": [f"must be {MULTIPART}"]})
        text, files = _parse_form(self.read_body(request, limit), options)
        list_keys = _list_keys(schema)
        data, problems = _single_values(text, list_keys)
        uploads, repeated = _single_values(files, list_keys)
        problems.update(repeated)
        declared = _data_keys(schema)
        for name in text:
            if name in self._file_fields:
                problems[name] = ["must be a file (a part with a filename)"]
        for name in files:
            if name in declared and name not in self._file_fields:
                problems[name] = ["must be a text field, not a file"]
        sent = sum(len(files.getlist(name)) for name in files)
        if sent > self.max_files:
            for name in files:
                problems.setdefault(name, []).append(
                    f"{sent} files sent; at most {self.max_files} are allowed")
        if problems:
            raise errors.BadRequest("invalid form", fields=problems)
        data.update({name: _uploads(value) for name, value in uploads.items()})
        check_document(data, schema, "invalid form")
        return _load(schema, data, "invalid form")

    # -- results

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        if self.download:
            return file_response(Download.from_rpc(result))
        status, headers, payload = self.status, None, result
        if isinstance(result, tuple):
            if len(result) == 2:
                status, payload = result
            elif len(result) == 3:
                status, headers, payload = result
            else:
                raise TypeError(f"{self.method_name} returned a tuple of {len(result)} items")
        schema = self._response_schema
        if schema is not None and status != 204 and self.container.config.get(CHECK_RESPONSES_KEY):
            dropped = undeclared_fields(schema, payload)
            if dropped:
                raise TypeError(f"{self.method_name}: the response schema does not declare "
                                f"{', '.join(dropped[:10])}")
        if schema is not None and status != 204:
            if isinstance(payload, (list, tuple)) and not schema.many:
                raise TypeError(
                    f"{self.method_name} returned a list but its response schema is not "
                    "many=True")
            payload = schema.dump(payload)
        return json_response(payload, status, headers)

    def response_from_exception(self, exc, request_id=None):
        return error_response(exc, request_id)


def idempotency_context(request, payload):
    """The context data of a create's Idempotency-Key, {} without one; BadRequest for a bad one."""
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    if key is None:
        return {}
    if not IDEMPOTENCY_KEY_PATTERN.match(key):
        raise errors.BadRequest(f"invalid {IDEMPOTENCY_KEY_HEADER}",
                                fields={IDEMPOTENCY_KEY_HEADER: [IDEMPOTENCY_KEY_RULE]})
    # The loaded payload, not the bytes: a client that sends the same JSON with its keys in
    # another order or other spacing is retrying the same request.
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=_canonical)
    digest = hashlib.sha256("\n".join([request.method, request.path, body]).encode("utf-8"))
    return {IDEMPOTENCY_KEY_CONTEXT_KEY: key, REQUEST_HASH_CONTEXT_KEY: digest.hexdigest()}


def _canonical(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)  # a set's order differs from process to process
    if isinstance(value, Upload):
        return {"filename": value.filename, "sha256": value.sha256}
    return _json_default(value)


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _load(schema, data, message):
    try:
        return schema.load(data, unknown=RAISE)
    except ValidationError as exc:
        raise refused(exc, message) from None


def _list_keys(schema):
    return {field.data_key or name for name, field in schema.fields.items()
            if isinstance(field, ma_fields.List)}


def _data_keys(schema):
    return {field.data_key or name for name, field in schema.load_fields.items()}


def _single_values(multidict, list_keys):
    """``(data, problems)`` of a query string's or a form's values: a list for a list field, one
    value for any other, which may not be given twice."""
    data = {}
    problems = {}
    for key in multidict.keys():
        values = multidict.getlist(key)
        if key in list_keys:
            data[key] = values
        elif len(values) > 1:
            problems[key] = ["given more than once"]
        else:
            data[key] = values[0]
    return data, problems


def _in_memory(*args, **kwargs):
    # The body is in memory already, bounded: its files stay there rather than on a disk.
    return io.BytesIO()


def _parse_form(raw, options):
    """``(text parts, file parts)`` of a multipart body as MultiDicts; a malformed body is a 400,
    one of more than MAX_FORM_PARTS parts a 413 (werkzeug's RequestEntityTooLarge, in JSON)."""
    # Text not in UTF-8 (or the part's charset) is kept as lone surrogates, which
    # check_document refuses naming the field, rather than silently replaced. werkzeug's
    # max_form_memory_size bounds its parsing buffer, not a field: the body is bounded already,
    # and the schema bounds each text field.
    parser = FormDataParser(stream_factory=_in_memory, errors="surrogateescape", silent=False,
                            max_form_parts=MAX_FORM_PARTS)
    try:
        _, text, files = parser.parse(io.BytesIO(raw), MULTIPART, len(raw), options)
    except RequestEntityTooLarge:
        raise errors.PayloadTooLarge(f"the form has more than {MAX_FORM_PARTS} parts") from None
    except (ValueError, LookupError) as exc:  # LookupError: a part's charset nobody knows
        raise errors.BadRequest(f"the request body is not valid {MULTIPART}: {exc}") from None
    return text, files


def _uploads(value):
    if isinstance(value, list):
        return [_uploads(item) for item in value]
    return Upload(value.filename or "", value.stream.getvalue())


def _form_file_bytes(file_fields):
    return sum(field.max_bytes * count for field, count in file_fields.values())


def _max_files(file_fields, max_files):
    most = sum(count for _, count in file_fields.values())
    if max_files is not None:
        if not 0 < int(max_files) <= most:
            raise ValueError(f"max_files must be 1 to {most}, the files the form declares")
        most = int(max_files)
    if _form_file_bytes(file_fields) > MAX_RPC_FILE_BYTES:
        raise ValueError(f"a form's files may hold at most {MAX_RPC_FILE_BYTES} bytes in all: "
                         "they cross RPC in one message")
    return most


def _download_types(download):
    """The media types a download route answers with: ``True`` for every allowed type, or
    the FileTypes given."""
    if not download:
        return ()
    types = ALLOWED_TYPES if download is True else tuple(download)
    return tuple(file_type.media_type for file_type in types)


def route(method, url, *, body=None, query=None, response=None, roles=None, public=False,
          summary="", status=200, tags=None, **options):
    """Declare a JSON HTTP endpoint on a gateway method.

    The handler is ``def handler(self, request, principal, [payload], [query], **path_args)``
    and returns a JSON-able object, ``(status, obj)``, ``(status, headers, obj)`` or a werkzeug
    Response. ``method`` may list several methods: ``"GET,HEAD"``.

    Other options: ``max_body_bytes`` (this route's bound of a request body), ``body_required``,
    ``creates``, ``description``; for files ``form`` (a schema with UploadFields: the body is
    multipart/form-data, ``payload`` the loaded form), ``max_files`` (at most this many file
    parts; by default as many as the form declares) and ``download`` (True, or the FileTypes it
    may answer with: the handler's Download, or its RPC form, is sent as an attachment).
    """
    entrypoint = Route(
        method, url, body=body, query=query, response=response, roles=roles, public=public,
        summary=summary, status=status, tags=tags, **options)

    def decorate(fn):
        @functools.wraps(fn)
        def handler(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except eventlet.Timeout as exc:
                # A BaseException: escaping the worker it would kill the whole container.
                raise errors.GatewayTimeout("an operation did not finish in time") from exc

        register_entrypoint(handler, entrypoint)
        return handler

    return decorate


def iter_routes(service_cls):
    """Every route of a service class, as RouteSpec, in a stable order."""
    specs = []
    for method_name, method in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, Route):
                specs.append(dataclasses.replace(entrypoint.spec, method_name=method_name))
    return sorted(specs, key=lambda spec: (spec.url, spec.methods, spec.method_name))
