"""common.web.route in a real container, spoken to over HTTP."""
import json
import logging
import socket

import eventlet
import eventlet.event
import pytest
from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from common import auth
from common.errors import Conflict, NotFound
from common.validation import flatten_messages
from common.web import iter_routes, route

SECRET = "test-token-secret-0123456789abcdefghijklmnop"
MAX_BYTES = 2048


class DetailSchema(Schema):
    colour = fields.String(required=True, validate=validate.OneOf(["red", "blue"]))


class ItemIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=20))
    count = fields.Integer(required=True, strict=True)
    tags = fields.List(fields.String(validate=validate.Length(max=10)), load_default=list)
    detail = fields.Nested(DetailSchema)


class ItemOut(Schema):
    id = fields.String()
    name = fields.String()
    count = fields.Integer()


class ItemQuery(Schema):
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))
    tag = fields.List(fields.String())


class WebTestService:
    name = "webtest"

    @route("GET", "/ping", public=True, summary="Liveness")
    def ping(self, request, principal):
        return {"pong": True, "request_id": request.request_id, "anonymous": principal is None}

    @route("GET", "/me")
    def me(self, request, principal):
        return principal.to_dict()

    @route("POST", "/items", body=ItemIn, response=ItemOut, status=201,
           roles=[auth.ORGANIZER, auth.ADMIN])
    def create_item(self, request, principal, payload):
        return {"id": "item-1", "secret": "never dumped", **payload}

    @route("GET", "/items", query=ItemQuery, response=ItemOut(many=True))
    def list_items(self, request, principal, query):
        return [{"id": str(i), "name": ",".join(query.get("tag", [])), "count": i}
                for i in range(query["limit"])]

    @route("GET", "/items/<string:item_id>", response=ItemOut)
    def get_item(self, request, principal, item_id):
        if item_id != "item-1":
            raise NotFound(f"no item {item_id}")
        return {"id": item_id, "name": "数控车工", "count": 3}

    @route("POST", "/conflict")
    def conflict(self, request, principal):
        raise Conflict("already published", fields={"state": ["published"]})

    @route("GET", "/boom")
    def boom(self, request, principal):
        raise RuntimeError("database password is hunter2")

    @route("GET", "/slow")
    def slow(self, request, principal):
        with eventlet.Timeout(0.01):
            eventlet.sleep(1)

    @route("GET", "/export.csv")
    def export(self, request, principal):
        return Response("a,b\n1,2\n", mimetype="text/csv")

    @route("DELETE", "/items/<string:item_id>")
    def delete_item(self, request, principal, item_id):
        return 204, None


def token(role=auth.ORGANIZER, **claims):
    if role in auth.UNIT_ROLES:
        claims.setdefault("unit", "unit-1")
    return auth.issue_token(SECRET, "user-1", role, **claims)


def bearer(role=auth.ORGANIZER, **claims):
    return {"Authorization": f"Bearer {token(role, **claims)}"}


@pytest.fixture
def web(container_factory, rabbit_config, web_config):
    config = {**rabbit_config, **web_config, "TOKEN_SECRET": SECRET, "MAX_REQUEST_BYTES": MAX_BYTES}
    container = container_factory(WebTestService, config)
    container.start()
    return container


def assert_json_error(response, status, error):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["error"] == error
    assert "<html" not in response.text.lower() and "<!doctype" not in response.text.lower()
    assert "Traceback" not in response.text
    return body


def test_public_route_and_request_id(web, web_session):
    response = web_session.get("/ping")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["pong"] is True and body["anonymous"] is True
    assert response.headers["X-Request-Id"] == body["request_id"]
    assert len(body["request_id"]) >= 16


def test_request_id_is_echoed(web, web_session):
    response = web_session.get("/ping", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"
    assert response.json()["request_id"] == "abc-123"
    # Header injection or junk is replaced with a fresh id.
    response = web_session.get("/ping", headers={"X-Request-Id": "<script>"})
    assert response.headers["X-Request-Id"] != "<script>"


def test_principal_reaches_the_handler(web, web_session):
    response = web_session.get("/me", headers=bearer(auth.CHIEF_JUDGE, unit="u9", name="张三"))
    assert response.status_code == 200
    assert response.json() == {
        "subject": "user-1", "role": "chief_judge", "unit": "u9", "studio": None, "name": "张三",
        "enterprise": None}


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer not.a.token"},
    {"Authorization": "Bearer " + auth.issue_token("another-secret-0123456789abcdefghijkl",
                                                   "user-1", auth.ADMIN)},
])
def test_missing_or_invalid_token_is_401(web, web_session, headers):
    response = web_session.get("/me", headers=headers)
    assert_json_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_wrong_role_is_403(web, web_session):
    response = web_session.post("/items", json={"name": "a", "count": 1}, headers=bearer(auth.JUDGE))
    assert_json_error(response, 403, "forbidden")


