"""Applying awards and nominations to a talent: idempotent, order-proof, one honour per event."""
import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from common.vocabulary import COMPETITION_LEVELS, PRIZE_NAMES, PRIZES
from common.vocabulary import SKILL_LEVELS, level_rank
from services.talent_pool.domain.policy import DEFAULT_POLICY, policy_from
from services.talent_pool.domain.talent import (ACTIVE, ADMITTED, CANDIDATE, EXPIRED, REMOVED, UPDATED,
                                                already_applied, apply_award, apply_nomination,
                                                honour_content, honour_of, talent_id_of)
from common.testing.contracts import NOW, award, certified_only, nothing
from services.talent_pool.views import talent_view

LATER = NOW + datetime.timedelta(days=30)


def apply_all(awards, policy=DEFAULT_POLICY, talent=None):
    events = []
    for position, data in enumerate(awards):
        talent, announced = apply_award(talent, data, policy, NOW + datetime.timedelta(minutes=position))
        events.extend(announced)
    return talent, events


@st.composite
def awards(draw, competitions=("cmp-a", "cmp-b"), events=("evt-1", "evt-2"), version=None):
    prize = draw(st.sampled_from((None,) + PRIZES))
    return award(
        competition_id=draw(st.sampled_from(competitions)),
        event_id=draw(st.sampled_from(events)),
        publication_version=version if version is not None else draw(st.integers(1, 4)),
        level=draw(st.sampled_from(COMPETITION_LEVELS)),
        prize=prize, prize_name=PRIZE_NAMES.get(prize),
        titles=draw(st.sampled_from([[], ["技术能手"]])),
        rank=draw(st.integers(1, 50)),
        skill_level=draw(st.sampled_from(SKILL_LEVELS)),
        promotion_level=draw(st.sampled_from((None,) + SKILL_LEVELS)),
        certificate_level=draw(st.sampled_from((None,) + SKILL_LEVELS)),
        trade=draw(st.sampled_from(["数控车工", "电焊工"])),
        employer=draw(st.sampled_from(["江苏建湖机床厂", "建湖石油机械"])),
    )


def content(honour):
    return {k: v for k, v in honour_content(honour).items()}


# properties


@settings(max_examples=150, deadline=None)
@given(st.lists(awards(), max_size=6), awards())
def test_applying_the_same_award_twice_is_applying_it_once(history, data):
    talent, _ = apply_all(history)
    once, _ = apply_award(talent, data, DEFAULT_POLICY, NOW)
    twice, events = apply_award(once, data, DEFAULT_POLICY, LATER)
    assert twice is once and events == []
    assert already_applied(once, data)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_order_of_versions_ends_with_the_highest_versions_content(data):
    versions = data.draw(st.lists(st.integers(1, 9), min_size=1, max_size=6, unique=True))
    contents = {v: data.draw(awards(competitions=("cmp-a",), events=("evt-1",), version=v))
                for v in versions}
    order = data.draw(st.permutations(versions))
    talent, _ = apply_all([contents[v] for v in order])
    [honour] = talent["honours"]
    latest = max(versions)
    assert honour["publication_version"] == latest
    assert content(honour) == content(honour_of(contents[latest], NOW))


@settings(max_examples=150, deadline=None)
@given(st.lists(awards(competitions=("cmp-a", "cmp-b", "cmp-c")), min_size=1, max_size=10))
def test_one_honour_per_competition_and_event(history):
    talent, _ = apply_all(history)
    keys = [(h["competition_id"], h["event_id"]) for h in talent["honours"]]
    assert len(keys) == len(set(keys)) == len({(a["competition_id"], a["event_id"]) for a in history})
    assert len([s for s in talent["sources"] if s["kind"] == "competition"]) == len(keys)


@settings(max_examples=150, deadline=None)
@given(st.lists(awards(), min_size=1, max_size=6))
def test_the_skill_level_is_the_highest_of_every_level_recorded(history):
    talent, _ = apply_all(history)
    seen = [level for h in talent["honours"] for level in
            (h["skill_level_on_entry"], h["promotion_level"], h["certificate_level"]) if level]
    assert level_rank(talent["skill_level"]) == max(level_rank(level) for level in seen)


