"""The nomination's review: 资格审查 -> 专家初评 -> 综合复审, by different reviewers."""
import pytest

from common.errors import Conflict, Forbidden
from services.talent_pool.domain.nomination import (ADMITTED, IN_REVIEW, REJECTED, STAGES, open_nomination,
                                                    review)
from common.testing.contracts import NOW


def nomination():
    return open_nomination({"person_key": "k", "name": "李娜", "reason": "技能大师"}, "rev-0", NOW, "nom-1")


def test_three_passes_by_three_reviewers_admit():
    current = nomination()
    assert (current["status"], current["stage"]) == (IN_REVIEW, "qualification_review")
    for position, stage in enumerate(STAGES, start=1):
        current = review(current, "pass", f"ok {stage}", f"rev-{position}", NOW, stage=stage)
    assert current["status"] == ADMITTED and current["stage"] is None
    assert [r["stage_name"] for r in current["reviews"]] == ["资格审查", "专家初评", "综合复审"]
    assert current["revision"] == 4


def test_a_rejection_closes_the_nomination():
    current = review(nomination(), "pass", "ok", "rev-1", NOW)
    current = review(current, "reject", "成果不足", "rev-2", NOW)
    assert current["status"] == REJECTED and current["reviews"][-1]["comment"] == "成果不足"
    with pytest.raises(Conflict, match="closed"):
        review(current, "pass", "再看看", "rev-3", NOW)


def test_a_stage_out_of_order_is_refused():
    with pytest.raises(Conflict, match="qualification_review"):
        review(nomination(), "pass", "ok", "rev-1", NOW, stage="expert_review")


def test_reviews_are_independent():
    with pytest.raises(Forbidden):
        review(nomination(), "pass", "ok", "rev-0", NOW)  # the nominator
    current = review(nomination(), "pass", "ok", "rev-1", NOW)
    with pytest.raises(Forbidden):
        review(current, "pass", "ok", "rev-1", NOW)  # a second stage by the same person


def test_reviewing_never_changes_the_nomination_given():
    original = nomination()
    review(original, "pass", "ok", "rev-1", NOW)
    assert original["reviews"] == [] and original["stage"] == "qualification_review"
