"""The rules of innovation results: each kind's requirements, and the review lifecycle."""
import datetime

import pytest

from common.errors import BadRequest, Conflict, Forbidden
from services.studios.domain import results as rules
from services.studios.tests.unit.test_studio_rules import NOW, member, studio

TODAY = datetime.date(2026, 6, 1)
REVIEWER = {"subject": "reviewer-1", "enterprise": "市总工会"}
EVIDENCE = [{"file_id": "fil-1", "filename": "证书.pdf", "media_type": "application/pdf",
             "size": 1000, "sha256": "0" * 64, "uploaded_at": NOW, "uploaded_by": "lead-1"}]
CONFIRMED = {"department": "财务部", "document_ref": "财审〔2026〕12号", "confirmed_on": "2026-04-01"}


def draft(kind="tackling", the_studio=None, authors=None, **data):
    the_studio = the_studio or studio()
    content = {"kind": kind, "title": "数控车床主轴温升控制技术攻关", "achieved_on": "2026-03-15",
               "details": {"problem": "主轴温升过高"}, **data}
    chosen = authors or [m["member_id"] for m in the_studio["members"][:2]]
    return rules.new_result(content, the_studio, rules.authors_of(the_studio, chosen), NOW), the_studio


def submitted(**data):
    result, the_studio = draft(**data)
    return rules.submit(result, the_studio, TODAY, 3), the_studio


def fields_refused(result, the_studio):
    with pytest.raises(BadRequest) as refused:
        rules.submit(result, the_studio, TODAY, 3)
    return refused.value.fields


def test_a_draft_is_submitted_and_claims_its_title():
    result, _ = submitted()

    assert result["status"] == rules.SUBMITTED
    assert result["title_claim"]
    assert "patent_claim" not in result


def test_authors_are_current_members_listed_once():
    the_studio = studio()
    with pytest.raises(BadRequest) as refused:
        rules.authors_of(the_studio, ["mbr-000000000000"])
    assert "authors.0" in refused.value.fields
    first = the_studio["members"][0]["member_id"]
    with pytest.raises(BadRequest):
        rules.authors_of(the_studio, [first, first])


def test_each_kind_requires_its_own_fields_at_submission():
    result, the_studio = draft(kind="five_small", details={})
    assert "details.five_small_kind" in fields_refused(result, the_studio)
    result, the_studio = draft(kind="standard", details={"standard_number": "Q/JH 001-2026"})
    assert "details.standard_level" in fields_refused(result, the_studio)
    result, the_studio = draft(kind="training", details={})
    assert "people_trained" in fields_refused(result, the_studio)


def test_a_result_outside_the_time_window_is_refused():
    result, the_studio = draft(achieved_on="2022-01-10")
    assert "achieved_on" in fields_refused(result, the_studio)
    result, the_studio = draft(achieved_on="2026-07-01")
    assert fields_refused(result, the_studio)["achieved_on"] == ["in the future"]


def test_a_patent_needs_a_valid_number_of_its_kind_and_its_certificate():
    result, the_studio = draft(kind="invention_patent", details={}, patent_number="ZL202310123456.0")
    refused = fields_refused(result, the_studio)
    assert "patent_number" in refused and "evidence" in refused


def test_a_benefit_counts_only_with_the_financial_departments_confirmation():
    result, the_studio = draft(economic_benefit={"cost_saved": 1_200_000, "value_created": 0})
    assert "economic_benefit.confirmation" in fields_refused(result, the_studio)
    result, _ = submitted(economic_benefit={"cost_saved": 1_200_000, "confirmation": CONFIRMED})
    assert result["economic_benefit"]["cost_saved"] == 1_200_000.0


def test_an_advanced_operating_method_needs_a_year_of_use_and_no_enterprise_head_first():
    the_studio = studio()
    head = member(20, enterprise_head=True)
    the_studio["members"].append(head)
    result, _ = draft(kind="operating_method", the_studio=the_studio,
                      authors=[head["member_id"]], details={"applied_since": "2025-09-01"})
    refused = fields_refused(result, the_studio)
    assert "details.applied_since" in refused and "authors.0" in refused


def test_a_result_already_awarded_at_provincial_level_or_under_dispute_is_not_submitted():
    result, the_studio = draft(prior_award_level="provincial", ip_dispute=True)
    refused = fields_refused(result, the_studio)
    assert "prior_award_level" in refused and "ip_dispute" in refused


def test_the_review_goes_from_submission_to_verification_and_announces_it():
    result, _ = submitted()
    in_review, announced = rules.review(result, rules.START_REVIEW, "开始审核", REVIEWER, NOW)
    assert in_review["status"] == rules.UNDER_REVIEW and announced == []

    verified, announced = rules.review(in_review, rules.VERIFY, "材料齐全", REVIEWER, NOW)

    assert verified["status"] == rules.VERIFIED and verified["verified_at"] == NOW
    assert announced == [{"type": "result.verified"}]
    assert [r["action"] for r in verified["reviews"]] == ["start_review", "verify"]


def test_a_returned_result_is_edited_and_resubmitted():
    result, the_studio = submitted()
    in_review, _ = rules.review(result, rules.START_REVIEW, "开始审核", REVIEWER, NOW)
    returned, _ = rules.review(in_review, rules.RETURN, "补充财务证明", REVIEWER, NOW)

    again = rules.submit(returned, the_studio, TODAY, 3)

    assert again["status"] == rules.RESUBMITTED
    assert rules.allowed_actions(again) == ["start_review", "duplicate"]


def test_illegal_steps_are_conflicts():
    result, the_studio = submitted()
    with pytest.raises(Conflict):
        rules.review(result, rules.VERIFY, "直接通过", REVIEWER, NOW)
    with pytest.raises(Conflict):
        rules.submit(result, the_studio, TODAY, 3)
    with pytest.raises(Conflict):
        rules.edit(result, {"kind": "tackling", "title": "x", "achieved_on": "2026-01-01"}, [])


def test_a_reviewer_never_reviews_their_own_enterprise():
    result, _ = submitted()
    with pytest.raises(Forbidden):
        rules.review(result, rules.START_REVIEW, "开始审核",
                     {"subject": "r2", "enterprise": "江苏建湖机床厂"}, NOW)


def test_a_duplicate_is_rejected_with_a_pointer_and_gives_up_its_claims():
    result, _ = submitted()
    with pytest.raises(BadRequest):
        rules.review(result, rules.DUPLICATE, "重复", REVIEWER, NOW)

    rejected, _ = rules.review(result, rules.DUPLICATE, "与既有成果重复", REVIEWER, NOW,
                               duplicate_of="res-000000000001")

    assert rejected["status"] == rules.REJECTED and rejected["duplicate_of"] == "res-000000000001"
    assert "title_claim" not in rejected