def test_body_loaded_and_response_dumped(web, web_session):
    response = web_session.post(
        "/items", json={"name": "焊工", "count": 2, "tags": ["x"]}, headers=bearer())
    assert response.status_code == 201
    assert response.json() == {"id": "item-1", "name": "焊工", "count": 2}
    assert "焊工".encode("utf-8") in response.content  # not \u-escaped


def test_wrong_content_type_is_tolerated_for_valid_json(web, web_session):
    response = web_session.post(
        "/items", data=json.dumps({"name": "a", "count": 1}),
        headers={**bearer(), "Content-Type": "text/plain"})
    assert response.status_code == 201


@pytest.mark.parametrize("data", [b"{not json", b"", b"[1, 2]", b'{"name": NaN}', b"\xff\xfe"])
def test_malformed_body_is_400(web, web_session, data):
    response = web_session.post(
        "/items", data=data, headers={**bearer(), "Content-Type": "application/json"})
    body = assert_json_error(response, 400, "bad_request")
    assert "JSON" in body["message"] or "UTF-8" in body["message"]


def test_unknown_field_is_named(web, web_session):
    response = web_session.post(
        "/items", json={"name": "a", "count": 1, "admin": True}, headers=bearer())
    body = assert_json_error(response, 400, "bad_request")
    assert list(body["fields"]) == ["admin"]


def test_wrong_type_and_nested_paths(web, web_session):
    response = web_session.post(
        "/items", json={"name": "a", "count": "many", "tags": ["ok", "x" * 11],
                        "detail": {"colour": "green"}}, headers=bearer())
    body = assert_json_error(response, 400, "bad_request")
    assert set(body["fields"]) == {"count", "tags.1", "detail.colour"}
    assert all(isinstance(messages, list) for messages in body["fields"].values())


def test_oversize_string_is_400(web, web_session):
    response = web_session.post("/items", json={"name": "x" * 21, "count": 1}, headers=bearer())
    body = assert_json_error(response, 400, "bad_request")
    assert "name" in body["fields"]


def test_oversize_body_is_413(web, web_session):
    response = web_session.post(
        "/items", json={"name": "a", "count": 1, "tags": ["x" * 100] * 30}, headers=bearer())
    assert_json_error(response, 413, "payload_too_large")
    # The connection stays usable for the next request.
    assert web_session.post("/items", json={"name": "a", "count": 1}, headers=bearer()).ok


def test_oversize_chunked_body_is_413(web, web_session):
    def chunks():
        for _ in range(10):
            yield b" " * 1000
        yield b'{"name": "a", "count": 1}'

    response = web_session.post("/items", data=chunks(), headers=bearer())
    assert_json_error(response, 413, "payload_too_large")
    assert web_session.get("/ping").ok


def test_small_chunked_body_is_read(web, web_session):
    response = web_session.post(
        "/items", data=iter([b'{"name": "a",', b' "count": 1}']), headers=bearer())
    assert response.status_code == 201


def test_query_loaded(web, web_session):
    response = web_session.get("/items?limit=2&tag=a&tag=b", headers=bearer())
    assert response.status_code == 200
    assert response.json() == [{"id": "0", "name": "a,b", "count": 0},
                                {"id": "1", "name": "a,b", "count": 1}]


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=x", "limit"), ("other=1", "other"), ("limit=1&limit=2", "limit")])
def test_bad_query_is_400(web, web_session, query, field):
    response = web_session.get(f"/items?{query}", headers=bearer())
    body = assert_json_error(response, 400, "bad_request")
    assert list(body["fields"]) == [field]


def test_path_argument_and_not_found(web, web_session):
    response = web_session.get("/items/item-1", headers=bearer())
    assert response.json() == {"id": "item-1", "name": "数控车工", "count": 3}
    response = web_session.get("/items/item-2", headers=bearer())
    assert_json_error(response, 404, "not_found")