@settings(max_examples=100, deadline=None)
@given(st.lists(awards(), min_size=1, max_size=6))
def test_a_talent_is_admitted_at_most_once_by_awards_and_never_dropped(history):
    talent, events = apply_all(history)
    assert len([e for e in events if e["type"] == ADMITTED]) <= 1
    assert talent["status"] in (CANDIDATE, ACTIVE)
    if any(e["type"] == ADMITTED for e in events):
        assert talent["status"] == ACTIVE and talent["admitted_at"]


# examples


def test_a_city_prize_winner_is_admitted_with_a_review_date():
    talent, events = apply_award(None, award(), DEFAULT_POLICY, NOW, event_ref="env-1")
    assert talent["status"] == ACTIVE and talent["review_date"] == "2029-06-01"
    assert talent["skill_level"] == "技师" and talent["revision"] == 1
    assert talent["_id"] == talent_id_of(award()["person_key"]) and len(talent["_id"]) == 24
    [event] = events
    assert event["type"] == ADMITTED and event["readmission"] is False
    assert talent["history"][0]["action"] == "admitted" and talent["history"][0]["source_event"] == "env-1"


def test_a_competition_talent_shows_the_masked_id_number_of_its_latest_award():
    talent, _ = apply_award(None, award(id_number_masked="320***********123X"), DEFAULT_POLICY, NOW)
    assert talent_view(talent)["id_number"] == "320***********123X"
    # An older award without it leaves the number the talent has.
    other = award(competition_id="cmp-older", event_id="evt-older")
    talent, _ = apply_award(talent, other, DEFAULT_POLICY, NOW)
    assert talent_view(talent)["id_number"] == "320***********123X"


def test_a_county_winner_is_known_but_not_admitted():
    talent, events = apply_award(None, award(level="county"), DEFAULT_POLICY, NOW)
    assert talent["status"] == CANDIDATE and events == []
    assert talent["honours"][0]["prize"] == "first"


def test_a_certified_finalist_gets_the_certificate_recorded_without_admission():
    talent, events = apply_award(None, certified_only(), DEFAULT_POLICY, NOW)
    assert talent["status"] == CANDIDATE and events == []
    assert talent["certificates"][0]["level"] == "高级工" and talent["skill_level"] == "高级工"


def test_admit_certified_admits_certified_finalists_at_the_level_configured():
    policy = policy_from({"admit_certified": True})
    talent, events = apply_award(None, certified_only(), policy, NOW)
    assert talent["status"] == ACTIVE and "高级工 certificate" in talent["status_reason"]
    low, _ = apply_award(None, certified_only(certificate_level="中级工"), policy, NOW)
    assert low["status"] == CANDIDATE


def test_a_later_award_admits_a_candidate():
    talent, _ = apply_award(None, award(level="county"), DEFAULT_POLICY, NOW)
    talent, events = apply_award(talent, award(competition_id="cmp-2"), DEFAULT_POLICY, LATER)
    assert talent["status"] == ACTIVE and [e["type"] for e in events] == [ADMITTED]
    assert len(talent["honours"]) == 2


def test_a_correction_updates_the_honour_in_place():
    talent, _ = apply_award(None, award(), DEFAULT_POLICY, NOW)
    corrected = award(publication_version=2, prize="second", prize_name="二等奖", rank=2,
                      correction_reason="重新核分")
    talent, events = apply_award(talent, corrected, DEFAULT_POLICY, LATER)
    [honour] = talent["honours"]
    assert honour["prize"] == "second" and honour["publication_version"] == 2
    assert [e["type"] for e in events] == [UPDATED] and events[0]["action"] == "award_corrected"
    assert talent["history"][-1]["honour"]["old"]["prize"] == "first"
    assert talent["history"][-1]["reason"] == "重新核分"
    # The original arriving late changes nothing.
    late, events = apply_award(talent, award(), DEFAULT_POLICY, LATER)
    assert late is talent and events == []


