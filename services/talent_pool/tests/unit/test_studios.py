"""Studio ratings, their revocation and verified results on the talent record: idempotent, the
same whatever order a studio's events arrive in, admitting by the policy as awards do."""
import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from common.testing.callers import UNIT
from common.testing.contracts import (LEAD_KEY, NOW, award, nothing, rating_revoked, result_verified,
                                      studio_rated)
from services.talent_pool.domain.policy import DEFAULT_POLICY, policy_from
from services.talent_pool.domain.status import change_status
from services.talent_pool.domain.studios import (REVOKED, apply_rating_revoked, apply_studio_rating,
                                                 apply_verified_result, studio_honour)
from services.talent_pool.domain.talent import (ACTIVE, ADMITTED, CANDIDATE, EXPIRED, REMOVED,
                                                UPDATED, admission_basis, apply_award, iso,
                                                talent_id_of)
from services.talent_pool.views import talent_view

LATER = NOW + datetime.timedelta(days=30)
NEXT_YEAR = NOW + datetime.timedelta(days=366)
STUDIO = studio_rated()["studio_id"]
AUTHOR_KEY = result_verified()["authors"][1]["person_key"]


def rated(**overrides):
    return studio_rated(**overrides)


def next_round(**overrides):
    """The studio's rating in the next yearly round."""
    return rated(**{"rating_id": "rtg-rnd-2-std-4e5f6a7b8c9d", "round_id": "rnd-2",
                    "round_name": "2027年度建湖县创新工作室星级评定", "year": 2027, "previous_stars": 4,
                    "effective_at": "2027-06-08T16:00:00.000+00:00", **overrides})


def lead_award(**overrides):
    return award(person_key=LEAD_KEY, **overrides)


def without_bookkeeping(honour):
    return {key: value for key, value in honour.items() if key != "recorded_at"}


# examples


def test_a_four_star_rating_admits_its_lead():
    talent, events = apply_studio_rating(None, rated(), DEFAULT_POLICY, NOW, event_ref="env-1")
    assert talent["_id"] == talent_id_of(LEAD_KEY) and talent["status"] == ACTIVE
    assert "王建国劳模创新工作室" in talent["status_reason"] and "4星" in talent["status_reason"]
    assert talent["review_date"] == "2029-06-01"
    assert (talent["name"], talent["employer"], talent["id_number_masked"]) == (
        "王建国", "江苏建湖机床厂", "320***********123X")
    assert talent["industry_chains"] == ["装备制造"] and talent["units"] == [UNIT]
    assert talent["studio_memberships"] == [{"studio_id": STUDIO, "studio_name": "王建国劳模创新工作室",
                                             "role": "lead"}]
    [honour] = talent["studio_honours"]
    assert (honour["stars"], honour["status"], honour["outcome"], honour["year"]) == (4, "rated", "first", 2026)
    assert honour["lead_honour"] == "劳模" and honour["round_name"].startswith("2026年度")
    assert {"h:劳模", f"u:{UNIT}", "c:装备制造", "s:active"} <= set(talent["search_keys"])
    [event] = events
    assert event["type"] == ADMITTED and event["readmission"] is False
    assert event["source"] == {"kind": "studio", "studio_id": STUDIO, "rating_id": rated()["rating_id"]}
    assert talent["history"][0]["source_event"] == "env-1" and talent["history"][0]["action"] == "admitted"


def test_the_same_rating_again_changes_nothing():
    talent, _ = apply_studio_rating(None, rated(), DEFAULT_POLICY, NOW)
    again, events = apply_studio_rating(talent, rated(), DEFAULT_POLICY, LATER)
    assert again is talent and events == []


