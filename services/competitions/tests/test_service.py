"""The competitions service in a real container on the real broker: a whole competition through
its RPC entrypoints, with the events it publishes received by a real consumer."""
import datetime
import os
import time

import pytest
from nameko.testing.services import entrypoint_hook

from common import clock
from common.errors import BadRequest, Conflict, Forbidden, NotFound
from common.outbox import envelope_of
from common.personal_id import PersonalDataProtector
from common.storage import Store, open_database
from common.testing import callers, factories
from common.testing.events import event_recorder
from common.testing.personal_data import assert_cannot_rebuild
from common.testing.waiting import wait_until
from services.competitions import results
from services.competitions.events import CONTRACTS
from services.competitions.repository import CompetitionRepository
from services.competitions.service import CompetitionsService

# Stands in for the talent pool and notifications: records what competitions announces.
AwardListener = event_recorder("competitions", "competition.results_published",
                               "competition.contestant_awarded", name="award_listener")
RECEIVED = AwardListener.received
SHEET_METHODS = ("preview_entry_sheet", "import_entry_sheet")


@pytest.fixture
def competitions(container_factory, service_config):
    RECEIVED.clear()
    container = container_factory(CompetitionsService, service_config)
    container.start()
    protector = PersonalDataProtector(service_config["PERSONAL_DATA_SECRET"])

    def call(method, caller, *args, context_data=None, seal=True, **kwargs):
        if method == "register_entry" and seal:  # as the gateway sends it: the ID number sealed
            *args, payload = args
            args = (*args, protector.sealed(payload))
        if method in SHEET_METHODS and seal:  # every row's ID number sealed
            *args, workers = args
            args = (*args, {"workers": [protector.sealed(w) if "id_number" in w else w for w in workers]})
        with entrypoint_hook(container, method, context_data=context_data) as hook:
            return hook(caller.to_dict() if caller else None, *args, **kwargs)

    call.container = container
    return call


def open_registration(call, eligibility=None):
    """A competition of factories.competition_payload() open for registration, its event under
    ``eligibility``; returns (competition id, event id)."""
    payload = factories.competition_payload()
    if eligibility:
        payload["events"][0]["eligibility"] = eligibility
    competition = call("create_competition", callers.organiser(), payload)
    cid = competition["id"]
    call("change_status", callers.organiser(), cid, {"action": "open_registration"})
    return cid, competition["events"][0]["id"]


def run_to_marking(call, workers=3, payload=None):
    """A competition (of ``payload``, default factories.competition_payload()) with ``workers``
    approved entries and five judges in each of its events, marking; returns (competition id,
    the first event's id)."""
    organiser = callers.organiser()
    competition = call("create_competition", organiser, payload or factories.competition_payload())
    cid = competition["id"]
    call("set_officials", organiser, cid, {"chief_judge": "chief-1", "supervisor": "super-1"})
    call("change_status", organiser, cid, {"action": "open_registration"})
    for event in competition["events"]:
        eid = event["id"]
        entries = [call("register_entry", organiser, cid, eid,
                        factories.worker(employer=f"企业{i}", trade=event["trade"]))
                   for i in range(workers)]
        for entry in entries:
            call("decide_entry", organiser, cid, eid, entry["id"], {"decision": "approve"})
        for n in range(1, 6):
            call("assign_judge", organiser, cid, eid, {"judge_id": f"judge-{n}", "name": f"裁判{n}",
                                                      "enterprise": "评审中心"})
    call("change_status", organiser, cid, {"action": "close_registration"})
    call("change_status", organiser, cid, {"action": "start_marking"})
    return cid, competition["events"][0]["id"]


def mark_everything(call, cid, eid, level_of=lambda position: 3 - position):
    sheet = call("marking_sheet", callers.judge("judge-1"), cid, eid)
    for position, row in enumerate(sheet["entries"]):
        code = row["entry_code"]
        call("submit_mark", callers.judge("judge-1"), cid, eid,
             {"entry_code": code, "aspect_id": "T1.1", "value": 90 - position})
        call("submit_mark", callers.judge("judge-1"), cid, eid,
             {"entry_code": code, "aspect_id": "A1.1", "value": 25.01})
        for n in range(1, 6):
            for aspect in ("A2.1", "A2.2"):
                call("submit_mark", callers.judge(f"judge-{n}"), cid, eid,
                     {"entry_code": code, "aspect_id": aspect, "value": max(0, level_of(position))})
    return [row["entry_code"] for row in sheet["entries"]]


