"""Bad requests get JSON errors that say what is wrong, and change nothing: each refusal is
followed by a re-read compared with the state before it."""
import json
import logging

import pytest

from common.testing import factories
from common.testing.factories import worker
from common.testing.http import assert_json_error
from gateway.tests import create_competition, organiser_token, token


@pytest.fixture(scope="module")
def org():
    return organiser_token()


@pytest.fixture(scope="module")
def draft(gateway_system):
    return create_competition(gateway_system)


def snapshot(api, competition_id):
    return api.ok("GET", f"/competitions/{competition_id}", as_=organiser_token())


def all_competitions(api):
    return api.ok("GET", "/competitions", as_=organiser_token(), params={"limit": 500})




# --- malformed and invalid bodies


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b'"a string"', b"\xff\xfe{}",
                                 b'{"name": NaN}'])
def test_a_body_that_is_not_a_json_object_is_400(gateway_system, org, raw):
    api = gateway_system
    before = all_competitions(api)

    response = api.post("/competitions", as_=org, data=raw,
                        headers={"Content-Type": "application/json"})

    assert_json_error(response, 400, "bad_request")
    assert all_competitions(api) == before


def test_an_unknown_field_is_400_and_named(gateway_system, org, draft):
    api = gateway_system
    competition, _ = draft
    before = snapshot(api, competition["id"])

    response = api.post(f"/competitions/{competition['id']}/status", as_=org,
                        json={"action": "open_registration", "force": True})

    body = assert_json_error(response, 400, "bad_request")
    assert list(body["fields"]) == ["force"]
    assert snapshot(api, competition["id"]) == before


def test_an_unknown_nested_field_is_named_by_its_path(gateway_system, org, draft):
    api = gateway_system
    competition, eid = draft
    before = snapshot(api, competition["id"])

    response = api.patch(f"/competitions/{competition['id']}/events/{eid}", as_=org,
                         json={"judging": {"max_spread": 1, "secret_bonus": 5}})

    body = assert_json_error(response, 400, "bad_request")
    assert "judging.secret_bonus" in body["fields"]
    assert snapshot(api, competition["id"]) == before


def test_a_wrong_type_is_400_and_named(gateway_system, org):
    api = gateway_system
    before = all_competitions(api)

    response = api.post("/competitions", as_=org,
                        json={"name": ["not", "a", "string"], "level": "city",
                              "industry_chain": "装备制造", "year": "twenty"})

    body = assert_json_error(response, 400, "bad_request")
    assert {"name", "year"} <= set(body["fields"])
    assert all_competitions(api) == before


def test_an_oversize_string_is_400(gateway_system, org):
    api = gateway_system
    before = all_competitions(api)

    response = api.post("/competitions", as_=org,
                        json={"name": "赛" * 201, "level": "city", "industry_chain": "装备制造"})

    body = assert_json_error(response, 400, "bad_request")
    assert list(body["fields"]) == ["name"]
    assert all_competitions(api) == before


def test_a_missing_required_field_and_a_bad_choice_are_400(gateway_system, org):
    api = gateway_system
    before = all_competitions(api)

    response = api.post("/competitions", as_=org, json={"name": "竞赛", "level": "galactic"})

    body = assert_json_error(response, 400, "bad_request")
    assert {"level", "industry_chain"} <= set(body["fields"])
    assert all_competitions(api) == before


def test_an_invalid_id_number_is_400_and_registers_no_one(gateway_system, org):
    api = gateway_system
    competition, eid = create_competition(api)
    base = f"/competitions/{competition['id']}"
    api.ok("POST", f"{base}/status", as_=org, json={"action": "open_registration"})
    bad = worker()
    bad["id_number"] = bad["id_number"][:17] + ("0" if bad["id_number"][17] != "0" else "1")

    response = api.post(f"{base}/events/{eid}/entries", as_=org, json=bad)

    body = assert_json_error(response, 400, "bad_request")
    assert "id_number" in body["fields"]
    assert bad["id_number"] not in response.text
    assert api.ok("GET", f"{base}/events/{eid}/entries", as_=org)["total"] == 0


