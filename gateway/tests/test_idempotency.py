"""Every create takes an Idempotency-Key, over real HTTP against the real services: a retry with
the same key and body gets the first answer and stores nothing twice."""
import datetime
import uuid

import pytest

from common.personal_id import make_id_number
from common.testing import factories, scenarios
from common.testing import files as samples
from common.testing.http import assert_json_error
from gateway.service import GatewayService
from gateway.tests import create_competition, organiser_token, token

ORG = organiser_token()
REVIEWER = token("reviewer", "reviewer-idem")


def key():
    return str(uuid.uuid4())


def with_key(value):
    return {"Idempotency-Key": value}


def competitions(api, as_=ORG):
    return {c["id"] for c in api.ok("GET", "/competitions", as_=as_, params={"limit": 100})["items"]}


def draft(api):
    competition, event_id = create_competition(api)
    return f"/competitions/{competition['id']}", event_id


def open_for_registration(api):
    base, event_id = draft(api)
    api.ok("POST", f"{base}/status", as_=ORG, json={"action": "open_registration"})
    return base, event_id


# route method -> how to make one such create: (path, body, token) on a fresh setup
def _competition(api):
    return "/competitions", factories.competition_payload(), ORG


def _event(api):
    base, _ = draft(api)
    return f"{base}/events", factories.competition_payload(trade="钳工")["events"][0], ORG


def _entry(api):
    base, event_id = open_for_registration(api)
    return f"{base}/events/{event_id}/entries", factories.worker(), ORG


def _judge(api):
    base, event_id = draft(api)
    body = {"judge_id": "judge-idem", "name": "裁判", "enterprise": "评审中心"}
    return f"{base}/events/{event_id}/judges", body, ORG


def _nomination(api):
    number = make_id_number(region="320925", birth=datetime.date(1981, 3, 4), sequence=91)
    return "/talent-nominations", {
        "name": "周师傅", "id_number": number, "employer": "江苏建湖机床厂",
        "industry_chain": "装备制造", "trade": "数控车工", "skill_level": "技师",
        "reason": "一线经验"}, REVIEWER


STUDIO_REVIEWER = token("reviewer", "reviewer-idem", enterprise="市总工会")


def _studio(api):
    return "/studios", factories.studio_payload(), STUDIO_REVIEWER


def _registered(api, unit="idem-union"):
    return api.ok("POST", "/studios", as_=STUDIO_REVIEWER, json=factories.studio_payload(unit=unit))


def _lead(studio):
    return token("studio_lead", "lead-idem", studio=studio["id"])


def _alliance(api):
    first, second = _registered(api), _registered(api)
    return "/alliances", {"name": "联盟", "unit": "idem-union", "members": [first["id"], second["id"]],
                          "convenor": first["id"]}, STUDIO_REVIEWER


def _project(api):
    path, body, _ = _alliance(api)
    alliance = api.ok("POST", path, as_=STUDIO_REVIEWER, json=body)
    return f"/alliances/{alliance['id']}/projects", {
        "title": "联合攻关", "studio_ids": body["members"], "started_on": "2026-04-01"}, STUDIO_REVIEWER


def _result(api):
    studio = _registered(api)
    authors = [studio["lead"]["member_id"]]
    return f"/studios/{studio['id']}/results", factories.result_payload(authors), _lead(studio)


def _round(api):
    _registered(api, unit="idem-round-union")
    return "/rating-rounds", {"name": "2026年度评定", "unit": "idem-round-union", "year": 2026,
                              "period": {"from": "2025-06-01", "to": "2026-05-31"}}, STUDIO_REVIEWER


def _objection(api):
    _, _, rating_id = scenarios.studio_in_notice(api, STUDIO_REVIEWER, f"idem-notice-{key()[:8]}")
    return f"/ratings/{rating_id}/objections", {"text": "异议内容，请核查"}, ORG


def _subscription(api):
    # No name to vary: another request is another filter (the 4th element).
    body = {"topics": ["competition.results_published"], "filters": {"industry_chain": ["装备制造"]}}
    return "/subscriptions", body, ORG, {**body, "filters": {"industry_chain": ["另一个不同的请求"]}}


def _endpoint(api):
    # Registered, not called: the address is only checked (loopback is allowed in the tests).
    body = {"url": "http://127.0.0.1:9/hooks/idem", "description": "人事系统"}
    return "/endpoints", body, ORG, {**body, "description": "另一个不同的请求"}


CREATES = {
    "create_competition": _competition,
    "add_event": _event,
    "register_entry": _entry,
    "assign_judge": _judge,
    "nominate_talent": _nomination,
    "register_studio": _studio,
    "create_alliance": _alliance,
    "add_joint_project": _project,
    "create_result": _result,
    "open_round": _round,
    "file_objection": _objection,
    "subscribe": _subscription,
    "register_endpoint": _endpoint,
}
# Creates whose body is a multipart form, retried the same way.
UPLOADS = {"add_evidence"}


def test_every_create_route_is_listed_here_and_takes_the_header():
    from common.web import iter_routes
    from gateway.operations import openapi_document

    created = [spec for spec in iter_routes(GatewayService) if spec.status == 201]
    assert {spec.method_name for spec in created} == set(CREATES) | UPLOADS
    document = openapi_document(GatewayService)
    for spec in created:
        assert spec.creates
        path = spec.url.replace("<", "{").replace(">", "}")
        parameters = document["paths"][path]["post"]["parameters"]
        assert {"name": "Idempotency-Key", "in": "header"}.items() <= [
            p for p in parameters if p["in"] == "header"][0].items()