def test_a_whole_competition_ends_in_announced_results(competitions, container_factory,
                                                       service_config):
    call = competitions
    listener = container_factory(AwardListener, service_config)
    listener.start()
    cid, eid = run_to_marking(call)
    codes = mark_everything(call, cid, eid)

    live = call("live_ranking", callers.chief_judge(), cid, eid)
    assert [row["rank"] for row in live["ranking"]] == [1, 2, 3]
    assert live["revealed"] is False and "name" not in live["ranking"][0]
    with pytest.raises(NotFound):
        call("published_results", None, cid)

    call("sign_off", callers.chief_judge(), cid)
    with pytest.raises(Conflict):
        call("publish", callers.organiser(), cid)  # the supervisor has not signed yet
    assert call("sign_off", callers.supervisor(), cid)["status"] == "signed_off"

    call("publish", callers.organiser(), cid, context_data={"correlation_id": "req-42"})
    # Two queues, consumed concurrently: the four events arrive in any order.
    wait_until(lambda: len(RECEIVED) >= 4, timeout=10, message="the announcements")

    published = [e for e in RECEIVED if e["event_type"] == "competition.results_published"]
    awarded = sorted((e for e in RECEIVED if e["event_type"] == "competition.contestant_awarded"),
                     key=lambda e: e["data"]["rank"])
    assert len(published) == 1 and published[0]["data"]["events"][0]["finalists"] == 3
    assert [(e["data"]["rank"], e["data"]["prize"], e["data"]["certificate_level"]) for e in awarded] == [
        (1, "first", "高级工"), (2, "second", "高级工"), (3, None, "高级工")]
    assert awarded[0]["data"]["titles"] == ["技术能手"]
    assert all("id_number" not in e["data"] for e in awarded)
    assert all(e["data"]["id_number_masked"].count("*") == 11 for e in awarded)
    assert {e["correlation_id"] for e in RECEIVED} == {"req-42"}  # the request that published
    public = call("published_results", None, cid)["events"][0]["results"]
    assert [r["code"] for r in public] == codes

    call("correct_results", callers.organiser(), cid, {
        "reason": "复议：漏计一题", "event_id": eid,
        "marks": [{"entry_code": codes[2], "aspect_id": "T1.1", "judge_id": "judge-1", "value": 99}]})
    wait_until(lambda: len(RECEIVED) >= 8, timeout=10, message="the announcements")
    corrections = [e for e in RECEIVED if e["data"]["publication_version"] == 2]
    assert len(corrections) == 4 and all(e["data"]["correction"] for e in corrections)
    for event in RECEIVED:  # built to fit its contract, field for field
        assert CONTRACTS[event["event_type"]]().load(event["data"]) == event["data"]


def test_marks_outside_an_aspects_range_are_refused(competitions):
    call = competitions
    cid, eid = run_to_marking(call, workers=1)
    [row] = call("marking_sheet", callers.judge("judge-1"), cid, eid)["entries"]
    with pytest.raises(BadRequest) as error:
        call("submit_mark", callers.judge("judge-1"), cid, eid,
             {"entry_code": row["entry_code"], "aspect_id": "A2.1", "value": 4})
    assert "value" in error.value.fields
    assert call("marking_sheet", callers.judge("judge-1"), cid, eid)["entries"][0]["marks"] == {}


def test_a_judge_never_marks_their_own_enterprise(competitions):
    call = competitions
    organiser = callers.organiser()
    competition = call("create_competition", organiser, factories.competition_payload())
    cid, eid = competition["id"], competition["events"][0]["id"]
    call("change_status", organiser, cid, {"action": "open_registration"})
    entry = call("register_entry", organiser, cid, eid, factories.worker(employer="江苏建湖机床厂"))
    call("decide_entry", organiser, cid, eid, entry["id"], {"decision": "approve"})
    call("assign_judge", organiser, cid, eid, {"judge_id": "judge-x", "name": "x",
                                              "enterprise": "江苏建湖机床厂"})
    call("change_status", organiser, cid, {"action": "close_registration"})
    call("change_status", organiser, cid, {"action": "start_marking"})

    assert call("marking_sheet", callers.judge("judge-x"), cid, eid)["entries"] == []
    code = call("marking_sheet", callers.judge("judge-x"), cid, eid)
    assert code["entries"] == []


