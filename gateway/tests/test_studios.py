"""Innovation studios through the gateway, the way their users reach them over HTTP: reviewers
register studios, leads keep their members and submit results, reviewers verify them; each
caller reaches only what is theirs, and what they may not see answers as what does not exist."""
import hashlib

import pytest

from common.testing import callers, scenarios
from common.testing import files as samples
from common.testing.callers import OTHER_UNIT, UNIT
from common.testing.factories import result_payload, studio_member, studio_payload
from common.testing.http import assert_json_error
from gateway.tests import organiser_token, token, token_of

REVIEWER = token_of(callers.reviewer("reviewer-1", enterprise="建湖县总工会"))
OWN_ENTERPRISE_REVIEWER = token_of(callers.reviewer("reviewer-2", enterprise="江苏建湖机床厂"))
ADMIN = token("admin", "admin-1")
ORG = organiser_token(UNIT, "org-1")
OTHER_ORG = organiser_token(OTHER_UNIT, "org-2")
JUDGE = token("judge", "judge-1")
MISSING = "std-000000000000"


def lead_token(studio_id, subject="lead-1"):
    return token_of(callers.studio_lead(studio_id, subject))


def register(api, **overrides):
    return api.ok("POST", "/studios", as_=REVIEWER, json=studio_payload(**overrides))


@pytest.fixture(scope="module")
def studio(gateway_system):
    return register(gateway_system)


def authors(studio, count=2):
    return [m["member_id"] for m in studio["members"][:count]]


def write_result(api, studio, **overrides):
    return api.ok("POST", f"/studios/{studio['id']}/results", as_=lead_token(studio["id"]),
                  json=result_payload(authors(studio), **overrides))


def review(api, result_id, action, as_=REVIEWER, **more):
    return api.post(f"/results/{result_id}/reviews", as_=as_,
                    json={"action": action, "comment": f"{action}: 意见", **more})


# --- studios


def test_a_registered_studio_shows_its_members_masked_and_its_history_to_the_union(gateway_system, studio):
    assert studio["status"] == "active" and studio["stars"] == 0
    assert studio["lead"]["name"] == "王建国" and studio["member_count"] == 6
    for member in studio["members"]:
        assert "*" in member["id_number_masked"]
    assert "person_key" not in str(studio) and "encrypted" not in str(studio)
    assert [entry["action"] for entry in studio["history"]] == ["register"]


def test_only_the_union_registers_studios(gateway_system):
    for caller in (ORG, JUDGE, lead_token("std-0123456789ab")):
        assert_json_error(gateway_system.post("/studios", as_=caller, json=studio_payload()), 403)
    assert_json_error(gateway_system.post("/studios", json=studio_payload()), 401)


def test_bad_studios_are_refused_naming_the_fields(gateway_system):
    bad_id = studio_payload(lead={**studio_member(id_number="320925198508011009"), "honour": "市级劳动模范"})
    body = assert_json_error(gateway_system.post("/studios", as_=REVIEWER, json=bad_id), 400)
    assert "lead.id_number" in body["fields"]
    body = assert_json_error(gateway_system.post(
        "/studios", as_=REVIEWER, json={**studio_payload(), "stars": 5}), 400)
    assert "stars" in body["fields"]
    twice = studio_payload()
    twice["members"].append(dict(twice["members"][0]))
    assert_json_error(gateway_system.post("/studios", as_=REVIEWER, json=twice), 400)


def test_what_a_caller_may_not_see_answers_as_what_does_not_exist(gateway_system, studio):
    missing = assert_json_error(gateway_system.get(f"/studios/{MISSING}", as_=OTHER_ORG), 404)
    for stranger in (OTHER_ORG, lead_token("std-0123456789ab", "lead-9")):
        hidden = assert_json_error(gateway_system.get(f"/studios/{studio['id']}", as_=stranger), 404)
        assert hidden["message"].replace(studio["id"], MISSING) == missing["message"]
    assert gateway_system.ok("GET", f"/studios/{studio['id']}", as_=ORG)["id"] == studio["id"]
    own = gateway_system.ok("GET", f"/studios/{studio['id']}", as_=lead_token(studio["id"]))
    assert own["history"]


