"""Curators' explicit status changes."""
import datetime

import pytest

from common.errors import Conflict
from common.testing.contracts import NOW, award
from services.talent_pool.domain.policy import DEFAULT_POLICY
from services.talent_pool.domain.status import change_status
from services.talent_pool.domain.talent import UPDATED, apply_award

LATER = NOW + datetime.timedelta(days=400)


def active():
    return apply_award(None, award(), DEFAULT_POLICY, NOW)[0]


def test_expire_then_reactivate_with_reasons_and_a_new_review_period():
    talent, events = change_status(active(), "expired", "三年复核未通过", DEFAULT_POLICY, NOW, by="rev-1")
    assert talent["status"] == "expired" and talent["status_reason"] == "三年复核未通过"
    assert events == [{"type": UPDATED, "action": "status_changed", "reason": "三年复核未通过",
                       "source": {"kind": "curator", "by": "rev-1"}, "previous_status": "active",
                       "changes": ["status", "status_reason"]}]
    talent, _ = change_status(talent, "active", "复核通过", DEFAULT_POLICY, LATER, by="rev-2")
    assert talent["status"] == "active" and talent["review_date"] == "2030-07-06"
    assert [h["action"] for h in talent["history"]] == ["admitted", "expired", "reactivated"]
    assert talent["history"][-1]["by"] == "rev-2"


@pytest.mark.parametrize("start, target", [
    ("active", "active"), ("candidate", "active"), ("candidate", "expired"), ("removed", "expired"),
    ("expired", "expired"), ("active", "candidate")])
def test_illegal_changes_are_refused(start, target):
    talent = {**active(), "status": start}
    if start == "candidate":
        talent["admitted_at"] = None
    with pytest.raises(Conflict):
        change_status(talent, target, "why", DEFAULT_POLICY, NOW, by="rev-1")


def test_a_removed_candidate_cannot_be_reactivated():
    candidate = apply_award(None, award(level="county"), DEFAULT_POLICY, NOW)[0]
    removed, events = change_status(candidate, "removed", "身份存疑", DEFAULT_POLICY, NOW, by="rev-1")
    assert removed["status"] == "removed" and events == []  # never in the pool: nothing to announce
    with pytest.raises(Conflict, match="never admitted"):
        change_status(removed, "active", "误删", DEFAULT_POLICY, NOW, by="rev-1")


def test_a_status_change_clears_the_review_flag():
    talent = {**active(), "needs_review": {"reason": "x", "since": "2026"}}
    talent, _ = change_status(talent, "removed", "获奖被撤销", DEFAULT_POLICY, NOW, by="rev-1")
    assert talent["needs_review"] is None and "x:needs_review" not in talent["search_keys"]
    assert "s:removed" in talent["search_keys"]