def test_unassigned_judges_and_other_units_are_kept_out(competitions):
    call = competitions
    cid, eid = run_to_marking(call, workers=1)
    # Not assigned to any of its events, the judge may not even learn the competition exists.
    with pytest.raises(NotFound):
        call("marking_sheet", callers.judge("judge-99"), cid, eid)
    with pytest.raises(Forbidden):
        call("marking_sheet", callers.organiser(), cid, eid)  # sees it, but does not judge
    with pytest.raises(NotFound):
        call("get_competition", callers.organiser(unit="other-union"), cid)


def test_an_announcement_cut_short_by_a_crash_is_finished_once(competitions, service_config):
    """The process dies after the publication write, part-way through the awards' own writes."""
    call = competitions
    cid, eid = run_to_marking(call)
    mark_everything(call, cid, eid)
    call("sign_off", callers.chief_judge(), cid)
    call("sign_off", callers.supervisor(), cid)
    call.container.stop()
    repository = CompetitionRepository(open_database(service_config, "competitions"))
    announce = repository.announce_result
    announced = []

    def dies_after_the_first(*args):
        if announced:
            raise SystemExit("killed")
        announced.append(args)
        announce(*args)

    repository.announce_result = dies_after_the_first
    with pytest.raises(SystemExit):
        results.publish(repository, callers.organiser(), cid)

    competition = repository.competitions.find_one({"_id": cid})
    assert competition["status"] == "published" and competition["fanout_pending"] == 1
    assert len(competition["outbox"]) == 1  # results_published went with the publication write

    repository.announce_result = announce
    results.resume_announcements(repository)
    results.resume_announcements(repository)  # a second pass finds nothing left to do

    awards = [envelope_of(entry) for result in repository.results.find({"competition_id": cid})
              for entry in result.get("outbox", [])]
    assert len(awards) == 3 and len({a["data"]["entry_id"] for a in awards}) == 3
    assert "fanout_pending" not in repository.competitions.find_one({"_id": cid})


@pytest.fixture
def server_zone_off_beijing():
    """Run the test with the process's local zone on another date than Beijing's; yields +1 when
    the local date is ahead of Beijing's, -1 when it is behind."""
    beijing_hour = clock.utc_datetime().astimezone(clock.BEIJING).hour
    # UTC-12 is a day behind Beijing until 20:00 there, UTC+14 a day ahead from 18:00 (POSIX
    # zone strings count hours west of UTC). An hour of margin either way.
    zone, ahead = ("WEST+12", -1) if beijing_hour < 19 else ("EAST-14", 1)
    previous = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        assert datetime.date.today() - clock.beijing_today() == datetime.timedelta(days=ahead)
        yield ahead
    finally:
        if previous is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = previous
        time.tzset()


def test_an_age_limit_counts_on_beijings_date_not_the_servers(competitions, server_zone_off_beijing):
    call = competitions
    organiser = callers.organiser()
    cid, eid = open_registration(call, {"max_age": 35})
    today = clock.beijing_today()
    if server_zone_off_beijing < 0:
        # 36 today in Beijing, still 35 on the server's date: too old.
        born = today.replace(year=today.year - 36)
        with pytest.raises(BadRequest) as error:
            call("register_entry", organiser, cid, eid, factories.worker(birth=born))
        assert "birth_date" in error.value.fields
    else:
        # 35 in Beijing until tomorrow, already 36 on the server's date: still eligible.
        tomorrow = today + datetime.timedelta(days=1)
        born = tomorrow.replace(year=tomorrow.year - 36)
        assert call("register_entry", organiser, cid, eid, factories.worker(birth=born))["status"] == "pending"


def test_the_same_worker_twice_is_a_conflict_that_gives_the_quota_place_back(competitions):
    call = competitions
    organiser = callers.organiser()
    cid, eid = open_registration(call, {"quota_per_enterprise": 2})
    worker = factories.worker(employer="江苏建湖机床厂")
    call("register_entry", organiser, cid, eid, worker)

    with pytest.raises(Conflict) as error:
        call("register_entry", organiser, cid, eid, {**worker, "name": "同一人"})
    assert "already registered" in error.value.message
    assert error.value.fields == {"id_number": ["already registered in this event"]}
    # The second place of the employer's quota is still free.
    call("register_entry", organiser, cid, eid, factories.worker(employer="江苏建湖机床厂"))
    assert call("list_entries", organiser, cid, eid, {})["total"] == 2