def test_unknown_route_is_json_404(web, web_session):
    response = web_session.get("/no/such/route")
    body = assert_json_error(response, 404, "not_found")
    assert "/no/such/route" in body["message"]
    assert "X-Request-Id" in response.headers


def test_wrong_method_is_json_405(web, web_session):
    response = web_session.put("/items", json={}, headers=bearer())
    assert_json_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_conflict_is_409(web, web_session):
    response = web_session.post("/conflict", headers=bearer())
    body = assert_json_error(response, 409, "conflict")
    assert body == {"error": "conflict", "message": "already published",
                    "fields": {"state": ["published"]}}


def test_unexpected_error_is_500_without_details(web, web_session):
    response = web_session.get("/boom", headers=bearer())
    body = assert_json_error(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert response.headers["X-Request-Id"] in body["message"]


def test_escaped_timeout_is_504_and_the_container_survives(web, web_session):
    response = web_session.get("/slow", headers=bearer())
    assert_json_error(response, 504, "gateway_timeout")
    assert web_session.get("/ping").status_code == 200


def test_handler_may_return_a_response(web, web_session):
    response = web_session.get("/export.csv", headers=bearer())
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.text == "a,b\n1,2\n"


def test_no_content(web, web_session):
    response = web_session.delete("/items/item-1", headers=bearer())
    assert response.status_code == 204
    assert response.content == b""


def test_route_metadata_is_listed():
    specs = {spec.method_name: spec for spec in iter_routes(WebTestService)}
    assert len(specs) == 10
    create = specs["create_item"]
    assert create.methods == ("POST",) and create.url == "/items" and create.status == 201
    assert create.body is ItemIn and create.roles == ("organizer", "admin")
    assert specs["ping"].public and specs["ping"].summary == "Liveness"


def test_handler_signature_is_checked(container_factory, web_config):
    class Broken:
        name = "broken"

        @route("POST", "/x/<int:x_id>", body=ItemIn)
        def create(self, request, principal, x_id):  # no payload argument
            return {}

    container = container_factory(Broken, {**web_config, "TOKEN_SECRET": SECRET})
    with pytest.raises(TypeError, match="payload"):
        container.start()


def test_route_rejects_unknown_roles_and_public_with_roles():
    with pytest.raises(ValueError):
        route("GET", "/x", roles=["emperor"])
    with pytest.raises(ValueError):
        route("GET", "/x", public=True, roles=[auth.ADMIN])
    with pytest.raises(ValueError):
        route("GET", "/x", roles=[])


def test_flatten_messages():
    messages = {
        "a": ["bad"],
        "b": {"c": ["worse"], "_schema": ["whole b"]},
        "items": {0: {"name": ["missing"]}},
        "_schema": ["top"],
    }
    assert flatten_messages(messages) == {
        "a": ["bad"], "b.c": ["worse"], "b": ["whole b"], "items.0.name": ["missing"],
        "_schema": ["top"]}


@pytest.mark.parametrize("exc, status, error", [
    (Conflict("taken"), 409, "conflict"),
    (eventlet.Timeout(), 504, "gateway_timeout"),
    (TimeoutError(), 504, "gateway_timeout"),
    (ConnectionRefusedError(111, "refused"), 503, "service_unavailable"),
    (FileNotFoundError(2, "no such file"), 500, "internal_error"),
    (KeyError("x"), 500, "internal_error"),
])
def test_error_mapping(exc, status, error):
    from common.web import error_response

    if isinstance(exc, eventlet.Timeout):
        exc.cancel()
    response = error_response(exc, "rid-1")
    assert response.status_code == status
    assert response.content_type == "application/json; charset=utf-8"
    assert json.loads(response.get_data())["error"] == error


# --- what the HTTP protocol refuses before the app runs, and slow senders


def _port(web_config):
    return int(web_config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1])