def test_below_the_threshold_the_lead_is_a_candidate_recorded_quietly():
    talent, events = apply_studio_rating(None, rated(stars=2), DEFAULT_POLICY, NOW)
    assert talent["status"] == CANDIDATE and events == []
    assert talent["studio_honours"][0]["stars"] == 2
    strict, _ = apply_studio_rating(None, rated(), policy_from({"studio_lead_min_stars": 5}), NOW)
    assert strict["status"] == CANDIDATE
    lenient, _ = apply_studio_rating(None, rated(stars=1), policy_from({"studio_lead_min_stars": 1}), NOW)
    assert lenient["status"] == ACTIVE


def test_a_later_round_replaces_the_rating_and_an_earlier_one_arriving_late_changes_nothing():
    talent, _ = apply_studio_rating(None, rated(stars=2), DEFAULT_POLICY, NOW)
    talent, events = apply_studio_rating(talent, next_round(stars=3, outcome="raised"), DEFAULT_POLICY,
                                         NEXT_YEAR)
    [honour] = talent["studio_honours"]
    assert (honour["stars"], honour["round_id"], honour["outcome"]) == (3, "rnd-2", "raised")
    assert talent["status"] == ACTIVE and [e["type"] for e in events] == [ADMITTED]
    late, events = apply_studio_rating(talent, rated(), DEFAULT_POLICY, NEXT_YEAR)
    assert late is talent and events == []


def test_an_active_talent_rated_again_has_its_review_renewed():
    talent, _ = apply_award(None, lead_award(), DEFAULT_POLICY, NOW)
    talent, events = apply_studio_rating(talent, rated(), DEFAULT_POLICY, NEXT_YEAR)
    assert talent["review_date"] == "2030-06-02"
    [event] = events
    assert (event["type"], event["action"]) == (UPDATED, "studio_rated")
    assert "studio_memberships" in event["changes"]
    assert talent["status_reason"].startswith("一等奖")  # what admitted it


def test_an_expired_talent_is_readmitted_by_a_rating_and_a_removed_one_is_not():
    talent, _ = apply_award(None, lead_award(level="county"), DEFAULT_POLICY, NOW)
    talent, _ = apply_studio_rating(talent, rated(stars=2), DEFAULT_POLICY, NOW)
    talent, _ = apply_award(talent, lead_award(competition_id="cmp-2"), DEFAULT_POLICY, NOW)
    expired, _ = change_status(talent, EXPIRED, "复核到期", DEFAULT_POLICY, LATER, by="rev-1")
    again, events = apply_studio_rating(expired, next_round(), DEFAULT_POLICY, NEXT_YEAR)
    assert again["status"] == ACTIVE and events[0]["type"] == ADMITTED and events[0]["readmission"]

    removed, _ = change_status(talent, REMOVED, "违纪", DEFAULT_POLICY, LATER, by="rev-1")
    still, events = apply_studio_rating(removed, next_round(), DEFAULT_POLICY, NEXT_YEAR)
    assert still["status"] == REMOVED and events[0]["type"] == UPDATED
    assert "curator's decision" in still["history"][-1]["reason"]


def test_a_lowered_rating_keeps_the_talent_it_alone_admitted_flagged_for_a_curator():
    talent, _ = apply_studio_rating(None, rated(), DEFAULT_POLICY, NOW)
    lowered, events = apply_studio_rating(talent, next_round(stars=2, outcome="lowered"), DEFAULT_POLICY,
                                          NEXT_YEAR)
    assert lowered["status"] == ACTIVE and lowered["status_reason"] == talent["status_reason"]
    assert "no longer admits" in lowered["needs_review"]["reason"]
    assert "x:needs_review" in lowered["search_keys"]
    assert events[0]["type"] == UPDATED and "needs_review" in events[0]["changes"]
    # A later round that admits again clears the flag.
    raised, _ = apply_studio_rating(lowered, next_round(rating_id="rtg-3", stars=5, year=2028,
                                                        effective_at="2028-06-08T16:00:00.000+00:00"),
                                    DEFAULT_POLICY, NEXT_YEAR)
    assert raised["needs_review"] is None