def test_a_bad_query_string_is_400(gateway_system, org):
    api = gateway_system

    body = assert_json_error(api.get("/competitions", as_=org, params={"limit": "lots"}), 400,
                        "bad_request")
    assert "limit" in body["fields"]
    body = assert_json_error(api.get("/competitions", as_=org, params={"sort": "name"}), 400,
                        "bad_request")
    assert "sort" in body["fields"]


def test_an_unknown_board_format_is_400(gateway_system, org, draft):
    competition, eid = draft
    response = gateway_system.get(f"/competitions/{competition['id']}/events/{eid}/ranking",
                                  as_=org, params={"format": "pdf"})

    body = assert_json_error(response, 400, "bad_request")
    assert "format" in body["fields"]


def test_a_body_over_the_limit_is_413(gateway_system, org):
    api = gateway_system
    before = all_competitions(api)

    response = api.post("/competitions", as_=org, data=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                        headers={"Content-Type": "application/json"})

    assert_json_error(response, 413, "payload_too_large")
    assert all_competitions(api) == before


# --- unknown things


def test_an_unknown_competition_is_404(gateway_system, org):
    api = gateway_system

    assert_json_error(api.get("/competitions/cmp-doesnotexist", as_=org), 404, "not_found")
    assert_json_error(api.post("/competitions/cmp-doesnotexist/status", as_=org,
                          json={"action": "cancel"}), 404, "not_found")
    assert_json_error(api.get("/public/competitions/cmp-doesnotexist/results"), 404, "not_found")


def test_an_unknown_event_or_entry_is_404_and_changes_nothing(gateway_system, org, draft):
    api = gateway_system
    competition, eid = draft
    cid = competition["id"]
    before = snapshot(api, cid)

    assert_json_error(api.patch(f"/competitions/{cid}/events/evt-nope", as_=org, json={"name": "x"}),
                 404, "not_found")
    assert_json_error(api.post(f"/competitions/{cid}/events/{eid}/entries/ent-nope/decision", as_=org,
                          json={"decision": "approve"}), 404, "not_found")
    assert snapshot(api, cid) == before


def test_an_unknown_route_is_a_json_404(gateway_system):
    body = assert_json_error(gateway_system.get("/no/such/thing"), 404, "not_found")

    assert "/no/such/thing" in body["message"]


def test_a_wrong_method_is_a_json_405(gateway_system, org, draft):
    api = gateway_system
    competition, _ = draft
    before = snapshot(api, competition["id"])

    response = api.delete(f"/competitions/{competition['id']}", as_=org)

    assert_json_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    assert snapshot(api, competition["id"]) == before
    assert_json_error(api.put("/competitions", as_=org, json={}), 405, "method_not_allowed")


# --- the lifecycle


def test_an_illegal_transition_is_409_and_changes_nothing(gateway_system, org, draft):
    api = gateway_system
    competition, _ = draft
    before = snapshot(api, competition["id"])

    response = api.post(f"/competitions/{competition['id']}/status", as_=org,
                        json={"action": "start_marking"})

    assert_json_error(response, 409, "conflict")
    assert snapshot(api, competition["id"]) == before
    assert_json_error(api.post(f"/competitions/{competition['id']}/publish", as_=org), 409, "conflict")
    assert snapshot(api, competition["id"]) == before


def test_registering_before_registration_opens_is_409(gateway_system, org, draft):
    api = gateway_system
    competition, eid = draft
    base = f"/competitions/{competition['id']}/events/{eid}/entries"

    assert_json_error(api.post(base, as_=org, json=worker()), 409, "conflict")
    assert api.ok("GET", base, as_=org)["total"] == 0


