"""The competitions service in a real container on the real broker: a whole competition through
its RPC entrypoints, with the events it publishes received by a real consumer."""
import eventlet
import pytest
from nameko.events import event_handler
from nameko.testing.services import entrypoint_hook

from common.errors import BadRequest, Conflict, Forbidden, NotFound
from common.outbox import envelope_of
from common.storage import open_database
from services.competitions import results
from services.competitions.events import CONTRACTS
from services.competitions.repository import CompetitionRepository
from services.competitions.service import CompetitionsService
from tests import factories

RECEIVED = []


class AwardListener:
    """Stands in for the talent pool and notifications: records what competitions announces."""

    name = "award_listener"

    @event_handler("competitions", "competition.results_published")
    def results_published(self, envelope):
        RECEIVED.append(envelope)

    @event_handler("competitions", "competition.contestant_awarded")
    def contestant_awarded(self, envelope):
        RECEIVED.append(envelope)


@pytest.fixture
def competitions(container_factory, service_config):
    RECEIVED.clear()
    container = container_factory(CompetitionsService, service_config)
    container.start()

    def call(method, caller, *args, context_data=None, **kwargs):
        with entrypoint_hook(container, method, context_data=context_data) as hook:
            return hook(caller.to_dict() if caller else None, *args, **kwargs)

    call.container = container
    return call


def run_to_marking(call, workers=3):
    organiser = factories.organiser()
    competition = call("create_competition", organiser, factories.competition_payload())
    cid, eid = competition["id"], competition["events"][0]["id"]
    call("set_officials", organiser, cid, {"chief_judge": "chief-1", "supervisor": "super-1"})
    call("change_status", organiser, cid, {"action": "open_registration"})
    entries = [call("register_entry", organiser, cid, eid, factories.worker(employer=f"企业{i}"))
               for i in range(workers)]
    for entry in entries:
        call("decide_entry", organiser, cid, eid, entry["id"], {"decision": "approve"})
    for n in range(1, 6):
        call("assign_judge", organiser, cid, eid, {"judge_id": f"judge-{n}", "name": f"裁判{n}",
                                                  "enterprise": "评审中心"})
    call("change_status", organiser, cid, {"action": "close_registration"})
    call("change_status", organiser, cid, {"action": "start_marking"})
    return cid, eid


def mark_everything(call, cid, eid, level_of=lambda position: 3 - position):
    sheet = call("marking_sheet", factories.judge("judge-1"), cid, eid)
    for position, row in enumerate(sheet["entries"]):
        code = row["entry_code"]
        call("submit_mark", factories.judge("judge-1"), cid, eid,
             {"entry_code": code, "aspect_id": "T1.1", "value": 90 - position})
        call("submit_mark", factories.judge("judge-1"), cid, eid,
             {"entry_code": code, "aspect_id": "A1.1", "value": 25.01})
        for n in range(1, 6):
            for aspect in ("A2.1", "A2.2"):
                call("submit_mark", factories.judge(f"judge-{n}"), cid, eid,
                     {"entry_code": code, "aspect_id": aspect, "value": max(0, level_of(position))})
    return [row["entry_code"] for row in sheet["entries"]]