@pytest.mark.parametrize("method_name", sorted(CREATES))
def test_each_create_retried_with_its_key_answers_the_same_and_stores_once(gateway_system,
                                                                          method_name):
    api = gateway_system
    path, body, as_, *another = CREATES[method_name](api)
    idempotency_key = key()
    first = api.post(path, as_=as_, json=body, headers=with_key(idempotency_key))
    assert first.status_code == 201, first.text
    again = api.post(path, as_=as_, json=body, headers=with_key(idempotency_key))
    # The same answer, id included: nothing was created a second time.
    assert (again.status_code, again.json()) == (201, first.json())

    if not another:
        named = next(field for field in ("name", "title", "text", "trade") if field in body)
        another = [{**body, named: "另一个不同的请求"}]
    other = api.post(path, as_=as_, json=another[0], headers=with_key(idempotency_key))
    assert_json_error(other, 409, "conflict")
    assert "Idempotency-Key" in other.json()["fields"]


def test_an_upload_retried_with_its_key_answers_the_same_and_stores_once(gateway_system):
    api = gateway_system
    path, body, lead = _result(api)
    result = api.ok("POST", path, as_=lead, json=body)
    upload = f"/results/{result['id']}/evidence"
    idempotency_key = key()
    answers = [api.post(upload, as_=lead, headers=with_key(idempotency_key),
                        files={"file": ("证书.pdf", samples.pdf())}) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    other = api.post(upload, as_=lead, headers=with_key(idempotency_key),
                     files={"file": ("证书.pdf", samples.pdf("另一份"))})
    assert_json_error(other, 409, "conflict")
    assert len(api.ok("GET", f"/results/{result['id']}", as_=lead)["evidence"]) == 1


def test_a_retried_competition_is_stored_once(gateway_system):
    api = gateway_system
    before = competitions(api)
    payload = factories.competition_payload(name="幂等测试竞赛")
    idempotency_key = key()
    answers = [api.post("/competitions", as_=ORG, json=payload, headers=with_key(idempotency_key))
               for _ in range(3)]
    assert {(a.status_code, a.text) for a in answers} == {(201, answers[0].text)}
    assert competitions(api) - before == {answers[0].json()["id"]}


def test_the_same_json_in_another_key_order_is_the_same_request(gateway_system):
    api = gateway_system
    payload = factories.competition_payload(name="键序竞赛")
    idempotency_key = key()
    first = api.ok("POST", "/competitions", as_=ORG, json=payload, headers=with_key(idempotency_key))
    reordered = dict(reversed(list(payload.items())))
    again = api.ok("POST", "/competitions", as_=ORG, json=reordered, headers=with_key(idempotency_key))
    assert again == first


def test_without_a_key_every_create_stores_a_new_one(gateway_system):
    api = gateway_system
    before = competitions(api)
    payload = factories.competition_payload(name="无键竞赛")
    ids = {api.ok("POST", "/competitions", as_=ORG, json=payload)["id"] for _ in range(2)}
    assert len(ids) == 2 and competitions(api) - before == ids


def test_keys_belong_to_their_caller(gateway_system):
    api = gateway_system
    other = organiser_token(subject="org-idem-2")
    idempotency_key = key()
    mine = api.ok("POST", "/competitions", as_=ORG, json=factories.competition_payload(),
                  headers=with_key(idempotency_key))
    theirs = api.ok("POST", "/competitions", as_=other,
                    json=factories.competition_payload(name="别人的竞赛"),
                    headers=with_key(idempotency_key))
    assert theirs["id"] != mine["id"]


def test_a_refusal_is_stored_and_given_again(gateway_system):
    api = gateway_system
    base, event_id = draft(api)  # registration not open yet: a 409
    path, body, idempotency_key = f"{base}/events/{event_id}/entries", factories.worker(), key()
    refused = api.post(path, as_=ORG, json=body, headers=with_key(idempotency_key))
    assert_json_error(refused, 409, "conflict")
    api.ok("POST", f"{base}/status", as_=ORG, json={"action": "open_registration"})
    again = api.post(path, as_=ORG, json=body, headers=with_key(idempotency_key))
    assert (again.status_code, again.json()) == (409, refused.json())
    assert api.post(path, as_=ORG, json=body, headers=with_key(key())).status_code == 201


@pytest.mark.parametrize("bad", ["", "?", "x" * 129, "含中文", "a/b", "-leading", "a b"])
def test_a_malformed_key_is_a_bad_request(gateway_system, bad):
    api = gateway_system
    before = competitions(api)
    response = api.post("/competitions", as_=ORG, json=factories.competition_payload(),
                        headers=with_key(bad.encode("utf-8")))
    assert_json_error(response, 400, "bad_request")
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert competitions(api) == before


def test_the_key_is_ignored_where_nothing_is_created(gateway_system):
    api = gateway_system
    base, _ = draft(api)
    response = api.post(f"{base}/status", as_=ORG, json={"action": "open_registration"},
                        headers=with_key("not a valid key"))
    assert response.status_code == 200, response.text