def test_an_event_without_a_marking_scheme_ranks_nobody_yet(competitions):
    call = competitions
    organiser = callers.organiser()
    payload = factories.competition_payload()
    del payload["events"][0]["marking_scheme"]
    competition = call("create_competition", organiser, payload)
    cid, eid = competition["id"], competition["events"][0]["id"]

    live = call("live_ranking", organiser, cid, eid)
    assert (live["event_id"], live["ranking"], live["revealed"]) == (eid, [], False)


def with_a_conflicted_judge(call):
    """run_to_marking(), plus judge-x of the first contestant's enterprise (企业0), then
    mark_everything(); returns (competition id, event id, codes)."""
    cid, eid = run_to_marking(call)
    call("assign_judge", callers.organiser(), cid, eid,
         {"judge_id": "judge-x", "name": "x", "enterprise": "企业0"})
    return cid, eid, set(mark_everything(call, cid, eid))


def test_a_judge_sees_nothing_of_their_own_enterprises_entry_until_publication(competitions):
    call = competitions
    cid, eid, codes = with_a_conflicted_judge(call)
    judge_x = callers.judge("judge-x")
    shown = {row["entry_code"] for row in call("marking_sheet", judge_x, cid, eid)["entries"]}
    [own] = codes - shown

    live = call("live_ranking", judge_x, cid, eid)
    assert {row["code"] for row in live["ranking"]} == shown
    with pytest.raises(NotFound):
        call("mark_history", judge_x, cid, eid, own)
    assert call("mark_history", judge_x, cid, eid, min(shown))["history"]
    assert len(call("live_ranking", callers.chief_judge(), cid, eid)["ranking"]) == 3

    call("sign_off", callers.chief_judge(), cid)
    call("sign_off", callers.supervisor(), cid)
    assert {row["code"] for row in call("live_ranking", judge_x, cid, eid)["ranking"]} == shown
    call("publish", callers.organiser(), cid)
    assert {row["code"] for row in call("live_ranking", judge_x, cid, eid)["ranking"]} == codes


def test_a_correction_obeys_the_marking_rules_for_every_mark_or_changes_nothing(competitions):
    call = competitions
    cid, eid, codes = with_a_conflicted_judge(call)
    call("sign_off", callers.chief_judge(), cid)
    call("sign_off", callers.supervisor(), cid)
    call("publish", callers.organiser(), cid)
    published = call("published_results", None, cid)
    by_employer = {r["employer"]: r["code"] for r in published["events"][0]["results"]}
    own, other = by_employer["企业0"], by_employer["企业1"]
    fine = {"entry_code": other, "aspect_id": "T1.1", "judge_id": "judge-1", "value": 99}

    def refused(error, mark, field):
        with pytest.raises(error) as raised:
            call("correct_results", callers.organiser(), cid,
                 {"reason": "复议", "event_id": eid, "marks": [fine, mark]})
        assert field in raised.value.fields, raised.value.fields

    refused(Conflict, {"entry_code": own, "aspect_id": "A2.1", "judge_id": "judge-x", "value": 3},
            "marks.1.judge_id")  # adds a mark from the contestant's own enterprise
    refused(Conflict, {"entry_code": own, "aspect_id": "A2.1", "judge_id": "judge-99", "value": 3},
            "marks.1.judge_id")  # from no judge of the event
    refused(BadRequest, {"entry_code": "NOSUCH", "aspect_id": "T1.1", "judge_id": "judge-1",
                         "value": 50}, "marks.1.entry_code")
    refused(BadRequest, {**fine, "aspect_id": "Z9.9"}, "marks.1.aspect_id")
    refused(BadRequest, {**fine, "aspect_id": "A2.1", "value": 7}, "marks.1.value")
    refused(BadRequest, fine, "marks.1")  # the same mark twice
    assert call("published_results", None, cid) == published
    assert not any(h.get("correction") for h in call("mark_history", callers.organiser(), cid,
                                                    eid, other)["history"])

    # A judge's own mark changed, and a mark added by an assigned judge of another enterprise.
    call("correct_results", callers.organiser(), cid, {"reason": "复议", "event_id": eid, "marks": [
        {"entry_code": own, "aspect_id": "A2.2", "judge_id": "judge-1", "value": 3},
        {"entry_code": other, "aspect_id": "A2.1", "judge_id": "judge-x", "value": 3}]})
    assert call("published_results", None, cid)["publication"]["version"] == 2
    [audit] = [h for h in call("mark_history", callers.organiser(), cid, eid, other)["history"]
               if h.get("correction")]
    assert (audit["judge_id"], audit["old"], audit["new"]) == ("judge-x", None, 3)


