"""Who may call what: tokens, roles, and the competitions service's object-level checks as the
gateway passes them on. Every refused change is followed by a re-read that shows nothing changed."""
import time

import jwt
import pytest

from common.auth import issue_token
from common.testing.http import assert_json_error
from conftest import TEST_TOKEN_SECRET
from common.testing.callers import OTHER_UNIT, UNIT
from common.testing.factories import worker
from gateway.tests import create_competition, organiser_token, token


@pytest.fixture(scope="module")
def draft(gateway_system):
    """A draft competition of UNIT: (competition view, event id)."""
    return create_competition(gateway_system)


def snapshot(api, competition_id):
    """The competition as its organiser sees it, to compare before and after a refused call."""
    return api.ok("GET", f"/competitions/{competition_id}", as_=organiser_token())




# --- authentication


def test_no_token_is_401_and_changes_nothing(gateway_system, draft):
    api = gateway_system
    competition, _ = draft
    before = snapshot(api, competition["id"])

    assert_json_error(api.get("/competitions"), 401, "unauthorized")
    response = api.post(f"/competitions/{competition['id']}/status", json={"action": "cancel"})
    assert_json_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert snapshot(api, competition["id"]) == before


@pytest.mark.parametrize("header", [
    "Bearer not-a-token",
    "Basic b3JnLTE6c2VjcmV0",
    "Bearer",
])
def test_a_malformed_authorization_header_is_401(gateway_system, header):
    response = gateway_system.get("/competitions", headers={"Authorization": header})

    assert_json_error(response, 401, "unauthorized")


def test_a_token_signed_with_another_secret_is_401(gateway_system):
    forged = issue_token("another-secret-of-the-right-length-0123456789", "org-1", "organizer",
                         unit=UNIT)

    assert_json_error(gateway_system.get("/competitions", as_=forged), 401, "unauthorized")


def test_an_expired_token_is_401(gateway_system):
    expired = issue_token(TEST_TOKEN_SECRET, "org-1", "organizer", unit=UNIT, ttl_seconds=60,
                          now=int(time.time()) - 3600)

    body = assert_json_error(gateway_system.get("/competitions", as_=expired), 401, "unauthorized")
    assert "expired" in body["message"]


def test_an_unsigned_token_is_401(gateway_system):
    unsigned = jwt.encode({"iss": "jiangxin", "sub": "admin-1", "role": "admin", "iat": int(time.time()),
                           "exp": int(time.time()) + 600, "jti": "x"}, None, algorithm="none")

    assert_json_error(gateway_system.get("/competitions", as_=unsigned), 401, "unauthorized")


def test_public_routes_need_no_token(gateway_system):
    assert gateway_system.get("/health").json() == {"status": "ok"}
    assert gateway_system.get("/openapi.json").status_code == 200


# --- roles


@pytest.mark.parametrize("role,unit", [("judge", None), ("chief_judge", UNIT), ("supervisor", UNIT),
                                       ("studio_lead", None), ("subscriber", None)])
def test_only_organisers_and_admins_create_competitions(gateway_system, role, unit):
    api = gateway_system
    claims = {"studio": "studio-1"} if role == "studio_lead" else {}
    caller = token(role, unit=unit, **claims)
    before = api.ok("GET", "/competitions", as_=organiser_token(), params={"limit": 500})

    response = api.post("/competitions", as_=caller, json={"name": "x", "level": "city",
                                                           "industry_chain": "装备制造"})

    body = assert_json_error(response, 403, "forbidden")
    assert role in body["message"]
    assert api.ok("GET", "/competitions", as_=organiser_token(), params={"limit": 500}) == before


def test_a_judge_cannot_change_a_competition_or_register_workers(gateway_system, draft):
    api = gateway_system
    competition, eid = draft
    judge = token("judge", "judge-1")
    before = snapshot(api, competition["id"])

    assert_json_error(api.post(f"/competitions/{competition['id']}/status", as_=judge,
                          json={"action": "open_registration"}), 403, "forbidden")
    assert_json_error(api.post(f"/competitions/{competition['id']}/events/{eid}/entries", as_=judge,
                          json=worker()), 403, "forbidden")
    assert_json_error(api.put(f"/competitions/{competition['id']}/officials", as_=judge,
                         json={"chief_judge": "judge-1"}), 403, "forbidden")
    assert snapshot(api, competition["id"]) == before