def test_lists_are_bounded_by_the_callers_scope(gateway_system, studio):
    register(gateway_system, unit=OTHER_UNIT, name="泰安某创新工作室")
    mine = gateway_system.ok("GET", "/studios", as_=ORG)
    assert mine["total"] >= 1 and {s["unit"] for s in mine["items"]} == {UNIT}
    own = gateway_system.ok("GET", "/studios", as_=lead_token(studio["id"]))
    assert [s["id"] for s in own["items"]] == [studio["id"]]
    assert_json_error(gateway_system.get("/studios", as_=JUDGE), 403)
    # A filter narrows what a caller sees, never widens it.
    assert gateway_system.ok("GET", "/studios", as_=ORG, params={"unit": OTHER_UNIT})["total"] == 0
    assert gateway_system.ok("GET", "/alliances", as_=ORG, params={"unit": OTHER_UNIT})["total"] == 0
    assert gateway_system.ok("GET", "/rating-rounds", as_=ORG, params={"unit": OTHER_UNIT})["total"] == 0


def test_the_lead_keeps_the_members_up_to_date(gateway_system):
    studio = register(gateway_system)
    lead = lead_token(studio["id"])
    joined = gateway_system.ok("POST", f"/studios/{studio['id']}/members", as_=lead,
                               json={"members": [studio_member(name="新成员")]})
    assert joined["member_count"] == 7
    newcomer = next(m for m in joined["members"] if m["name"] == "新成员")
    left = gateway_system.ok("POST", f"/studios/{studio['id']}/members/{newcomer['member_id']}/leaving",
                             as_=lead, json={"reason": "调离"})
    assert left["former_members"][0]["left_because"] == "调离"
    assert_json_error(gateway_system.post(
        f"/studios/{studio['id']}/members", as_=lead_token("std-0123456789ab", "lead-9"),
        json={"members": [studio_member()]}), 404)
    assert_json_error(gateway_system.post(
        f"/studios/{studio['id']}/members", as_=ORG, json={"members": [studio_member()]}), 403)
    lead_member = studio["lead"]["member_id"]
    assert_json_error(gateway_system.post(
        f"/studios/{studio['id']}/members/{lead_member}/leaving", as_=lead, json={"reason": "退休"}), 409)


def test_a_change_of_lead_and_the_end_of_a_studio_are_explicit_audited_steps(gateway_system):
    studio = register(gateway_system)
    successor = studio["members"][1]["member_id"]
    assert_json_error(gateway_system.post(f"/studios/{studio['id']}/lead", as_=lead_token(studio["id"]),
                                          json={"member_id": successor, "honour": "市级工匠",
                                                "reason": "退休"}), 403)
    changed = gateway_system.ok("POST", f"/studios/{studio['id']}/lead", as_=REVIEWER,
                                json={"member_id": successor, "honour": "市级工匠", "reason": "原领衔人退休"})
    assert changed["lead"]["member_id"] == successor
    ended = gateway_system.ok("POST", f"/studios/{studio['id']}/status", as_=REVIEWER,
                              json={"status": "revoked", "reason": "企业关闭"})
    assert ended["status"] == "revoked"
    assert [e["action"] for e in ended["history"]] == ["register", "change_lead", "status_revoked"]
    assert_json_error(gateway_system.post(f"/studios/{studio['id']}/status", as_=REVIEWER,
                                          json={"status": "active", "reason": "重开"}), 409)
    assert_json_error(gateway_system.post(f"/studios/{studio['id']}/star-revocation", as_=REVIEWER,
                                          json={"reason": "无星"}), 409)


# --- alliances


def test_an_alliance_rotates_its_convenor_and_runs_joint_projects(gateway_system, studio):
    other = register(gateway_system, name="李红梅工匠创新工作室")
    alliance = gateway_system.ok("POST", "/alliances", as_=REVIEWER, json={
        "name": "建湖装备制造创新工作室联盟", "unit": UNIT, "members": [studio["id"], other["id"]],
        "convenor": studio["id"]})
    rotated = gateway_system.ok("POST", f"/alliances/{alliance['id']}/convenor", as_=REVIEWER,
                                json={"studio_id": other["id"]})
    assert rotated["convenor"] == other["id"] and len(rotated["convenors"]) == 2
    with_project = gateway_system.ok("POST", f"/alliances/{alliance['id']}/projects", as_=REVIEWER,
                                     json={"title": "主轴联合攻关", "studio_ids": [studio["id"], other["id"]],
                                           "started_on": "2026-04-01"})
    assert with_project["projects"][0]["title"] == "主轴联合攻关"
    assert gateway_system.ok("GET", f"/alliances/{alliance['id']}", as_=lead_token(studio["id"]))["id"]
    assert_json_error(gateway_system.get(f"/alliances/{alliance['id']}", as_=OTHER_ORG), 404)
    body = assert_json_error(gateway_system.post("/alliances", as_=REVIEWER, json={
        "name": "x", "unit": UNIT, "members": [studio["id"], MISSING], "convenor": studio["id"]}), 400)
    assert "members.1" in body["fields"]


