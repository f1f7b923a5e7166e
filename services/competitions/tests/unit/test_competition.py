"""The changes organisers and officials make to a competition, as pure functions: each returns the
new competition and leaves the one it was given as it was."""
import copy

import pytest

from common.errors import BadRequest, Conflict, NotFound
from common.testing import callers, factories
from services.competitions.domain import competition as rules
from services.competitions.domain import lifecycle

NOW = "2026-06-01T08:00:00.000+00:00"


def draft():
    return rules.new_competition(factories.competition_payload(), "jianhu-union", "org-1", NOW)


def in_status(status, **more):
    return {**draft(), "status": status, **more}


def test_a_new_competition_is_a_draft_with_its_events_checked():
    competition = draft()

    assert competition["status"] == lifecycle.DRAFT and competition["revision"] == 1
    [event] = competition["events"]
    assert event["skill_level"] == "高级工" and event["judges"] == []
    bad = factories.competition_payload()
    bad["events"][0]["judging"] = {"drop_extremes_from": 5, "max_spread": 9}
    with pytest.raises(BadRequest):
        rules.new_competition(bad, "jianhu-union", "org-1", NOW)


def test_changes_return_a_new_competition_and_leave_the_old_one_alone():
    competition = draft()
    before = copy.deepcopy(competition)
    eid = competition["events"][0]["id"]

    rules.add_event(competition, {"trade": "电焊工"})
    rules.update_event(competition, eid, {"name": "数控车工（高级）"})
    rules.set_officials(competition, {"chief_judge": "chief-1"})
    rules.assign_judge(competition, eid, {"judge_id": "j1", "name": "裁判", "enterprise": "评审中心"})
    rules.take_action(competition, lifecycle.OPEN_REGISTRATION)

    assert competition == before


def test_events_are_added_in_draft_only_and_their_rules_fixed_once_marking_starts():
    changed, event = rules.add_event(draft(), {"trade": "电焊工"})
    assert [e["trade"] for e in changed["events"]] == ["数控车工", "电焊工"] and event["name"] == "电焊工"
    with pytest.raises(Conflict):
        rules.add_event(in_status(lifecycle.REGISTRATION_OPEN), {"trade": "电焊工"})
    marking = in_status(lifecycle.MARKING)
    with pytest.raises(Conflict):
        rules.update_event(marking, marking["events"][0]["id"], {"name": "x"})
    with pytest.raises(NotFound):
        rules.update_event(draft(), "evt-none", {"name": "x"})


def test_a_judge_is_assigned_once_and_not_after_sign_off():
    competition = draft()
    eid = competition["events"][0]["id"]
    judge = {"judge_id": "j1", "name": "裁判", "enterprise": "评审中心"}
    assigned = rules.assign_judge(competition, eid, judge)

    assert assigned["events"][0]["judges"] == [judge]
    with pytest.raises(Conflict):
        rules.assign_judge(assigned, eid, judge)
    with pytest.raises(Conflict):
        rules.assign_judge(in_status(lifecycle.SIGNED_OFF), eid, judge)


def test_both_officials_sign_then_reopening_needs_fresh_signatures():
    marking = in_status(lifecycle.MARKING, officials={"chief_judge": "chief-1", "supervisor": "super-1"})
    once = rules.sign_off(marking, rules.official_role(marking, "chief-1"), "chief-1", NOW)
    assert once["status"] == lifecycle.MARKING
    with pytest.raises(Conflict):
        rules.sign_off(once, "chief_judge", "chief-1", NOW)
    twice = rules.sign_off(once, rules.official_role(once, "super-1"), "super-1", NOW)
    assert twice["status"] == lifecycle.SIGNED_OFF and set(twice["sign_offs"]) == set(rules.OFFICIALS)

    reopened = rules.take_action(twice, lifecycle.REOPEN_MARKING)
    assert reopened["status"] == lifecycle.MARKING and reopened["sign_offs"] == {}


def test_each_publication_is_the_next_version_and_a_correction_waits_for_the_last_one():
    published = rules.publish(in_status(lifecycle.SIGNED_OFF), NOW, "req-1")
    assert (published["status"], published["publication"]["version"], published["fanout_pending"]) == (
        lifecycle.PUBLISHED, 1, 1)
    with pytest.raises(Conflict):
        rules.publish(published, NOW, "req-2", "marks corrected")  # still being announced
    done = {**published, "fanout_pending": None}
    corrected = rules.publish(done, NOW, "req-2", "marks corrected")
    assert corrected["publication"]["version"] == 2
    assert corrected["publication"]["correction_reason"] == "marks corrected"
    with pytest.raises(Conflict):
        rules.publish(draft(), NOW, "req-3")


def test_the_history_line_says_who_did_what_and_when():
    line = rules.record(callers.organiser(), "publish", NOW, reason="ok")

    assert line == {"at": NOW, "by": "org-1", "role": "organizer", "action": "publish", "reason": "ok"}