def test_passing_finalists_get_the_certificate_of_the_events_level_unless_switched_off(competitions):
    call = competitions
    no_certificate_rule = factories.award_rules(prizes=1)
    payload = factories.competition_payload(awards=no_certificate_rule)
    payload["events"] += [
        {**payload["events"][0], "trade": "电焊工", "skill_level": "技师"},
        {**payload["events"][0], "trade": "钳工",
         "awards": {**no_certificate_rule, "certificate": {"issue": False}}}]
    cid, _ = run_to_marking(call, workers=2, payload=payload)
    events = call("get_competition", callers.organiser(), cid)["events"]
    assert [e["skill_level"] for e in events] == ["高级工", "技师", "高级工"]
    for event in events:
        mark_everything(call, cid, event["id"])
    call("sign_off", callers.chief_judge(), cid)
    call("sign_off", callers.supervisor(), cid)
    call("publish", callers.organiser(), cid)

    published = call("published_results", None, cid)["events"]
    assert [[r["certificate_level"] for r in e["results"]] for e in published] == [
        ["高级工", "高级工"], ["技师", "技师"], [None, None]]


def test_an_event_asking_for_it_shows_standardised_scores_beside_the_raw_totals(competitions):
    call = competitions
    payload = factories.competition_payload()
    payload["events"][0]["ranking"] = {"standardisation": {"median": 700, "spread": 20, "excellence": 700}}
    payload["events"].append({**payload["events"][0], "trade": "电焊工", "ranking": {}})
    cid, eid = run_to_marking(call, workers=3, payload=payload)
    for event in call("get_competition", callers.organiser(), cid)["events"]:
        mark_everything(call, cid, event["id"])
    live = call("live_ranking", callers.chief_judge(), cid, eid)["ranking"]
    assert [row["rank"] for row in live] == [1, 2, 3]
    scaled = [row["scaled_score"] for row in live]
    assert scaled[1] == 700.0 and scaled[0] > 700 > scaled[2]  # the median on 700, the order kept
    assert [row["excellent"] for row in live] == [True, True, False]
    call("sign_off", callers.chief_judge(), cid)
    call("sign_off", callers.supervisor(), cid)
    call("publish", callers.organiser(), cid)
    standardised, plain = call("published_results", None, cid)["events"]
    assert [r["scaled_score"] for r in standardised["results"]] == scaled
    assert {r["scaled_score"] for r in plain["results"]} == {None}  # an event that did not ask


def test_a_stored_entry_cannot_give_the_id_number_back(competitions):
    call = competitions
    cid, eid = open_registration(call)
    worker = factories.worker()
    entry = call("register_entry", callers.organiser(), cid, eid, worker)

    store = next(e for e in call.container.extensions if isinstance(e, Store)).repository
    stored = store.entries.find_one({"_id": entry["id"]})
    assert stored["region_code"] == worker["id_number"][:6]  # still there for regional statistics
    assert_cannot_rebuild(stored, worker["id_number"])


def test_an_id_number_in_clear_is_refused(competitions):
    call = competitions
    cid, eid = open_registration(call)
    with pytest.raises(BadRequest) as error:
        call("register_entry", callers.organiser(), cid, eid, factories.worker(), seal=False)
    assert "id_number" in error.value.fields
    assert call("list_entries", callers.organiser(), cid, eid, {})["total"] == 0


