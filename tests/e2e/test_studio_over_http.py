"""One innovation studio through the real gateway, from its registration to its lead in the talent
pool: real processes started as `make run` starts them, plain HTTP, bearer tokens signed with
the configured secret.

A reviewer registers the studio; its lead adds a member and submits results; a reviewer of
another enterprise verifies them (one of the studio's own enterprise may not); the union runs a
rating round: panel scores, proposals, the public notice (公示); when the notice closes the rating
takes effect by itself, and the lead is admitted to the talent pool by events alone, with the
verified results on the authors' records. No response of the whole test carries a full ID number.
"""
import datetime

import pytest

from common.auth import issue_token
from common.clock import utc_datetime
from common.testing import callers, factories
from common.testing.waiting import wait_until
from tests.e2e.test_competition_over_http import poll
from tests.processes import TOKEN_SECRET

pytestmark = pytest.mark.slow

UNIT = callers.UNIT
TITLES = ("数控车床主轴温升控制技术攻关", "高速主轴动平衡工装改造攻关", "刀具寿命提升攻关",
          "夹具快速换型攻关", "焊缝气孔消除攻关")
PANEL = [{"expert": f"专家{n}", "score": score} for n, score in enumerate((8, 9, 9.5, 7, 8.5))]


def token(role, subject, **claims):
    return issue_token(TOKEN_SECRET, subject, role, **claims)


def test_a_studio_from_its_registration_to_its_lead_in_the_talent_pool(studios, http):
    reviewer = token("reviewer", "reviewer-1", enterprise="建湖县总工会")
    conflicted = token("reviewer", "reviewer-2", enterprise="江苏建湖机床厂")
    payload = factories.studio_payload()
    numbers = [payload["lead"]["id_number"]] + [m["id_number"] for m in payload["members"]]

    studio = http("POST", "/studios", reviewer, expect=201, json=payload).json()
    lead = token("studio_lead", "lead-1", studio=studio["id"])
    studio = http("POST", f"/studios/{studio['id']}/members", lead,
                  json={"members": [factories.studio_member(name="赵学徒")]}).json()
    authors = [studio["lead"]["member_id"], studio["members"][1]["member_id"]]

    results = []
    for title in TITLES:
        draft = http("POST", f"/studios/{studio['id']}/results", lead, expect=201,
                     json=factories.result_payload(authors, title=title, converted=True,
                                                   people_trained=40,
                                                   prior_award_level="city")).json()
        http("POST", f"/results/{draft['id']}/submission", lead)
        results.append(draft["id"])
    http("POST", f"/results/{results[0]}/reviews", conflicted, expect=403,
         json={"action": "start_review", "comment": "本企业"})
    for result_id in results:
        for action in ("start_review", "verify"):
            http("POST", f"/results/{result_id}/reviews", reviewer,
                 json={"action": action, "comment": "材料齐全，效益经财务确认"})

    round_ = http("POST", "/rating-rounds", reviewer, expect=201, json={
        "name": "2026年度建湖县创新工作室星级评定", "unit": UNIT, "year": 2026,
        "period": {"from": "2025-06-01", "to": "2026-05-31"}}).json()
    for item in ("site_visit", "expert_review"):
        http("POST", f"/rating-rounds/{round_['id']}/panel-scores", reviewer,
             json={"studio_id": studio["id"], "item": item, "scores": PANEL})
    proposed = http("POST", f"/rating-rounds/{round_['id']}/proposals", reviewer).json()
    assert proposed["counts"] == {"proposed": 1}
    closes = (utc_datetime() + datetime.timedelta(seconds=3)).isoformat(timespec="milliseconds")
    http("POST", f"/rating-rounds/{round_['id']}/notice", reviewer, json={"closes_at": closes})
    notice = http("GET", f"/public/rating-rounds/{round_['id']}/notice").json()
    [entry] = notice["items"]
    assert entry["studio_name"] == studio["name"] and entry["stars"] >= 3

    # The notice closes; the rating takes effect by itself and reaches the talent pool by events.
    rated = poll(http, f"/studios/{studio['id']}", reviewer, lambda body: body["stars"] >= 3, 90)
    breakdown = http("GET", f"/ratings/{rated['rating']['rating_id']}", reviewer).json()
    items = breakdown["proposal"]["items"]
    assert sum(i["points"] for i in items) == pytest.approx(breakdown["proposal"]["points"], abs=0.06)
    assert set(results) <= {r for i in items for r in i["counted"]}
    page = http("GET", f"/ratings/{rated['rating']['rating_id']}?format=html", reviewer)
    assert page.headers["Content-Type"].startswith("text/html") and "★" in page.text
    public = http("GET", "/public/studios").json()
    assert [s["id"] for s in public["items"]] == [studio["id"]]

    talents = poll(http, "/talents", reviewer, lambda body: body["total"] >= 1
                   and any(t["name"] == "王建国" for t in body["items"]), 90)
    lead_talent = next(t for t in talents["items"] if t["name"] == "王建国")
    record = wait_until(lambda: (lambda body: body if len(body["innovation_results"]) == len(TITLES)
                                 else None)(http("GET", f"/talents/{lead_talent['id']}", reviewer).json()),
                        60, message="the lead's results on the talent record")
    assert record["status"] == "active"
    assert {r["result_id"] for r in record["innovation_results"]} == set(results)
    assert record["studio_honours"][0]["stars"] == rated["stars"]

    for body in http.bodies:
        for number in numbers:
            assert number not in body