def test_the_same_worker_twice_is_409(gateway_system, org):
    api = gateway_system
    competition, eid = create_competition(api)
    base = f"/competitions/{competition['id']}"
    api.ok("POST", f"{base}/status", as_=org, json={"action": "open_registration"})
    data = worker()
    api.ok("POST", f"{base}/events/{eid}/entries", as_=org, json=data)

    body = assert_json_error(api.post(f"{base}/events/{eid}/entries", as_=org, json=data), 409, "conflict")
    assert "already registered" in body["message"] and "id_number" in body["fields"]
    assert api.ok("GET", f"{base}/events/{eid}/entries", as_=org)["total"] == 1


def test_a_request_id_is_echoed(gateway_system):
    response = gateway_system.get("/health", headers={"X-Request-Id": "trace-123"})

    assert response.headers["X-Request-Id"] == "trace-123"
    assert gateway_system.get("/nope").headers["X-Request-Id"]


def test_marks_are_refused_before_marking_starts(gateway_system, draft):
    api = gateway_system
    competition, eid = draft
    cid = competition["id"]
    api.ok("POST", f"/competitions/{cid}/events/{eid}/judges", as_=organiser_token(),
           json={"judge_id": "judge-7", "name": "裁判7", "enterprise": "评审中心"})

    response = api.post(f"/competitions/{cid}/events/{eid}/marks", as_=token("judge", "judge-7"),
                        json={"entry_code": "ABC234", "aspect_id": "T1.1", "value": 50})

    assert_json_error(response, 409, "conflict")


def test_an_error_from_a_service_carries_fields_only_as_a_mapping(gateway_system, org):
    response = gateway_system.get("/competitions/cmp-doesnotexist", as_=org)

    body = assert_json_error(response, 404, "not_found")
    assert isinstance(body.get("fields", {}), dict), body


# --- requests built to be expensive or unencodable


HUGE = 300_000  # items: about 0.9 MB of JSON, under the 1 MB body limit