def _read_answer(sock):
    """Status, headers and body of the one response the server writes before closing."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def _raw_request(web_config, raw):
    with socket.create_connection(("127.0.0.1", _port(web_config)), timeout=30) as sock:
        sock.sendall(raw)
        return _read_answer(sock)


def _assert_raw_json_error(answer, status, error):
    got, headers, body = answer
    assert got == status, body
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Connection"] == "close"
    decoded = json.loads(body)
    assert decoded["error"] == error and decoded["message"]
    return decoded


@pytest.mark.parametrize("raw, status, error", [
    (b"GET /ping?" + b"x" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414, "uri_too_long"),
    (b"GET /ping HTTP/1.1\r\nX-Big: " + b"x" * 9000 + b"\r\n\r\n", 431, "header_fields_too_large"),
    (b"GET /ping HTTP/1.1\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"x" * 8000) for i in range(9))
     + b"\r\n", 431, "header_fields_too_large"),
    (b"GET /ping HTTP/1.1\r\n" + b"".join(b"X-H%d: 1\r\n" % i for i in range(101)) + b"\r\n",
     431, "request_header_fields_too_large"),
    (b"POST /items HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "bad_request"),
    (b"GET /ping HTTP/9\r\n\r\n", 400, "bad_request"),
    (b"NONSENSE\r\n\r\n", 400, "bad_request"),
], ids=["long-url", "long-header", "large-headers", "many-headers", "bad-length", "bad-version",
        "bad-request-line"])
def test_what_the_protocol_refuses_is_answered_in_json(web, web_config, web_session, raw, status,
                                                       error):
    _assert_raw_json_error(_raw_request(web_config, raw), status, error)
    assert web_session.get("/ping").status_code == 200


@pytest.fixture
def deadline_web(container_factory, rabbit_config, web_config):
    config = {**rabbit_config, **web_config, "TOKEN_SECRET": SECRET, "MAX_REQUEST_BYTES": MAX_BYTES,
              "HTTP_REQUEST_DEADLINE": 0.5}
    container = container_factory(WebTestService, config)
    container.start()
    return container


def _request_head(body_length):
    return (f"POST /items HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {token()}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {body_length}\r\n\r\n").encode()


def test_a_body_that_stops_coming_is_cut_off_with_a_408(deadline_web, web_config, web_session):
    answer = _raw_request(web_config, _request_head(100) + b'{"name": "a"')

    body = _assert_raw_json_error(answer, 408, "request_timeout")
    assert "0.5 s" in body["message"]
    assert web_session.get("/ping").status_code == 200


def _trickled_answer(web_config, head, byte):
    """The answer to a request whose ``head`` is followed by ``byte`` after ``byte``, a few a
    second: never silent for long, so only a deadline on the whole request ends it."""
    answered = eventlet.event.Event()

    def trickle(sock):
        try:
            while not answered.ready():
                sock.sendall(byte)
                eventlet.sleep(0.02)
        except OSError:
            pass

    with socket.create_connection(("127.0.0.1", _port(web_config)), timeout=30) as sock:
        sock.sendall(head)
        sender = eventlet.spawn(trickle, sock)
        try:
            return _read_answer(sock)
        finally:
            answered.send()
            sender.wait()


def test_a_body_trickled_a_byte_at_a_time_is_cut_off_with_a_408(deadline_web, web_config):
    answer = _trickled_answer(web_config, _request_head(2000) + b"{", b" ")

    _assert_raw_json_error(answer, 408, "request_timeout")


def test_headers_trickled_a_byte_at_a_time_are_cut_off_with_a_408(deadline_web, web_config):
    answer = _trickled_answer(web_config, b"GET /ping HTTP/1.1\r\nX-Slow: ", b"x")

    _assert_raw_json_error(answer, 408, "request_timeout")


def test_a_deadline_leaves_kept_alive_connections_and_prompt_requests_alone(deadline_web,
                                                                            web_session):
    for _ in range(3):
        response = web_session.post("/items", json={"name": "a", "count": 1}, headers=bearer())
        assert response.status_code == 201


# --- logs


@pytest.mark.parametrize("method, path, status", [("GET", "/items/item-2", 404),
                                                  ("POST", "/conflict", 409)])
def test_an_expected_error_is_logged_in_one_line(web, web_session, caplog, method, path, status):
    with caplog.at_level(logging.DEBUG):
        response = web_session.request(method, path, headers=bearer())
    assert response.status_code == status

    assert "Traceback" not in caplog.text
    expected = [r for r in caplog.records if r.getMessage().startswith("(expected)")]
    assert len(expected) == 1
    assert expected[0].exc_info is None and "\n" not in expected[0].getMessage()


def test_an_unexpected_error_keeps_its_traceback(web, web_session, caplog):
    assert web_session.get("/boom", headers=bearer()).status_code == 500

    assert "Traceback" in caplog.text
