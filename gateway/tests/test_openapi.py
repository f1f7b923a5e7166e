"""The OpenAPI document served by the running gateway covers every route, and the health check."""
import pytest

from marshmallow import Schema

from common.openapi import missing_routes
from common.schemas import MaskedIdNumber
from common.web import iter_routes
from gateway.competitions import CompetitionRoutes
from gateway.service import GatewayService
from gateway.studios import StudioRoutes
from gateway.talent_pool import TalentPoolRoutes
from services.competitions import api as competitions_api
from services.competitions.service import CompetitionsService
from services.studios import api as studios_api
from services.studios.service import StudiosService
from services.talent_pool import api as talent_pool_api
from services.talent_pool.service import TalentPoolService


@pytest.fixture
def running(runner_factory, service_config, web_config):
    runner = runner_factory({**service_config, **web_config}, GatewayService, CompetitionsService)
    runner.start()
    return runner


def test_every_route_is_in_the_served_openapi_document(running, web_session):
    response = web_session.get("/openapi.json")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert missing_routes(GatewayService, document) == []
    # and the routes this gateway promises are all there
    paths = document["paths"]
    assert "post" in paths["/competitions"]
    assert "get" in paths["/competitions/{competition_id}/events/{event_id}/ranking"]
    assert "get" in paths["/public/competitions/{competition_id}/results"]
    assert paths["/public/competitions/{competition_id}/results"]["get"]["security"] == []
    assert "get" in paths["/talents/export"]
    replay = paths["/admin/parked/{service}/replay"]["post"]
    assert replay["x-roles"] == ["admin"]
    assert "talent_pool" in replay["parameters"][0]["schema"]["enum"]


def test_health_answers_without_a_token(running, web_session):
    response = web_session.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_every_route_has_a_summary_and_tags():
    routes = iter_routes(GatewayService)

    assert len(routes) == 95
    for route in routes:
        assert route.summary, route.method_name
        assert route.tags, route.method_name


def test_no_route_of_one_module_hides_another_of_the_same_name():
    # The route modules are mixins of one class: a method name used twice would serve one route.
    names = [name for mixin in GatewayService.__bases__ for name, member in vars(mixin).items()
             if callable(member) and getattr(member, "nameko_entrypoints", None)]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize("api", [competitions_api, talent_pool_api, studios_api],
                         ids=lambda api: api.__name__)
def test_no_response_schema_can_carry_a_full_id_number(api):
    responses = [getattr(api, name) for name in dir(api)]
    responses = [schema_cls for schema_cls in responses if isinstance(schema_cls, type)
                 and issubclass(schema_cls, Schema) and schema_cls.__name__.endswith(
                     ("ViewSchema", "RowSchema"))]
    assert responses
    for schema_cls in responses:
        for field_name, field in schema_cls._declared_fields.items():
            key = field.data_key or field_name
            if "id_number" in key or "id_number" in (field.attribute or ""):
                assert isinstance(field, MaskedIdNumber), f"{schema_cls.__name__}.{field_name}"
                assert key == "id_number_masked", f"{schema_cls.__name__}.{field_name}"


def test_the_masked_field_masks_even_a_full_number():
    dumped = competitions_api.EntryViewSchema().dump({"id": "ent-1", "id_number": "32092519900517123X"})

    assert dumped["id_number_masked"] == "320***********123X"
    assert "id_number" not in dumped


@pytest.mark.parametrize("routes, proxy, service_cls", [
    (CompetitionRoutes, "competitions", CompetitionsService),
    (TalentPoolRoutes, "talent_pool", TalentPoolService),
    (StudioRoutes, "studios", StudiosService),
], ids=["competitions", "talent_pool", "studios"])
def test_the_gateway_calls_only_methods_its_services_have(routes, proxy, service_cls):
    import inspect
    import re

    source = inspect.getsource(routes)
    called = set(re.findall(rf"{proxy}\.([a-z_]+)\(", source)) - {"with_timeout"}

    assert called
    assert called <= {name for name in dir(service_cls) if not name.startswith("_")}


def test_integrators_read_the_rules_of_scoring_ranking_and_awards_in_the_document():
    from gateway.operations import openapi_document

    schemas = openapi_document(GatewayService)["components"]["schemas"]

    def said(schema, field=None):
        part = schemas[schema] if field is None else schemas[schema]["properties"][field]
        return part.get("description", "")

    assert "nothing dropped" in said("JudgingRules", "drop_extremes_from")
    assert "component:practical" in said("RankingRules", "tie_break") and "1, 1, 3" in said("RankingRules", "tie_break")
    assert "tied entries always share a prize" in said("Prizes")
    assert "rounded down" in said("PrizeBand", "share")
    assert "pass mark in every component" in said("PromotionRule")
    assert "pass mark in every component" in said("AwardRules", "promotion_requires_pass")
    assert "halves rounded up" in said("MarkingScheme")
    assert "median" in said("Standardisation")