def test_a_whole_competition_ends_in_announced_results(competitions, container_factory,
                                                       service_config):
    call = competitions
    listener = container_factory(AwardListener, service_config)
    listener.start()
    cid, eid = run_to_marking(call)
    codes = mark_everything(call, cid, eid)

    live = call("live_ranking", factories.chief_judge(), cid, eid)
    assert [row["rank"] for row in live["ranking"]] == [1, 2, 3]
    assert live["revealed"] is False and "name" not in live["ranking"][0]
    with pytest.raises(NotFound):
        call("published_results", None, cid)

    call("sign_off", factories.chief_judge(), cid)
    with pytest.raises(Conflict):
        call("publish", factories.organiser(), cid)  # the supervisor has not signed yet
    assert call("sign_off", factories.supervisor(), cid)["status"] == "signed_off"

    call("publish", factories.organiser(), cid, context_data={"correlation_id": "req-42"})
    # Two queues, consumed concurrently: the four events arrive in any order.
    with eventlet.Timeout(10):
        while len(RECEIVED) < 4:
            eventlet.sleep(0.05)

    published = [e for e in RECEIVED if e["event_type"] == "competition.results_published"]
    awarded = sorted((e for e in RECEIVED if e["event_type"] == "competition.contestant_awarded"),
                     key=lambda e: e["data"]["rank"])
    assert len(published) == 1 and published[0]["data"]["events"][0]["finalists"] == 3
    assert [(e["data"]["rank"], e["data"]["prize"], e["data"]["certificate_level"]) for e in awarded] == [
        (1, "first", "高级工"), (2, "second", "高级工"), (3, None, "高级工")]
    assert awarded[0]["data"]["titles"] == ["技术能手"]
    assert all("id_number" not in e["data"] for e in awarded)
    assert {e["correlation_id"] for e in RECEIVED} == {"req-42"}  # the request that published
    public = call("published_results", None, cid)["events"][0]["results"]
    assert [r["code"] for r in public] == codes

    call("correct_results", factories.organiser(), cid, {
        "reason": "复议：漏计一题", "event_id": eid,
        "marks": [{"entry_code": codes[2], "aspect_id": "T1.1", "judge_id": "judge-1", "value": 99}]})
    with eventlet.Timeout(10):
        while len(RECEIVED) < 8:
            eventlet.sleep(0.05)
    corrections = [e for e in RECEIVED if e["data"]["publication_version"] == 2]
    assert len(corrections) == 4 and all(e["data"]["correction"] for e in corrections)
    for event in RECEIVED:  # built to fit its contract, field for field
        assert CONTRACTS[event["event_type"]]().load(event["data"]) == event["data"]


def test_marks_outside_an_aspects_range_are_refused(competitions):
    call = competitions
    cid, eid = run_to_marking(call, workers=1)
    [row] = call("marking_sheet", factories.judge("judge-1"), cid, eid)["entries"]
    with pytest.raises(BadRequest) as error:
        call("submit_mark", factories.judge("judge-1"), cid, eid,
             {"entry_code": row["entry_code"], "aspect_id": "A2.1", "value": 4})
    assert "value" in error.value.fields
    assert call("marking_sheet", factories.judge("judge-1"), cid, eid)["entries"][0]["marks"] == {}


def test_a_judge_never_marks_their_own_enterprise(competitions):
    call = competitions
    organiser = factories.organiser()
    competition = call("create_competition", organiser, factories.competition_payload())
    cid, eid = competition["id"], competition["events"][0]["id"]
    call("change_status", organiser, cid, {"action": "open_registration"})
    entry = call("register_entry", organiser, cid, eid, factories.worker(employer="江苏建湖机床厂"))
    call("decide_entry", organiser, cid, eid, entry["id"], {"decision": "approve"})
    call("assign_judge", organiser, cid, eid, {"judge_id": "judge-x", "name": "x",
                                              "enterprise": "江苏建湖机床厂"})
    call("change_status", organiser, cid, {"action": "close_registration"})
    call("change_status", organiser, cid, {"action": "start_marking"})

    assert call("marking_sheet", factories.judge("judge-x"), cid, eid)["entries"] == []
    code = call("marking_sheet", factories.judge("judge-x"), cid, eid)
    assert code["entries"] == []


def test_unassigned_judges_and_other_units_are_kept_out(competitions):
    call = competitions
    cid, eid = run_to_marking(call, workers=1)
    # Not assigned to any of its events, the judge may not even learn the competition exists.
    with pytest.raises(NotFound):
        call("marking_sheet", factories.judge("judge-99"), cid, eid)
    with pytest.raises(Forbidden):
        call("marking_sheet", factories.organiser(), cid, eid)  # sees it, but does not judge
    with pytest.raises(NotFound):
        call("get_competition", factories.organiser(unit="other-union"), cid)


def test_an_announcement_cut_short_by_a_crash_is_finished_once(competitions, service_config):
    """The process dies after the publication write, part-way through the awards' own writes."""
    call = competitions
    cid, eid = run_to_marking(call)
    mark_everything(call, cid, eid)
    call("sign_off", factories.chief_judge(), cid)
    call("sign_off", factories.supervisor(), cid)
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
        results.publish(repository, factories.organiser(), cid)

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
