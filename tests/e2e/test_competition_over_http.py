"""One whole competition through the real gateway, the way its users drive it: real processes
started as `make run` starts them, plain HTTP, bearer tokens signed with the configured secret.

Along the way: other units are kept out, a judge never marks their own enterprise, a bad mark
changes nothing, the jury ranks blind, and nothing public appears before publication. Once
published, the winners reach the talent pool by events alone and show at GET /talents, without
any further call. No response of the whole test carries a full ID number.
"""

import pytest

from common.auth import issue_token
from common.personal_id import mask_id_number
from common.testing import callers, factories
from common.testing.waiting import wait_until
from services.talent_pool.service import TalentPoolService
from tests.processes import TALENT_POOL

pytestmark = pytest.mark.slow

UNIT = callers.UNIT
EMPLOYERS = ("江苏建湖机床厂", "建湖县石油机械有限公司", "盐城阀门制造有限公司", "建湖县通用设备厂")
JUDGE_CENTRE = "建湖县职业技能鉴定中心"
# judge-5 comes from the first employer: a conflict of interest with that entry.
JUDGES = {f"judge-{n}": JUDGE_CENTRE for n in range(1, 5)} | {"judge-5": EMPLOYERS[0]}
JSON = "application/json"


@pytest.fixture
def talent_pool(system):
    """The talent pool started beside the rest, its queue declared before anything is published."""
    system.declare_topology([TalentPoolService])
    system.start(TALENT_POOL)
    system.wait_for_talent_pool()
    return system


def poll(http, path, token, until, seconds=60):
    """GET ``path`` until ``until(body)`` holds; bounded, fails with the last body."""
    return wait_until(lambda: (lambda body: body if until(body) else None)(
        http("GET", path, token).json()), seconds, interval=0.3, message=f"GET {path}")


def error_of(response):
    assert response.headers["Content-Type"].startswith(JSON)
    body = response.json()
    assert set(body) >= {"error", "message"}
    return body