def test_an_organiser_cannot_submit_marks_or_sign_off(gateway_system, draft):
    api = gateway_system
    competition, eid = draft
    org = organiser_token()

    assert_json_error(api.post(f"/competitions/{competition['id']}/events/{eid}/marks", as_=org,
                          json={"entry_code": "ABC234", "aspect_id": "T1.1", "value": 1}),
                 403, "forbidden")
    assert_json_error(api.post(f"/competitions/{competition['id']}/sign-off", as_=org), 403, "forbidden")
    assert_json_error(api.get(f"/competitions/{competition['id']}/events/{eid}/marking-sheet", as_=org),
                 403, "forbidden")


def test_the_role_check_comes_before_the_body_is_read(gateway_system, draft):
    competition, _ = draft
    response = gateway_system.post(f"/competitions/{competition['id']}/status",
                                   as_=token("judge", "judge-1"), data=b"{not json")

    assert_json_error(response, 403, "forbidden")


# --- object level: another unit's organiser


def test_an_organiser_of_another_unit_cannot_see_a_draft(gateway_system, draft):
    api = gateway_system
    competition, eid = draft
    stranger = organiser_token(unit=OTHER_UNIT, subject="org-taian")

    # 404, not 403: the id of another unit's draft must not even be confirmed.
    assert_json_error(api.get(f"/competitions/{competition['id']}", as_=stranger), 404, "not_found")
    listed = api.ok("GET", "/competitions", as_=stranger, params={"limit": 500})["items"]
    assert competition["id"] not in {c["id"] for c in listed}
    assert_json_error(api.get(f"/competitions/{competition['id']}/events/{eid}/entries", as_=stranger),
                 404, "not_found")


def test_an_organiser_of_another_unit_cannot_change_a_draft(gateway_system, draft):
    api = gateway_system
    competition, eid = draft
    cid = competition["id"]
    stranger = organiser_token(unit=OTHER_UNIT, subject="org-taian")
    before = snapshot(api, cid)

    attempts = [
        api.post(f"/competitions/{cid}/status", as_=stranger, json={"action": "cancel"}),
        api.post(f"/competitions/{cid}/events", as_=stranger, json={"trade": "电焊工"}),
        api.patch(f"/competitions/{cid}/events/{eid}", as_=stranger, json={"name": "改名"}),
        api.put(f"/competitions/{cid}/officials", as_=stranger, json={"chief_judge": "mole"}),
        api.post(f"/competitions/{cid}/events/{eid}/judges", as_=stranger,
                 json={"judge_id": "mole", "name": "内鬼", "enterprise": "某厂"}),
        api.post(f"/competitions/{cid}/publish", as_=stranger),
    ]

    for response in attempts:
        assert_json_error(response, 404, "not_found")
    assert snapshot(api, cid) == before


def test_an_organiser_cannot_create_a_competition_for_another_unit(gateway_system):
    api = gateway_system
    before = api.ok("GET", "/competitions", as_=organiser_token(unit=OTHER_UNIT), params={"limit": 500})

    response = api.post("/competitions", as_=organiser_token(),
                        json={"name": "冒名竞赛", "level": "city", "industry_chain": "装备制造",
                              "organising_unit": OTHER_UNIT})

    body = assert_json_error(response, 400, "bad_request")
    assert "organising_unit" in body["fields"]
    assert api.ok("GET", "/competitions", as_=organiser_token(unit=OTHER_UNIT),
                  params={"limit": 500}) == before


def test_an_admin_may_read_any_unit_s_draft(gateway_system, draft):
    competition, _ = draft
    seen = gateway_system.ok("GET", f"/competitions/{competition['id']}", as_=token("admin", "admin-1"))

    assert seen["id"] == competition["id"]


def test_a_judge_not_assigned_to_the_event_sees_nothing_of_it(gateway_system, draft):
    competition, eid = draft
    response = gateway_system.get(f"/competitions/{competition['id']}/events/{eid}/ranking",
                                  as_=token("judge", "judge-elsewhere"))

    assert_json_error(response, 404, "not_found")
