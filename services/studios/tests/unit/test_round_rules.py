"""The rules of a rating round, called directly: its notice, objections, effect and claims."""
import pytest

from common.errors import BadRequest, Conflict
from services.studios.domain import rounds as rules
from services.studios.domain.rubric import DEFAULT_RUBRIC, DEFAULT_THRESHOLDS, rubric_from

OPENED = "2026-06-01T00:00:00.000+00:00"
DURING = "2026-06-03T00:00:00.000+00:00"
AFTER = "2026-06-09T00:00:00.000+00:00"
STUDIO = {"_id": "std-1", "name": "王建国劳模创新工作室", "unit": "u", "enterprise": "机床厂"}
COMPUTED = {"points": 84.5, "stars": 4, "complete": True, "missing_panel": [], "categories": [],
            "items": []}


def a_round(**data):
    return rules.new_round({"name": "2026年度评定", "unit": "u", "year": 2026,
                            "period": {"from": "2025-06-01", "to": "2026-05-31"}, **data},
                           ["std-1"], rubric_from(DEFAULT_RUBRIC), DEFAULT_THRESHOLDS, OPENED)


def in_notice():
    round_ = a_round()
    rating = rules.propose(round_, rules.new_rating(round_, STUDIO), COMPUTED, "first", None)
    return rules.open_notice(round_, [rating], OPENED), rating


def test_a_round_keeps_its_thresholds_as_documents_hold_them():
    round_ = a_round()
    assert set(round_["thresholds"]) == {"1", "2", "3", "4", "5"}
    assert rules.thresholds_of(round_) == {5: 90, 4: 80, 3: 70, 2: 60, 1: 50}


def test_the_notice_opens_only_once_every_studio_is_proposed_and_closes_when_said():
    round_ = a_round()
    with pytest.raises(Conflict):
        rules.open_notice(round_, [], OPENED)
    noticed, _ = in_notice()
    assert noticed["notice"]["closes_at"] == "2026-06-08T00:00:00.000+00:00"
    rating = rules.propose(round_, rules.new_rating(round_, STUDIO), COMPUTED, "first", None)
    for wrong in ("2026-05-31T00:00:00+00:00", "2026-08-01T00:00:00+00:00", "2026-06-02T00:00:00",
                  "next week"):
        with pytest.raises(BadRequest):
            rules.open_notice(round_, [rating], OPENED, wrong)


def test_panel_scores_are_bounded_by_their_item_and_fixed_once_the_notice_is_open():
    round_ = a_round()
    rating = rules.new_rating(round_, STUDIO)
    with pytest.raises(BadRequest):
        rules.record_panel_scores(round_, rating, "patents", [{"expert": "a", "score": 5}])
    with pytest.raises(BadRequest):
        rules.record_panel_scores(round_, rating, "site_visit", [{"expert": "a", "score": 11}])
    with pytest.raises(BadRequest):
        rules.record_panel_scores(round_, rating, "site_visit",
                                  [{"expert": "a", "score": 5}, {"expert": "a", "score": 6}])
    noticed, _ = in_notice()
    with pytest.raises(Conflict):
        rules.record_panel_scores(noticed, rating, "site_visit", [{"expert": "a", "score": 5}])


def test_objections_are_filed_during_the_notice_and_hold_the_rating_until_answered():
    noticed, rating = in_notice()
    objected, objection = rules.file_objection(noticed, rating, {"subject": "org-1"}, "存疑", DURING)
    with pytest.raises(Conflict):
        rules.file_objection(noticed, rating, {"subject": "org-1"}, "迟到", AFTER)

    assert not rules.is_due(noticed, objected, AFTER)
    answered = rules.answer_objection(objected, objection["objection_id"], rules.DISMISSED, "经核实",
                                      "reviewer-1", AFTER)
    assert rules.is_due(noticed, answered, AFTER) and not rules.is_due(noticed, answered, DURING)
    with pytest.raises(Conflict):
        rules.answer_objection(answered, objection["objection_id"], rules.UPHELD, "再议", "r", AFTER)


def test_an_upheld_objection_withdraws_the_proposal():
    noticed, rating = in_notice()
    objected, objection = rules.file_objection(noticed, rating, {"subject": "org-1"}, "存疑", DURING)
    upheld = rules.answer_objection(objected, objection["objection_id"], rules.UPHELD, "属实", "r", AFTER)
    assert upheld["status"] == rules.WITHDRAWN and not rules.is_due(noticed, upheld, AFTER)


def test_a_claim_excludes_other_holders_until_its_lease_ends():
    noticed, _ = in_notice()
    held = rules.claim(noticed, "a", AFTER, 300)
    assert rules.claim(held, "b", AFTER, 300) is None
    assert rules.claim(held, "a", AFTER, 300)["effect_claim"]["by"] == "a"
    assert rules.claim(held, "b", "2026-06-09T00:05:01.000+00:00", 300)["effect_claim"]["by"] == "b"


def test_a_round_closes_once_every_rating_is_settled():
    noticed, rating = in_notice()
    assert rules.closed(noticed, [rating]) is None
    effective, record = rules.in_effect(noticed, rating, AFTER)
    assert record["stars"] == 4 and record["rating_id"] == rating["_id"]
    assert rules.closed(noticed, [effective])["status"] == rules.CLOSED
