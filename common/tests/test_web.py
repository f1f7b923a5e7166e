"""common.web.route in a real container, spoken to over HTTP."""
import json

import eventlet
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
        "subject": "user-1", "role": "chief_judge", "unit": "u9", "studio": None, "name": "张三"}


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