def test_a_lowered_rating_with_an_admitting_award_left_is_not_flagged():
    talent, _ = apply_award(None, lead_award(), DEFAULT_POLICY, NOW)
    talent, _ = apply_studio_rating(talent, rated(), DEFAULT_POLICY, NOW)
    talent, _ = apply_studio_rating(talent, next_round(stars=1), DEFAULT_POLICY, NEXT_YEAR)
    assert talent["status"] == ACTIVE and talent["needs_review"] is None


def test_an_award_correction_is_not_flagged_while_a_studio_rating_admits():
    talent, _ = apply_award(None, lead_award(), DEFAULT_POLICY, NOW)
    talent, _ = apply_studio_rating(talent, rated(), DEFAULT_POLICY, NOW)
    talent, _ = apply_award(talent, nothing(person_key=LEAD_KEY, publication_version=2), DEFAULT_POLICY,
                            LATER)
    assert talent["needs_review"] is None and len(admission_basis(talent, DEFAULT_POLICY)) == 1


def test_a_revocation_of_the_only_admitting_rating_flags_the_talent_once():
    talent, _ = apply_studio_rating(None, rated(), DEFAULT_POLICY, NOW)
    revoked, events = apply_rating_revoked(talent, rating_revoked(), DEFAULT_POLICY, LATER,
                                           event_ref="env-2")
    honour = studio_honour(revoked, STUDIO)
    assert (honour["status"], honour["revocation_kind"], honour["revocation_reason"]) == (
        REVOKED, "ordered", "安全生产事故")
    assert honour["round_id"] == "rnd-1a2b3c4d5e6f" and honour["stars"] == 4
    assert revoked["status"] == ACTIVE and revoked["status_reason"] == talent["status_reason"]
    assert "was revoked" in revoked["needs_review"]["reason"]
    [event] = events
    assert (event["type"], event["action"]) == (UPDATED, "studio_rating_revoked")
    assert "责令摘牌" in event["reason"] and revoked["history"][-1]["source_event"] == "env-2"
    assert admission_basis(revoked, DEFAULT_POLICY) == []
    again, events = apply_rating_revoked(revoked, rating_revoked(), DEFAULT_POLICY, LATER)
    assert again is revoked and events == []


def test_a_revocation_before_its_rating_keeps_the_stars_off():
    talent, events = apply_rating_revoked(None, rating_revoked(), DEFAULT_POLICY, NOW)
    assert talent["status"] == CANDIDATE and events == []
    assert studio_honour(talent, STUDIO)["status"] == REVOKED
    assert studio_honour(talent, STUDIO)["round_id"] is None
    late, events = apply_studio_rating(talent, rated(), DEFAULT_POLICY, LATER)
    honour = studio_honour(late, STUDIO)
    assert late["status"] == CANDIDATE and events == []
    assert (honour["status"], honour["round_id"], honour["stars"]) == (REVOKED, "rnd-1a2b3c4d5e6f", 4)
    again, events = apply_studio_rating(late, rated(), DEFAULT_POLICY, LATER)
    assert again is late and events == []


def test_a_revocation_of_a_rating_a_later_round_replaced_changes_nothing():
    talent, _ = apply_studio_rating(None, rated(), DEFAULT_POLICY, NOW)
    talent, _ = apply_studio_rating(talent, next_round(), DEFAULT_POLICY, NEXT_YEAR)
    stale, events = apply_rating_revoked(talent, rating_revoked(revoked_at="2026-09-01T02:00:00.000+00:00"),
                                         DEFAULT_POLICY, NEXT_YEAR)
    assert stale is talent and events == []
    # A revocation of a rating never seen, after the one the talent holds, takes the stars off.
    later = rating_revoked(rating_id="rtg-unseen", revoked_at="2028-01-01T00:00:00.000+00:00")
    taken, _ = apply_rating_revoked(talent, later, DEFAULT_POLICY, NEXT_YEAR)
    assert studio_honour(taken, STUDIO)["status"] == REVOKED and taken["needs_review"]


