"""One whole competition through the gateway, the way its users drive it over HTTP: organise,
register, judge blind, rank, sign off, publish, read the public results, correct them."""
import pytest

from common.testing import callers
from common.testing.callers import UNIT
from common.testing.factories import worker
from common.testing.scenarios import mark_practical
from gateway.tests import create_competition, organiser_token, token_of

HOSTILE_NAME = '<script>alert("x")</script>王&伟'


@pytest.fixture(scope="module")
def tokens():
    return {
        "organiser": organiser_token(),
        "chief": token_of(callers.chief_judge()),
        "supervisor": token_of(callers.supervisor()),
        "judges": [token_of(callers.judge(f"judge-{n}")) for n in (1, 2, 3)],
    }


def test_a_whole_competition_over_http(gateway_system, tokens):
    api = gateway_system
    org = tokens["organiser"]

    competition, eid = create_competition(api, as_=org)
    cid = competition["id"]
    assert competition["status"] == "draft"
    assert competition["organising_unit"] == UNIT
    assert [c["key"] for c in competition["events"][0]["marking_scheme"]["components"]] == \
        ["theory", "practical"]

    base = f"/competitions/{cid}"
    api.ok("PUT", f"{base}/officials", as_=org, json={"chief_judge": "chief-1", "supervisor": "super-1"})
    opened = api.ok("POST", f"{base}/status", as_=org, json={"action": "open_registration"})
    assert opened["status"] == "registration_open"

    # registration: ID numbers go in, only masked ones come out
    workers = [worker(employer="建湖机床厂"), worker(employer="建湖阀门厂"),
               worker(employer="建湖石油机械", name=HOSTILE_NAME)]
    entries = []
    for data in workers:
        response = api.post(f"{base}/events/{eid}/entries", as_=org, json=data)
        assert response.status_code == 201, response.text
        assert data["id_number"] not in response.text
        entry = response.json()
        assert entry["id_number_masked"] == data["id_number"][:3] + "*" * 11 + data["id_number"][-4:]
        assert entry["status"] == "pending"
        entries.append(entry)
    listing = api.get(f"{base}/events/{eid}/entries", as_=org, params={"status": "pending"})
    assert listing.status_code == 200
    assert listing.json()["total"] == 3
    assert not any(data["id_number"] in listing.text for data in workers)

    for entry in entries:
        approved = api.ok("POST", f"{base}/events/{eid}/entries/{entry['id']}/decision", as_=org,
                          json={"decision": "approve"})
        assert approved["status"] == "approved"
    for n in (1, 2, 3):
        judge = api.ok("POST", f"{base}/events/{eid}/judges", as_=org,
                       json={"judge_id": f"judge-{n}", "name": f"裁判{n}", "enterprise": "评审中心"})
        assert judge["judge_id"] == f"judge-{n}"
    api.ok("POST", f"{base}/status", as_=org, json={"action": "close_registration"})
    marking = api.ok("POST", f"{base}/status", as_=org, json={"action": "start_marking"})
    assert marking["status"] == "marking"

    # judging, blind
    judge_1 = tokens["judges"][0]
    sheet = api.ok("GET", f"{base}/events/{eid}/marking-sheet", as_=judge_1)
    codes = [row["entry_code"] for row in sheet["entries"]]
    assert len(codes) == 3
    assert HOSTILE_NAME not in str(sheet)
    for position, code in enumerate(codes):
        receipt = api.ok("POST", f"{base}/events/{eid}/marks", as_=judge_1,
                         json={"entry_code": code, "aspect_id": "T1.1", "value": 90 - 10 * position})
        assert receipt == {"entry_code": code, "aspect_id": "T1.1", "value": 90 - 10 * position,
                           "changed": True}
        mark_practical(api, base, eid, code, position, tokens["judges"])
        timed = api.ok("POST", f"{base}/events/{eid}/completion-times", as_=judge_1,
                       json={"entry_code": code, "seconds": 3600 + position})
        assert timed == {"entry_code": code, "completion_seconds": 3600 + position}
    # a change needs a reason, and is audited
    changed = api.ok("POST", f"{base}/events/{eid}/marks", as_=judge_1,
                     json={"entry_code": codes[0], "aspect_id": "T1.1", "value": 95,
                           "reason": "复核试卷加分"})
    assert changed["changed"] is True
    history = api.ok("GET", f"{base}/events/{eid}/entries/{codes[0]}/marks", as_=org)
    audited = [h for h in history["history"] if h.get("aspect_id") == "T1.1"]
    assert [(h["old"], h["new"]) for h in audited] == [(None, 90), (90, 95)]
    assert audited[-1]["reason"] == "复核试卷加分"

    # the jury's live ranking: complete, blind
    ranking = api.ok("GET", f"{base}/events/{eid}/ranking", as_=tokens["chief"])
    assert ranking["revealed"] is False
    assert [row["rank"] for row in ranking["ranking"]] == [1, 2, 3]
    assert all(row["complete"] for row in ranking["ranking"])
    assert "name" not in ranking["ranking"][0]
    board = api.get(f"{base}/events/{eid}/ranking", as_=judge_1, params={"format": "html"})
    assert board.status_code == 200
    assert board.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src" not in board.headers["Content-Security-Policy"]  # nothing may run
    assert all(code in board.text for code in codes)
    assert "alert" not in board.text

    # sign-off by both officials freezes the results and reveals names
    first = api.ok("POST", f"{base}/sign-off", as_=tokens["chief"])
    assert first["status"] == "marking"
    assert set(first["sign_offs"]) == {"chief_judge"}
    second = api.ok("POST", f"{base}/sign-off", as_=tokens["supervisor"])
    assert second["status"] == "signed_off"
    revealed = api.ok("GET", f"{base}/events/{eid}/ranking", as_=org)
    assert revealed["revealed"] is True
    assert {row["name"] for row in revealed["ranking"]} == {w["name"] for w in workers}
    board = api.get(f"{base}/events/{eid}/ranking", as_=org, params={"format": "html"}).text
    assert "<script>" not in board
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;王&amp;伟" in board

    # nothing public before publication
    assert api.get(f"/public/competitions/{cid}/results").status_code == 404
    published = api.ok("POST", f"{base}/publish", as_=org)
    assert published["status"] == "published"
    assert published["publication"]["version"] == 1

    results = api.get(f"/public/competitions/{cid}/results")
    assert results.status_code == 200
    body = results.json()
    assert body["name"] == competition["name"]
    assert "correlation_id" not in body["publication"]
    event_results = body["events"][0]["results"]
    assert [r["rank"] for r in event_results] == [1, 2, 3]
    assert event_results[0]["prize"] == "first"
    assert not any(data["id_number"] in results.text for data in workers)
    public_board = api.get(f"/public/competitions/{cid}/results", params={"format": "html"})
    assert public_board.status_code == 200
    assert public_board.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<script>" not in public_board.text
    assert "一等奖" in public_board.text

    # a correction is explicit, audited, and republishes
    corrected = api.ok("POST", f"{base}/corrections", as_=org, json={
        "reason": "复议：第三名理论试卷漏计一题", "event_id": eid,
        "marks": [{"entry_code": codes[2], "aspect_id": "T1.1", "judge_id": "judge-1", "value": 75}]})
    assert corrected["publication"]["version"] == 2
    again = api.ok("GET", f"/public/competitions/{cid}/results")
    assert again["publication"]["version"] == 2
    assert [r["total"] for r in again["events"][0]["results"]] != \
        [r["total"] for r in event_results]
    final = api.ok("GET", base, as_=org)
    assert final["status"] == "published"
    assert [h["action"] for h in final["history"]][-2:] == ["publish", "correct"]


def test_published_competitions_are_listed_for_everyone_signed_in(gateway_system):
    api = gateway_system
    stranger = organiser_token(unit="someone-else", subject="org-9")
    listed = api.ok("GET", "/competitions", as_=stranger, params={"limit": 500})["items"]

    assert all(c["status"] == "published" or c["organising_unit"] == "someone-else" for c in listed)