def test_a_correction_that_removes_the_admitting_award_keeps_the_talent_flagged():
    talent, _ = apply_award(None, award(), DEFAULT_POLICY, NOW)
    talent, events = apply_award(talent, nothing(publication_version=2), DEFAULT_POLICY, LATER)
    assert talent["status"] == ACTIVE
    assert "removed the award" in talent["needs_review"]["reason"]
    assert "x:needs_review" in talent["search_keys"]
    assert events[0]["type"] == UPDATED and "needs_review" in events[0]["changes"]
    assert talent["honours"][0]["prize"] is None and talent["skill_level"] == "中级工"


def test_a_correction_with_another_admitting_honour_left_is_not_flagged():
    talent, _ = apply_all([award(), award(competition_id="cmp-2")])
    talent, _ = apply_award(talent, nothing(publication_version=2), DEFAULT_POLICY, LATER)
    assert talent["status"] == ACTIVE and talent["needs_review"] is None


def test_a_republication_that_leaves_the_award_as_it_was_only_moves_the_version():
    talent, _ = apply_award(None, award(), DEFAULT_POLICY, NOW)
    same, events = apply_award(talent, award(publication_version=2), DEFAULT_POLICY, LATER)
    assert events == [] and same["honours"][0]["publication_version"] == 2
    assert len(same["history"]) == 1


def test_an_expired_talent_is_readmitted_by_a_new_award_but_a_removed_one_is_not():
    talent, _ = apply_award(None, award(), DEFAULT_POLICY, NOW)
    expired = {**talent, "status": EXPIRED, "status_reason": "review lapsed"}
    again, events = apply_award(expired, award(competition_id="cmp-2"), DEFAULT_POLICY, LATER)
    assert again["status"] == ACTIVE and events[0]["type"] == ADMITTED and events[0]["readmission"]
    removed = {**talent, "status": REMOVED, "status_reason": "misconduct"}
    still, events = apply_award(removed, award(competition_id="cmp-2"), DEFAULT_POLICY, LATER)
    assert still["status"] == REMOVED and events[0]["type"] == UPDATED
    assert "curator's decision" in still["history"][-1]["reason"]


def test_the_inputs_are_never_changed():
    talent, _ = apply_award(None, award(level="county"), DEFAULT_POLICY, NOW)
    snapshot = repr(talent)
    apply_award(talent, award(competition_id="cmp-2"), DEFAULT_POLICY, LATER)
    assert repr(talent) == snapshot


def nomination(**overrides):
    return {"_id": "nom-1", "person_key": "5d41402abc4b2a76b9719d911017c592", "name": "王建国",
            "employer": "江苏建湖机床厂", "region_code": "320925", "id_number_masked": "320***********123X",
            "industry_chain": "机器人", "trade": "工业机器人系统运维员", "skill_level": "高级技师",
            "reason": "省五一劳动奖章", "nominated_by": "reviewer-0", **overrides}


def test_a_passed_nomination_admits_and_is_applied_once():
    talent, events = apply_nomination(None, nomination(), DEFAULT_POLICY, NOW, by="reviewer-3")
    assert talent["status"] == ACTIVE and talent["skill_level"] == "高级技师"
    assert events[0]["type"] == ADMITTED and events[0]["source"] == {"kind": "nomination",
                                                                      "nomination_id": "nom-1"}
    again, events = apply_nomination(talent, nomination(), DEFAULT_POLICY, LATER, by="reviewer-3")
    assert again is talent and events == []


def test_a_nomination_adds_to_a_candidates_record_and_admits_it():
    talent, _ = apply_award(None, award(level="county"), DEFAULT_POLICY, NOW)
    talent, events = apply_nomination(talent, nomination(), DEFAULT_POLICY, LATER, by="reviewer-3")
    assert talent["status"] == ACTIVE and talent["industry_chains"] == ["装备制造", "机器人"]
    assert talent["id_number_masked"] == "320***********123X"
    assert len(talent["honours"]) == 1