# --- results


def test_a_result_goes_from_draft_to_verified(gateway_system, studio):
    draft = write_result(gateway_system, studio, title="高速主轴动平衡工装改造攻关")
    assert draft["status"] == "draft" and draft["allowed_actions"] == ["edit", "submit"]
    lead = lead_token(studio["id"])

    submitted = gateway_system.ok("POST", f"/results/{draft['id']}/submission", as_=lead)
    assert submitted["status"] == "submitted"
    assert_json_error(review(gateway_system, draft["id"], "start_review", as_=OWN_ENTERPRISE_REVIEWER), 403)
    assert_json_error(review(gateway_system, draft["id"], "verify"), 409)
    assert review(gateway_system, draft["id"], "start_review").status_code == 200
    verified = review(gateway_system, draft["id"], "verify").json()

    assert verified["status"] == "verified"
    assert [r["action"] for r in verified["reviews"]] == ["start_review", "verify"]
    assert_json_error(gateway_system.put(f"/results/{draft['id']}", as_=lead,
                                         json=result_payload(authors(studio))), 409)


def test_a_returned_result_is_reworked_and_resubmitted(gateway_system, studio):
    result = write_result(gateway_system, studio, title="刀具寿命提升攻关")
    lead = lead_token(studio["id"])
    gateway_system.ok("POST", f"/results/{result['id']}/submission", as_=lead)
    review(gateway_system, result["id"], "start_review")
    returned = review(gateway_system, result["id"], "return").json()
    assert returned["status"] == "returned"
    gateway_system.ok("PUT", f"/results/{result['id']}", as_=lead,
                      json=result_payload(authors(studio), title="刀具寿命提升攻关（补充）"))
    again = gateway_system.ok("POST", f"/results/{result['id']}/submission", as_=lead)
    assert again["status"] == "resubmitted"


def test_the_same_title_twice_in_a_studio_and_year_is_refused_and_near_duplicates_are_shown(
        gateway_system, studio):
    lead = lead_token(studio["id"])
    first = write_result(gateway_system, studio, title="焊接夹具快速定位装置改造")
    gateway_system.ok("POST", f"/results/{first['id']}/submission", as_=lead)
    twin = write_result(gateway_system, studio, title="焊接夹具快速定位装置改造")
    body = assert_json_error(gateway_system.post(f"/results/{twin['id']}/submission", as_=lead), 409)
    assert first["id"] in body["message"]

    near = write_result(gateway_system, studio, title="焊接夹具快速定位装置的改进")
    shown = gateway_system.ok("POST", f"/results/{near['id']}/submission", as_=lead)
    assert first["id"] in [n["result_id"] for n in shown["near_duplicates"]]
    review(gateway_system, near["id"], "start_review")
    marked = review(gateway_system, near["id"], "duplicate", duplicate_of=first["id"]).json()
    assert marked["status"] == "rejected" and marked["duplicate_of"] == first["id"]


def test_bad_results_are_refused_and_change_nothing(gateway_system, studio):
    lead = lead_token(studio["id"])
    other = register(gateway_system, name="别家工作室")
    # A result for another studio: that studio does not exist for this lead.
    assert_json_error(gateway_system.post(f"/studios/{other['id']}/results", as_=lead,
                                          json=result_payload(authors(other))), 404)
    body = assert_json_error(gateway_system.post(
        f"/studios/{studio['id']}/results", as_=lead,
        json={**result_payload(authors(studio)), "score": 100}), 400)
    assert "score" in body["fields"]
    body = assert_json_error(gateway_system.post(
        f"/studios/{studio['id']}/results", as_=lead,
        json=result_payload(["mbr-000000000000"])), 400)
    assert "authors.0" in body["fields"]
    unconfirmed = write_result(gateway_system, studio, title="节能降耗改造",
                               economic_benefit={"cost_saved": 500000})
    body = assert_json_error(gateway_system.post(f"/results/{unconfirmed['id']}/submission", as_=lead), 400)
    assert "economic_benefit.confirmation" in body["fields"]
    assert gateway_system.ok("GET", f"/results/{unconfirmed['id']}", as_=lead)["status"] == "draft"
    assert_json_error(gateway_system.post(f"/studios/{studio['id']}/results", as_=REVIEWER,
                                          json=result_payload(authors(studio))), 403)


