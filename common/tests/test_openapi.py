import json
import re

from marshmallow import Schema, fields, validate

from common import auth
from common.openapi import build_openapi, missing_routes, openapi_path
from common.tests.test_web import WebTestService
from common.web import route

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


class Address(Schema):
    city = fields.String(required=True)


class CompetitionIn(Schema):
    title = fields.String(required=True, validate=validate.Length(max=100))
    address = fields.Nested(Address)


class CompetitionOut(Schema):
    id = fields.String()
    title = fields.String()


class Page(Schema):
    page = fields.Integer(load_default=1)
    status = fields.List(fields.String())


class Gateway:
    name = "gateway"

    @route("GET", "/openapi.json", public=True, summary="This document", tags=["meta"])
    def openapi(self, request, principal):
        return {}

    @route("POST", "/competitions", body=CompetitionIn, response=CompetitionOut, status=201,
           roles=[auth.ORGANIZER], tags=["competitions"], summary="Create a competition")
    def create(self, request, principal, payload):
        return {}

    @route("GET", "/competitions", query=Page, response=CompetitionOut(many=True),
           tags=["competitions"])
    def list(self, request, principal, query):
        return []

    @route("GET", "/competitions/<string:competition_id>", response=CompetitionOut)
    def get(self, request, principal, competition_id):
        return {}

    @route("DELETE", "/competitions/<competition_id>/events/<int:number>", status=204)
    def delete_event(self, request, principal, competition_id, number):
        return 204, None

    @route("GET,POST", "/things/<any(a, b):kind>")
    def things(self, request, principal, kind):
        return {}


def resolve(document, ref):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def check_structure(document):
    """What an OpenAPI 3.0 validator would check first, without one installed."""
    assert re.match(r"^3\.\d+\.\d+$", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    json.dumps(document)  # serialisable as is
    for ref in refs(document):
        resolve(document, ref)
    schemes = document["components"]["securitySchemes"]
    operation_ids = []
    for path, item in document["paths"].items():
        assert path.startswith("/") and "<" not in path
        templated = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            assert method in HTTP_METHODS
            operation_ids.append(operation["operationId"])
            assert operation["responses"]
            for status in operation["responses"]:
                assert re.match(r"^[1-5]\d\d$", status)
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == templated
            for parameter in operation.get("parameters", []):
                assert parameter["in"] in ("path", "query", "header", "cookie")
                if parameter["in"] == "path":
                    assert parameter["required"] is True
            for requirement in operation.get("security", []):
                assert set(requirement) <= set(schemes)
    assert len(operation_ids) == len(set(operation_ids))


def test_document_of_a_gateway():
    document = build_openapi(Gateway, title="Jiangxin", version="1.0", description="API")
    check_structure(document)
    assert missing_routes(Gateway, document) == []
    paths = document["paths"]
    assert set(paths) == {
        "/openapi.json", "/competitions", "/competitions/{competition_id}",
        "/competitions/{competition_id}/events/{number}", "/things/{kind}"}
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}

    public = paths["/openapi.json"]["get"]
    assert public["security"] == [] and public["tags"] == ["meta"]
    assert "401" not in public["responses"]

    create = paths["/competitions"]["post"]
    assert create["security"] == [{"bearerAuth": []}]
    assert create["x-roles"] == ["organizer"] and "organizer" in create["description"]
    body = resolve(document, create["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert body["required"] == ["title"]
    assert body["properties"]["title"]["maxLength"] == 100
    assert "$ref" in body["properties"]["address"]  # nested schemas become components
    assert set(create["responses"]) == {"201", "400", "401", "403", "409", "413"}
    assert create["responses"]["400"] == {"$ref": "#/components/responses/BadRequest"}
    error = resolve(document, "#/components/schemas/Error")
    assert set(error["properties"]) == {"error", "message", "fields"}
    assert set(error["required"]) == {"error", "message"}

    listing = paths["/competitions"]["get"]
    query = {p["name"]: p for p in listing["parameters"]}
    assert set(query) == {"page", "status"} and query["page"]["in"] == "query"
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"

    get = paths["/competitions/{competition_id}"]["get"]
    assert get["parameters"] == [{"name": "competition_id", "in": "path", "required": True,
                                  "schema": {"type": "string"}}]
    assert "404" in get["responses"] and "409" not in get["responses"]

    delete = paths["/competitions/{competition_id}/events/{number}"]["delete"]
    assert "content" not in delete["responses"]["204"]
    assert {p["name"]: p["schema"]["type"] for p in delete["parameters"]} == {
        "competition_id": "string", "number": "integer"}

    things = paths["/things/{kind}"]
    assert set(things) == {"get", "post"}
    assert things["get"]["parameters"][0]["schema"]["enum"] == ["a", "b"]
    assert {tag["name"] for tag in document["tags"]} == {"meta", "competitions"}


def test_every_route_of_the_web_test_service_is_documented():
    document = build_openapi(WebTestService, title="t", version="0")
    check_structure(document)
    assert missing_routes(WebTestService, document) == []


def test_missing_routes_reports_what_is_absent():
    document = build_openapi(Gateway, title="t", version="0")
    del document["paths"]["/competitions"]["post"]
    del document["paths"]["/things/{kind}"]
    assert sorted(missing_routes(Gateway, document)) == [
        "GET /things/{kind}", "POST /competitions", "POST /things/{kind}"]


def test_openapi_path():
    assert openapi_path("/a/<x>/b/<int(min=1):y>/<path:rest>")[0] == "/a/{x}/b/{y}/{rest}"