def test_a_whole_competition_over_http(system, talent_pool, http):
    def token(subject, role, **scope):
        return issue_token(system.token_secret, subject, role, **scope)

    organiser = token("org-1", "organizer", unit=UNIT, name="张敏")
    stranger = token("org-9", "organizer", unit="other-union", name="外单位")
    chief = token("chief-1", "chief_judge", unit=UNIT)
    supervisor = token("super-1", "supervisor", unit=UNIT)
    judges = {judge_id: token(judge_id, "judge", name=judge_id) for judge_id in JUDGES}

    # organising
    competition = http("POST", "/competitions", organiser, 201,
                       json=factories.competition_payload()).json()
    cid, eid = competition["id"], competition["events"][0]["id"]
    assert competition["status"] == "draft" and competition["organising_unit"] == UNIT
    http("PUT", f"/competitions/{cid}/officials", organiser,
         json={"chief_judge": "chief-1", "supervisor": "super-1"})
    status = http("POST", f"/competitions/{cid}/status", organiser,
                  json={"action": "open_registration"}).json()["status"]
    assert status == "registration_open"

    # registration: four workers, one rejected with a reason
    workers = [factories.worker(employer=employer, name=name)
               for employer, name in zip(EMPLOYERS, ("王建国", "李海燕", "张磊", "赵小军"))]
    id_numbers = [worker["id_number"] for worker in workers]
    entries = [http("POST", f"/competitions/{cid}/events/{eid}/entries", organiser, 201,
                    json=worker).json() for worker in workers]
    assert [entry["id_number_masked"] for entry in entries] == [mask_id_number(n) for n in id_numbers]
    assert all(entry["status"] == "pending" for entry in entries)
    rejected = http("POST", f"/competitions/{cid}/events/{eid}/entries/{entries[3]['id']}/decision",
                    organiser, json={"decision": "reject", "reason": "技能等级证书未通过核验"}).json()
    assert (rejected["status"], rejected["reason"]) == ("rejected", "技能等级证书未通过核验")
    for entry in entries[:3]:
        http("POST", f"/competitions/{cid}/events/{eid}/entries/{entry['id']}/decision", organiser,
             json={"decision": "approve"})
    approved = http("GET", f"/competitions/{cid}/events/{eid}/entries?status=approved",
                    organiser).json()
    assert sorted(e["name"] for e in approved["items"]) == sorted(w["name"] for w in workers[:3])

    # judging: five judges, then marking starts
    for judge_id, enterprise in JUDGES.items():
        http("POST", f"/competitions/{cid}/events/{eid}/judges", organiser, 201,
             json={"judge_id": judge_id, "name": f"裁判{judge_id[-1]}", "enterprise": enterprise})
    for action, expected in (("close_registration", "registration_closed"),
                             ("start_marking", "marking")):
        assert http("POST", f"/competitions/{cid}/status", organiser,
                    json={"action": action}).json()["status"] == expected

    # another unit's organiser can neither see nor change it
    for method, path, body in (
            ("GET", f"/competitions/{cid}", None),
            ("GET", f"/competitions/{cid}/events/{eid}/entries", None),
            ("POST", f"/competitions/{cid}/status", {"action": "cancel", "reason": "不属于你"}),
            ("POST", f"/competitions/{cid}/events/{eid}/judges",
             {"judge_id": "judge-x", "name": "x", "enterprise": "x"}),
            ("GET", f"/competitions/{cid}/events/{eid}/ranking", None)):
        error_of(http(method, path, stranger, (403, 404), json=body))
    assert cid not in {c["id"] for c in http("GET", "/competitions", stranger).json()["items"]}
    assert http("GET", f"/competitions/{cid}", organiser).json()["status"] == "marking"

    # nothing public before publication
    error_of(http("GET", f"/public/competitions/{cid}/results", expect=404))

    # judges fetch their sheets: blind codes only, never their own enterprise's entry
    sheets = {judge_id: http("GET", f"/competitions/{cid}/events/{eid}/marking-sheet", judge_token).json()
              for judge_id, judge_token in judges.items()}
    codes = [row["entry_code"] for row in sheets["judge-1"]["entries"]]
    assert len(codes) == 3
    conflicted = set(codes) - {row["entry_code"] for row in sheets["judge-5"]["entries"]}
    assert len(conflicted) == 1 and len(sheets["judge-5"]["entries"]) == 2
    [own_enterprise_code] = conflicted

    def mark(judge_id, code, aspect_id, value, expect=200):
        return http("POST", f"/competitions/{cid}/events/{eid}/marks", judges[judge_id], expect,
                    json={"entry_code": code, "aspect_id": aspect_id, "value": value})

    # a judge marking an entry from their own enterprise: 403, even knowing its code
    error_of(mark("judge-5", own_enterprise_code, "A2.1", 3, expect=403))
    # a mark out of the aspect's range (levels 0-3): 400 naming the field, and nothing changed
    before = http("GET", f"/competitions/{cid}/events/{eid}/entries/{codes[0]}/marks", organiser).json()
    assert "value" in error_of(mark("judge-1", codes[0], "A2.1", 4, expect=400))["fields"]
    after = http("GET", f"/competitions/{cid}/events/{eid}/entries/{codes[0]}/marks", organiser).json()
    assert after == before
    assert http("GET", f"/competitions/{cid}/events/{eid}/marking-sheet",
                judges["judge-1"]).json()["entries"][0]["marks"] == {}

    for position, code in enumerate(codes):
        mark("judge-1", code, "T1.1", 90 - 5 * position)
        mark("judge-1", code, "A1.1", 25.01)
        for judge_id, sheet in sheets.items():
            if code in {row["entry_code"] for row in sheet["entries"]}:
                for aspect_id in ("A2.1", "A2.2"):
                    mark(judge_id, code, aspect_id, 3 - position)

    # the chief judge's live ranking: codes, no names
    live = http("GET", f"/competitions/{cid}/events/{eid}/ranking", chief)
    ranking = live.json()
    assert ranking["revealed"] is False
    assert [(row["rank"], row["code"], row["complete"]) for row in ranking["ranking"]] == [
        (1, codes[0], True), (2, codes[1], True), (3, codes[2], True)]
    assert all("name" not in row and "employer" not in row for row in ranking["ranking"])
    assert not any(w["name"] in live.text or w["employer"] in live.text for w in workers)

    # sign-off by both officials, then publication
    assert http("POST", f"/competitions/{cid}/sign-off", chief).json()["status"] == "marking"
    error_of(http("POST", f"/competitions/{cid}/publish", organiser, 409))  # one signature only
    assert http("POST", f"/competitions/{cid}/sign-off", supervisor).json()["status"] == "signed_off"
    error_of(http("GET", f"/public/competitions/{cid}/results", expect=404))
    # signed off: codes and names are revealed side by side to the organiser
    name_of = {e["code"]: e["name"] for e in http(
        "GET", f"/competitions/{cid}/events/{eid}/entries?status=approved", organiser).json()["items"]}
    assert sorted(name_of) == sorted(codes)
    error_of(http("POST", f"/competitions/{cid}/publish", stranger, (403, 404)))
    published = http("POST", f"/competitions/{cid}/publish", organiser).json()
    assert published["status"] == "published" and published["publication"]["version"] == 1

    # the public results: ranks, prizes, names; no ID number in any form, no rejected worker
    public = http("GET", f"/public/competitions/{cid}/results")
    assert public.headers["Content-Type"].startswith(JSON)
    [event] = public.json()["events"]
    rows = [(r["rank"], r["code"], r["name"], r["prize"], r["certificate_level"]) for r in event["results"]]
    assert rows == [(1, codes[0], name_of[codes[0]], "first", "高级工"),
                    (2, codes[1], name_of[codes[1]], "second", "高级工"),
                    (3, codes[2], name_of[codes[2]], None, "高级工")]
    assert event["results"][0]["titles"] == ["技术能手"]
    assert workers[3]["name"] not in public.text
    assert not any("id_number" in result for result in event["results"])
    assert all(mask_id_number(n) not in public.text for n in id_numbers)

    # ... and as a board
    board = http("GET", f"/public/competitions/{cid}/results?format=html")
    assert board.headers["Content-Type"].startswith("text/html")
    assert competition["name"] in board.text and "数控车工" in board.text
    assert all(name in board.text for _, _, name, _, _ in rows)
    assert "一等奖" in board.text

    # the talent pool: the winners are admitted from the published results by events alone
    reviewer = token("rev-1", "reviewer", name="工会审核员")
    talents = poll(http, "/talents", reviewer, lambda page: page["total"] >= 2)["items"]
    assert talents == poll(http, "/talents", reviewer, lambda page: page["total"] == 2)["items"]
    assert sorted((t["name"], [h["prize"] for h in t["honours"]]) for t in talents) == sorted([
        (name_of[codes[0]], ["first"]), (name_of[codes[1]], ["second"])])
    assert all(t["status"] == "active" and t["trades"] == ["数控车工"] for t in talents)
    champion = next(t for t in talents if t["name"] == name_of[codes[0]])
    assert champion["honours"][0]["titles"] == ["技术能手"]
    # the third, certified without a prize or title, is recorded as a candidate, not admitted
    everyone = http("GET", "/talents?status=all", reviewer).json()
    assert sorted((t["name"], t["status"]) for t in everyone["items"]) == sorted([
        (name_of[codes[0]], "active"), (name_of[codes[1]], "active"), (name_of[codes[2]], "candidate")])
    # one talent in full: the honour it came from, once
    view = http("GET", f"/talents/{champion['id']}", reviewer).json()
    [honour] = view["honours"]
    assert (honour["competition_id"], honour["rank"], honour["prize"]) == (cid, 1, "first")
    assert [entry["action"] for entry in view["history"]] == ["admitted"]
    # the organising unit's organiser sees its own winners, another unit's sees none
    assert http("GET", "/talents", organiser).json()["total"] == 2
    assert http("GET", "/talents", stranger).json()["total"] == 0

    # not one response of the whole test carried a full ID number
    assert len(http.bodies) > 50
    for number in id_numbers:
        for form in (number, number.lower(), number[:17]):
            assert not any(form in body for body in http.bodies), f"{mask_id_number(number)} leaked"