def test_a_verified_result_is_recorded_on_each_author_once():
    result = result_verified()
    lead, events = apply_studio_rating(None, rated(), DEFAULT_POLICY, NOW)
    lead, events = apply_verified_result(lead, result, result["authors"][0], LATER, event_ref="env-3")
    [entry] = lead["innovation_results"]
    assert (entry["result_id"], entry["kind_name"], entry["author_position"]) == ("res-0f1e2d3c4b5a",
                                                                                  "技术攻关", 1)
    assert entry["economic_benefit"] == {"cost_saved": 1200000.0, "value_created": 300000.0,
                                         "confirmed": True}
    assert (entry["studio_id"], entry["patent_number"], entry["people_trained"]) == (STUDIO, None, 0)
    [event] = events
    assert (event["type"], event["action"]) == (UPDATED, "result_recorded")
    assert event["source"] == {"kind": "studio", "studio_id": STUDIO, "result_id": "res-0f1e2d3c4b5a"}
    assert lead["studio_memberships"][0]["role"] == "lead"
    again, events = apply_verified_result(lead, result, result["authors"][0], LATER)
    assert again is lead and events == []

    member, events = apply_verified_result(None, result, result["authors"][1], LATER)
    assert member["_id"] == talent_id_of(AUTHOR_KEY) and member["status"] == CANDIDATE and events == []
    assert (member["name"], member["employer"], member["region_code"]) == ("李红梅", "江苏建湖机床厂", "320925")
    assert member["id_number_masked"] == "320***********2021"
    assert member["innovation_results"][0]["author_position"] == 2
    assert member["studio_memberships"] == [{"studio_id": STUDIO, "studio_name": "王建国劳模创新工作室",
                                             "role": "member"}]
    assert member["units"] == [UNIT] and member["industry_chains"] == ["装备制造"]


def test_a_result_keeps_the_employer_and_region_a_talent_already_has():
    talent, _ = apply_award(None, award(person_key=AUTHOR_KEY, employer="建湖石油机械", region_code="320981"),
                            DEFAULT_POLICY, NOW)
    result = result_verified()
    talent, _ = apply_verified_result(talent, result, result["authors"][1], LATER)
    assert (talent["employer"], talent["region_code"]) == ("建湖石油机械", "320981")
    assert talent["name"] == "李红梅"


def test_the_view_shows_studio_honours_results_and_memberships():
    result = result_verified()
    talent, _ = apply_studio_rating(None, rated(), DEFAULT_POLICY, NOW)
    talent, _ = apply_verified_result(talent, result, result["authors"][0], LATER)
    view = talent_view(talent)
    assert view["studio_honours"][0]["stars"] == 4
    assert view["innovation_results"][0]["title"] == result["title"]
    assert view["studio_memberships"][0]["role"] == "lead"


def test_a_talent_stored_before_studios_gains_them_without_spurious_changes():
    talent, _ = apply_award(None, lead_award(), DEFAULT_POLICY, NOW)
    for key in ("studio_honours", "innovation_results", "studio_memberships"):
        del talent[key]
    corrected, events = apply_award(talent, lead_award(publication_version=2, rank=2, prize="second",
                                                       prize_name="二等奖"), DEFAULT_POLICY, LATER)
    assert events[0]["changes"] == [] and corrected["studio_memberships"] == []
    assert talent_view(talent)["studio_honours"] == []
    rated_now, _ = apply_studio_rating(talent, rated(), DEFAULT_POLICY, LATER)
    assert len(rated_now["studio_honours"]) == 1