def test_reviewers_find_their_queue_and_organisers_read_their_units_results(gateway_system, studio):
    result = write_result(gateway_system, studio, title="数控程序优化降低空行程")
    gateway_system.ok("POST", f"/results/{result['id']}/submission", as_=lead_token(studio["id"]))
    queue = gateway_system.ok("GET", "/results", as_=REVIEWER, params={"status": "submitted"})
    assert result["id"] in [r["id"] for r in queue["items"]]
    assert gateway_system.ok("GET", f"/results/{result['id']}", as_=ORG)["allowed_actions"] == []
    assert_json_error(gateway_system.get(f"/results/{result['id']}", as_=OTHER_ORG), 404)
    assert gateway_system.ok("GET", "/results", as_=OTHER_ORG)["total"] == 0


# --- evidence


def test_evidence_is_uploaded_checked_by_content_and_downloaded_by_those_who_may_see_it(
        gateway_system, studio):
    lead = lead_token(studio["id"])
    result = write_result(gateway_system, studio, title="主轴冷却回路改进")
    content = samples.pdf()

    stored = gateway_system.ok("POST", f"/results/{result['id']}/evidence", as_=lead,
                               files={"file": ("财务证明.pdf", content)})

    assert stored["media_type"] == "application/pdf"
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    shown = gateway_system.ok("GET", f"/results/{result['id']}", as_=REVIEWER)
    assert [e["file_id"] for e in shown["evidence"]] == [stored["file_id"]]
    download = gateway_system.get(f"/results/{result['id']}/evidence/{stored['file_id']}", as_=ORG)
    assert download.status_code == 200 and download.content == content
    assert download.headers["Content-Type"].startswith("application/pdf")
    assert_json_error(gateway_system.get(f"/results/{result['id']}/evidence/{stored['file_id']}",
                                         as_=OTHER_ORG), 404)


def test_bad_evidence_is_refused_and_changes_nothing(gateway_system, studio):
    lead = lead_token(studio["id"])
    result = write_result(gateway_system, studio, title="工装夹具定位改进")
    path = f"/results/{result['id']}/evidence"
    body = assert_json_error(gateway_system.post(path, as_=lead,
                                                 files={"file": ("证书.pdf", samples.html())}), 400)
    assert "file" in body["fields"]
    huge = samples.pdf() + b" " * (11 * 1024 * 1024)
    assert_json_error(gateway_system.post(path, as_=lead, files={"file": ("大文件.pdf", huge)}), 413)
    assert_json_error(gateway_system.post(path, as_=lead, json={"file": "x"}), 400)
    assert_json_error(gateway_system.post(path, as_=lead_token("std-0123456789ab", "lead-9"),
                                          files={"file": ("a.pdf", samples.pdf())}), 404)
    assert gateway_system.ok("GET", f"/results/{result['id']}", as_=lead)["evidence"] == []


def test_a_patent_needs_its_certificate_and_a_valid_number(gateway_system, studio):
    lead = lead_token(studio["id"])
    patent = write_result(gateway_system, studio, kind="utility_patent", details={},
                          title="一种快速定位夹具", patent_number="ZL202320123456.0",
                          economic_benefit={})
    body = assert_json_error(gateway_system.post(f"/results/{patent['id']}/submission", as_=lead), 400)
    assert {"patent_number", "evidence"} <= set(body["fields"])


# --- rating rounds


def test_only_the_union_runs_rounds_and_bad_rounds_are_refused(gateway_system):
    round_ = {"name": "2026年度评定", "unit": UNIT, "year": 2026,
              "period": {"from": "2025-06-01", "to": "2026-05-31"}}
    assert_json_error(gateway_system.post("/rating-rounds", as_=ORG, json=round_), 403)
    body = assert_json_error(gateway_system.post(
        "/rating-rounds", as_=REVIEWER, json={**round_, "period": {"from": "2026-06-01", "to": "2025-01-01"}}), 400)
    assert "period.to" in body["fields"]
    body = assert_json_error(gateway_system.post("/rating-rounds", as_=REVIEWER,
                                                 json={**round_, "notice_days": 0}), 400)
    assert "notice_days" in body["fields"]
    assert_json_error(gateway_system.get("/rating-rounds/rnd-000000000000", as_=REVIEWER), 404)