def test_a_judges_sheet_is_taken_per_entry_once_however_often_it_is_sent(competitions):
    call = competitions
    judge = callers.judge("judge-1")
    cid, eid = run_to_marking(call, workers=3)
    codes = [row["entry_code"] for row in call("marking_sheet", judge, cid, eid)["entries"]]
    sheet = {"marks": [{"client_id": f"s1-{code}-{aspect}", "entry_code": code, "aspect_id": aspect,
                        "value": value}
                       for code in codes for aspect, value in (("A2.1", 3), ("A2.2", 2))]}

    first = call("submit_sheet", judge, cid, eid, sheet)
    assert first["refused"] == []
    assert [(m["entry_code"], m["outcome"]) for m in first["taken"]] == [
        (code, "taken") for code in codes for _ in range(2)]
    resent = call("submit_sheet", judge, cid, eid, sheet)
    assert {m["outcome"] for m in resent["taken"]} == {"already_taken"} and resent["refused"] == []
    rows = call("marking_sheet", judge, cid, eid)["entries"]
    assert all(row["marks"] == {"A2.1": 3, "A2.2": 2} for row in rows)
    history = call("mark_history", callers.chief_judge(), cid, eid, codes[0])["history"]
    marks = [h for h in history if h.get("aspect_id") in ("A2.1", "A2.2")]
    assert [(h["old"], h["new"], h["client_id"], h["by"]) for h in marks] == [
        (None, 3, f"s1-{codes[0]}-A2.1", "judge-1"), (None, 2, f"s1-{codes[0]}-A2.2", "judge-1")]

    # Out of range and a change without a reason: refused, each with why, and the other marks of
    # their entries held back; the third entry's change is taken.
    mixed = {"marks": [
        {"client_id": "s2-1", "entry_code": codes[0], "aspect_id": "A2.1", "value": 4},
        {"client_id": "s2-2", "entry_code": codes[0], "aspect_id": "T1.1", "value": 80},
        {"client_id": "s2-3", "entry_code": codes[1], "aspect_id": "A2.2", "value": 1},
        {"client_id": "s2-4", "entry_code": codes[2], "aspect_id": "A2.2", "value": 1, "reason": "复核"},
        {"client_id": "s2-5", "entry_code": "ZZZZZZ", "aspect_id": "A2.2", "value": 1},
    ]}
    answer = call("submit_sheet", judge, cid, eid, mixed)
    assert [(m["client_id"], m["outcome"]) for m in answer["taken"]] == [("s2-4", "taken")]
    assert [(m["client_id"], m["error"]) for m in answer["refused"]] == [
        ("s2-1", "bad_request"), ("s2-2", "held_back"), ("s2-3", "conflict"), ("s2-5", "not_found")]
    assert "level from 0 to 3" in answer["refused"][0]["message"]
    assert "reason" in answer["refused"][2]["message"]
    rows = {row["entry_code"]: row["marks"] for row in call("marking_sheet", judge, cid, eid)["entries"]}
    assert rows == {codes[0]: {"A2.1": 3, "A2.2": 2}, codes[1]: {"A2.1": 3, "A2.2": 2},
                    codes[2]: {"A2.1": 3, "A2.2": 1}}
    unknown = call("submit_sheet", judge, cid, eid, {"marks": [
        {"client_id": "s3-1", "entry_code": codes[1], "aspect_id": "NOPE", "value": 1}]})
    assert [(m["error"], m["message"]) for m in unknown["refused"]] == [
        ("bad_request", "no aspect 'NOPE' in this event's marking scheme")]


def test_a_sheet_refuses_what_a_single_mark_would(competitions):
    call = competitions
    cid, eid = run_to_marking(call, workers=1)
    [row] = call("marking_sheet", callers.judge("judge-1"), cid, eid)["entries"]
    mark = {"client_id": "c1", "entry_code": row["entry_code"], "aspect_id": "A2.1", "value": 2}
    with pytest.raises(BadRequest) as error:  # malformed: refused whole
        call("submit_sheet", callers.judge("judge-1"), cid, eid,
             {"marks": [mark, {**mark, "aspect_id": "A2.2"}, {**mark, "client_id": "c2"}]})
    assert set(error.value.fields) == {"marks.1.client_id", "marks.2.aspect_id"}
    with pytest.raises(BadRequest) as error:
        call("submit_sheet", callers.judge("judge-1"), cid, eid, {"marks": [{**mark, "colour": 1}]})
    assert "marks.0.colour" in error.value.fields
    with pytest.raises(NotFound):
        call("submit_sheet", callers.judge("judge-99"), cid, eid, {"marks": [mark]})
    call("change_status", callers.organiser(), cid, {"action": "cancel"})
    with pytest.raises(Conflict):  # no longer marking
        call("submit_sheet", callers.judge("judge-1"), cid, eid, {"marks": [mark]})
    assert call("marking_sheet", callers.judge("judge-1"), cid, eid)["entries"][0]["marks"] == {}