def test_the_inputs_are_never_changed():
    talent, _ = apply_studio_rating(None, rated(stars=2), DEFAULT_POLICY, NOW)
    snapshot = repr(talent)
    result = result_verified()
    apply_studio_rating(talent, next_round(), DEFAULT_POLICY, LATER)
    apply_rating_revoked(talent, rating_revoked(), DEFAULT_POLICY, LATER)
    apply_verified_result(talent, result, result["authors"][0], LATER)
    assert repr(talent) == snapshot


# properties: a studio's events in any order

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


@st.composite
def studio_timeline(draw, studio_id):
    """A studio's events as they happen: yearly ratings, some revoked before the next one."""
    events, when = [], START
    for n in range(draw(st.integers(1, 4))):
        when += datetime.timedelta(days=draw(st.integers(1, 400)))
        stars = draw(st.integers(0, 5))
        rating_id = f"rtg-{n}-{studio_id}"
        events.append(rated(studio_id=studio_id, rating_id=rating_id, round_id=f"rnd-{n}", stars=stars,
                            year=when.year, effective_at=iso(when)))
        if draw(st.booleans()):
            when += datetime.timedelta(days=draw(st.integers(1, 200)))
            events.append(rating_revoked(studio_id=studio_id, rating_id=rating_id, stars_before=stars,
                                         kind=draw(st.sampled_from(["ordered", "automatic", "natural"])),
                                         revoked_at=iso(when)))
    return events


def apply_event(talent, event, position=0):
    when = NOW + datetime.timedelta(minutes=position)
    apply = apply_rating_revoked if "revoked_at" in event else apply_studio_rating
    return apply(talent, event, DEFAULT_POLICY, when)


def apply_in_order(events):
    talent, announced = None, []
    for position, event in enumerate(events):
        talent, changes = apply_event(talent, event, position)
        announced.extend(changes)
    return talent, announced


timelines = st.tuples(studio_timeline("std-a"), studio_timeline("std-b")).map(lambda pair: pair[0] + pair[1])


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_order_of_a_studios_events_leaves_the_same_studio_honours(data):
    events = data.draw(timelines)
    in_time, _ = apply_in_order(sorted(events, key=lambda e: e.get("revoked_at") or e["effective_at"]))
    shuffled, _ = apply_in_order(data.draw(st.permutations(events)))
    assert ([without_bookkeeping(h) for h in shuffled["studio_honours"]]
            == [without_bookkeeping(h) for h in in_time["studio_honours"]])
    assert admission_basis(shuffled, DEFAULT_POLICY) == admission_basis(in_time, DEFAULT_POLICY)
    assert shuffled["studio_memberships"] == in_time["studio_memberships"]


@settings(max_examples=150, deadline=None)
@given(timelines, st.data())
def test_any_studio_event_applied_again_changes_nothing(events, data):
    talent, _ = apply_in_order(data.draw(st.permutations(events)))
    again, changes = apply_event(talent, data.draw(st.sampled_from(events)))
    assert again is talent and changes == []


@settings(max_examples=100, deadline=None)
@given(timelines, st.data())
def test_studio_events_admit_at_most_once_and_never_drop_a_talent(events, data):
    talent, announced = apply_in_order(data.draw(st.permutations(events)))
    admissions = [e for e in announced if e["type"] == ADMITTED]
    assert len(admissions) <= 1 and talent["status"] in (CANDIDATE, ACTIVE)
    if talent["status"] == ACTIVE and not admission_basis(talent, DEFAULT_POLICY):
        assert talent["needs_review"]  # kept, for a curator to decide
    if talent["status"] == CANDIDATE:
        assert admissions == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["res-1", "res-2", "res-3"]), min_size=1, max_size=8))
def test_results_are_recorded_once_each_in_any_order(result_ids):
    talent = None
    for result_id in result_ids:
        result = result_verified(result_id=result_id)
        talent, _ = apply_verified_result(talent, result, result["authors"][1], NOW)
    assert [r["result_id"] for r in talent["innovation_results"]] == sorted(set(result_ids))