def test_objections_are_signed_and_filed_only_during_the_notice(gateway_system, studio):
    round_ = gateway_system.ok("POST", "/rating-rounds", as_=REVIEWER, json={
        "name": "2026年度评定", "unit": UNIT, "year": 2026,
        "period": {"from": "2025-06-01", "to": "2026-05-31"}})
    rating_id = f"rtg-{round_['id']}-{studio['id']}"
    objection = {"text": "成果真实性存疑，请核查"}
    # While the round is open its ratings are nobody's business but the union's.
    assert_json_error(gateway_system.post(f"/ratings/{rating_id}/objections", as_=ORG, json=objection), 404)
    assert_json_error(gateway_system.get(f"/public/rating-rounds/{round_['id']}/notice"), 404)
    # A notice before every studio has its proposal is a conflict.
    assert_json_error(gateway_system.post(f"/rating-rounds/{round_['id']}/notice", as_=REVIEWER, json={}), 409)
    assert_json_error(gateway_system.post(f"/ratings/{rating_id}/objections", json=objection), 401)


@pytest.fixture(scope="module")
def noticed(gateway_system):
    """A studio of its own unit, rated in a round whose public notice is open."""
    unit = "notice-union"
    studio, round_, rating_id = scenarios.studio_in_notice(gateway_system, REVIEWER, unit)
    return studio, round_, rating_id, organiser_token(unit, "org-n")


def test_a_round_is_seen_and_run_only_by_those_it_belongs_to(gateway_system, noticed):
    studio, round_, rating_id, own_org = noticed
    assert gateway_system.ok("GET", f"/rating-rounds/{round_['id']}", as_=own_org)["status"] == "notice"
    assert_json_error(gateway_system.get(f"/rating-rounds/{round_['id']}", as_=OTHER_ORG), 404)
    assert_json_error(gateway_system.post(f"/rating-rounds/{round_['id']}/panel-scores", as_=own_org,
                                          json={"studio_id": studio["id"], "item": "site_visit",
                                                "scores": scenarios.PANEL}), 403)
    assert_json_error(gateway_system.post(f"/rating-rounds/{round_['id']}/proposals",
                                          as_=lead_token(studio["id"])), 403)
    # Its scores are fixed once the notice is open.
    assert_json_error(gateway_system.post(f"/rating-rounds/{round_['id']}/panel-scores", as_=REVIEWER,
                                          json={"studio_id": studio["id"], "item": "site_visit",
                                                "scores": scenarios.PANEL}), 409)
    own = gateway_system.ok("GET", f"/ratings/{rating_id}", as_=lead_token(studio["id"]))
    assert own["proposal"]["items"] and own["status"] == "proposed"
    assert_json_error(gateway_system.get(f"/ratings/{rating_id}", as_=lead_token("std-0123456789ab")), 404)
    assert_json_error(gateway_system.get(f"/ratings/{rating_id}", as_=OTHER_ORG), 404)
    assert_json_error(gateway_system.get(f"/ratings/{rating_id}", as_=JUDGE), 403)
    page = gateway_system.get(f"/ratings/{rating_id}?format=html", as_=REVIEWER)
    assert page.headers["Content-Type"].startswith("text/html") and "现场" in page.text
    public = gateway_system.get(f"/public/rating-rounds/{round_['id']}/notice?format=html")
    assert public.status_code == 200 and studio["name"] in public.text


def test_an_objection_is_signed_kept_confidential_and_answered_by_the_union(gateway_system, noticed):
    studio, round_, rating_id, own_org = noticed
    filed = gateway_system.ok("POST", f"/ratings/{rating_id}/objections", as_=own_org,
                              json={"text": "该工作室成果存在重复申报"})
    seen = gateway_system.ok("GET", f"/ratings/{rating_id}", as_=REVIEWER)["objections"]
    assert [o["objection_id"] for o in seen] == [filed["objection_id"]] and "filer" not in seen[0]
    as_admin = gateway_system.ok("GET", f"/ratings/{rating_id}", as_=ADMIN)["objections"]
    assert as_admin[0]["filer"]["subject"] == "org-n"
    answer = f"/ratings/{rating_id}/objections/{filed['objection_id']}/answer"
    assert_json_error(gateway_system.post(answer, as_=own_org, json={"decision": "dismissed", "text": "x"}), 403)
    body = assert_json_error(gateway_system.post(answer, as_=REVIEWER,
                                                 json={"decision": "maybe", "text": "x"}), 400)
    assert "decision" in body["fields"]
    answered = gateway_system.ok("POST", answer, as_=REVIEWER,
                                 json={"decision": "dismissed", "text": "经核实不属重复"})
    assert answered["objections"][0]["answer"]["decision"] == "dismissed"
    assert_json_error(gateway_system.post(answer, as_=REVIEWER,
                                          json={"decision": "upheld", "text": "再议"}), 409)