def test_a_sheet_planned_on_an_entry_changed_meanwhile_is_planned_again(competitions, monkeypatch):
    """Another device of the same judge sets one of the entry's marks between the sheet's read and
    its write: the sheet is planned again on what now stands, and none of the entry's marks taken."""
    call = competitions
    judge = callers.judge("judge-1")
    cid, eid = run_to_marking(call, workers=1)
    [row] = call("marking_sheet", judge, cid, eid)["entries"]
    write = CompetitionRepository.set_entry_values

    def after_another_device(self, entry_id, *args):
        monkeypatch.setattr(CompetitionRepository, "set_entry_values", write)
        self.entries.update_one({"_id": entry_id}, {"$set": {"marks.A2~1.judge-1": 1}})
        return write(self, entry_id, *args)

    monkeypatch.setattr(CompetitionRepository, "set_entry_values", after_another_device)
    answer = call("submit_sheet", judge, cid, eid, {"marks": [
        {"client_id": "c1", "entry_code": row["entry_code"], "aspect_id": "A2.1", "value": 3},
        {"client_id": "c2", "entry_code": row["entry_code"], "aspect_id": "A2.2", "value": 2}]})
    assert [(m["client_id"], m["error"]) for m in answer["refused"]] == [
        ("c1", "conflict"), ("c2", "held_back")]
    assert call("marking_sheet", judge, cid, eid)["entries"][0]["marks"] == {"A2.1": 1}
def sheet_of(*workers):
    """Rows of a sheet as the gateway reads them, numbered from 2 (under the header)."""
    return [{"row": number, **w} for number, w in enumerate(workers, start=2)]


def test_a_sheet_is_previewed_without_a_change_then_registered_once_however_often_confirmed(competitions):
    call = competitions
    organiser = callers.organiser()
    cid, eid = open_registration(call, {"quota_per_enterprise": 2})
    registered_before = factories.worker(employer="建湖阀门厂")
    call("register_entry", organiser, cid, eid, registered_before)
    good = [factories.worker(employer="江苏建湖机床厂"), factories.worker(employer="江苏建湖机床厂")]
    over_quota = factories.worker(employer="江苏建湖机床厂")
    wrong_trade = factories.worker(trade="焊工")
    sheet = sheet_of(*good, over_quota, wrong_trade, good[0], registered_before)

    preview = call("preview_entry_sheet", organiser, cid, eid, sheet)
    assert (preview["rows"], preview["valid"]) == (6, 2)
    assert [(w["row"], w["worker"]["name"]) for w in preview["workers"]] == [(2, good[0]["name"]), (3, good[1]["name"])]
    assert [(e["row"], e["column"]) for e in preview["errors"]] == \
        [(4, "工作单位"), (5, "工种"), (6, "身份证号"), (7, "身份证号")]
    assert preview["errors"][3]["message"] == "already registered in this event"
    assert call("list_entries", organiser, cid, eid, {})["total"] == 1

    imported = call("import_entry_sheet", organiser, cid, eid, sheet)
    assert imported["registered_rows"] == [2, 3]
    assert imported["already_registered_rows"] == [7]
    assert [e["row"] for e in imported["errors"]] == [4, 5, 6]
    assert call("list_entries", organiser, cid, eid, {})["total"] == 3

    again = call("import_entry_sheet", organiser, cid, eid, sheet)
    assert again["registered_rows"] == []
    assert again["already_registered_rows"] == [2, 3, 7]
    assert call("list_entries", organiser, cid, eid, {})["total"] == 3


def test_a_sheet_with_an_id_number_in_clear_or_of_another_unit_changes_nothing(competitions):
    call = competitions
    cid, eid = open_registration(call)
    with pytest.raises(BadRequest) as error:
        call("import_entry_sheet", callers.organiser(), cid, eid,
             {"workers": sheet_of(factories.worker())}, seal=False)
    assert "id_number" in error.value.fields
    with pytest.raises(NotFound):  # another unit's unpublished competition is not even seen
        call("import_entry_sheet", callers.organiser(unit="其他单位"), cid, eid, sheet_of(factories.worker()))
    assert call("list_entries", callers.organiser(), cid, eid, {})["total"] == 0