@pytest.mark.parametrize("extra", [
    {"events": [{}] * HUGE},                     # a list far longer than its declared maximum
    {"description": [0] * HUGE},                 # a list where no list belongs
    {f"x{i}": 0 for i in range(HUGE // 4)},      # far more keys than the schema declares
], ids=["long-list", "misplaced-list", "many-keys"])
def test_a_huge_list_or_object_is_refused_with_a_small_answer(gateway_system, org, extra):
    api = gateway_system
    before = all_competitions(api)
    payload = {"name": "竞赛", "level": "city", "industry_chain": "装备制造", **extra}

    response = api.post("/competitions", as_=org, data=json.dumps(payload, separators=(",", ":")),
                        headers={"Content-Type": "application/json"})

    body = assert_json_error(response, 400, "bad_request")
    assert len(response.content) < 4096
    assert len(body["fields"]) == 1
    assert api.get("/health").status_code == 200
    assert all_competitions(api) == before


def test_an_error_body_lists_a_bounded_number_of_fields_and_says_how_many_more(gateway_system, org):
    payload = {"name": "竞赛", "level": "city", "industry_chain": "装备制造",
               "events": [{"oops": "x" * 1000} for _ in range(100)]}

    response = gateway_system.post("/competitions", as_=org, json=payload)

    body = assert_json_error(response, 400, "bad_request")
    assert len(body["fields"]) == 50
    assert "150 more fields" in body["message"]
    assert all(len(m) <= 200 for messages in body["fields"].values() for m in messages)
    assert len(response.content) < 16384


@pytest.mark.parametrize("raw, field", [
    (b'{"name": "\\ud800", "level": "city", "industry_chain": "x"}', "name"),
    (b'{"name": "a", "level": "city", "industry_chain": "x", "events": [{"trade": "\\udfff"}]}',
     "events.0.trade"),
    (b'{"name": "a", "level": "city", "industry_chain": "x", "\\ud83d": 1}', "\ufffd"),
], ids=["text", "nested-text", "key"])
def test_a_lone_surrogate_in_text_or_a_key_is_400_and_named(gateway_system, org, raw, field):
    api = gateway_system
    before = all_competitions(api)

    response = api.post("/competitions", as_=org, data=raw,
                        headers={"Content-Type": "application/json"})

    body = assert_json_error(response, 400, "bad_request")
    assert list(body["fields"]) == [field]
    assert all_competitions(api) == before


@pytest.mark.parametrize("query, field", [("status=%ED%A0%80", "status"), ("%ED%B0%80=1", "\ufffd" * 3)])
def test_a_surrogate_in_a_query_parameter_is_400_and_named(gateway_system, org, query, field):
    # %ED%A0%80 is U+D800 written as if it were a character: not UTF-8.
    response = gateway_system.get(f"/competitions?{query}", as_=org)

    body = assert_json_error(response, 400, "bad_request")
    assert list(body["fields"]) == [field]


def test_a_patch_checks_nested_objects_as_a_post_does(gateway_system, org, draft):
    api = gateway_system
    competition, eid = draft
    cid = competition["id"]
    scheme = factories.marking_scheme()
    del scheme["criteria"][0]["sub_criteria"][0]["aspects"][0]["kind"]
    before = snapshot(api, cid)

    patched = api.patch(f"/competitions/{cid}/events/{eid}", as_=org,
                        json={"marking_scheme": scheme})
    posted = api.post(f"/competitions/{cid}/events", as_=org,
                      json={"trade": "电工", "marking_scheme": scheme})

    field = "marking_scheme.criteria.0.sub_criteria.0.aspects.0.kind"
    assert list(assert_json_error(patched, 400, "bad_request")["fields"]) == [field]
    assert list(assert_json_error(posted, 400, "bad_request")["fields"]) == [field]
    assert snapshot(api, cid) == before


def test_an_expected_error_is_logged_in_one_line_without_a_traceback(gateway_system, org, draft,
                                                                    caplog):
    api = gateway_system
    competition, _ = draft

    with caplog.at_level(logging.INFO):
        assert_json_error(api.post(f"/competitions/{competition['id']}/publish", as_=org), 409,
                     "conflict")
        assert_json_error(api.get("/competitions/cmp-logged-missing", as_=org), 404, "not_found")

    assert "Traceback" not in caplog.text
    expected = [r for r in caplog.records if r.getMessage().startswith("(expected)")]
    # One line from each worker that raised or passed it on: the service's and the gateway's.
    assert len(expected) == 4, [r.getMessage() for r in expected]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in expected)


# --- what a caller may not see looks like what does not exist


MISSING = "cmp-doesnotexist"


def _requests_about(cid, eid):
    mark = {"entry_code": "ABC234", "aspect_id": "T1.1", "value": 50}
    return [
        ("GET", f"/competitions/{cid}/events/{eid}/marking-sheet", None),
        ("POST", f"/competitions/{cid}/events/{eid}/marks", mark),
        ("POST", f"/competitions/{cid}/events/{eid}/completion-times",
         {"entry_code": "ABC234", "seconds": 100}),
        ("GET", f"/competitions/{cid}/events/{eid}/entries/ABC234/marks", None),
        ("GET", f"/competitions/{cid}/events/{eid}/ranking", None),
        ("GET", f"/competitions/{cid}/events/evt-made-up/ranking", None),
        ("GET", f"/competitions/{cid}/events/evt-made-up/marking-sheet", None),
        ("GET", f"/competitions/{cid}", None),
    ]


@pytest.mark.parametrize("stranger", [
    token("judge", "judge-of-another-unit", unit="taian-union"),
    token("chief_judge", "chief-of-another-unit", unit="taian-union"),
], ids=["judge", "chief-judge"])
def test_an_invisible_competition_answers_as_a_missing_one(gateway_system, stranger):
    api = gateway_system
    competition, eid = create_competition(api)
    cid = competition["id"]

    real = _requests_about(cid, eid)
    made_up = _requests_about(MISSING, eid)
    for (method, path, body), (_, missing_path, _) in zip(real, made_up):
        seen = api.request(method, path, as_=stranger, json=body)
        missing = api.request(method, missing_path, as_=stranger, json=body)
        assert (seen.status_code, path) == (404, path), seen.text
        assert seen.json() == json.loads(missing.text.replace(MISSING, cid)), path
