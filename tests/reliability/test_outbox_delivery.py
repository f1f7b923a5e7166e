"""Results reach their consumers whatever happens to the processes in between, against the real
broker and real `nameko run` processes: published while no consumer runs, written but never
published by a process that then died, or published by a process killed right afterwards.

The competitions service is driven through RPC (ClusterRpcProxy), the way the gateway drives it.
The consumer is tests/reliability/award_recorder.py, idempotent by event_id; its two journals
tell what was delivered (duplicates included) and what took effect (once per event_id).
"""
import collections

import pytest

from common.personal_id import PersonalDataProtector
from common.testing import callers, factories
from common.testing.waiting import wait_until
from common.topology import subscriptions
from services.competitions.events import CONTESTANT_AWARDED, RESULTS_PUBLISHED
from tests.processes import COMPETITIONS, PERSONAL_DATA_SECRET, Broker
from tests.reliability.award_recorder import DELIVERIES, RECORDED, AwardRecorder, read_lines

pytestmark = pytest.mark.slow

RECORDER = "tests.reliability.award_recorder"
WAIT = 60  # seconds any one thing may take on a busy two-core machine
QUEUES = {event_type: queue for _, event_type, queue in subscriptions(AwardRecorder)}

ORGANISER = callers.organiser().to_dict()
CHIEF = callers.chief_judge().to_dict()
SUPERVISOR = callers.supervisor().to_dict()
# As the gateway sends a registration: the ID number sealed.
SEALED = PersonalDataProtector(PERSONAL_DATA_SECRET).sealed


def judge(n):
    return callers.judge(f"judge-{n}").to_dict()


def run_to_signed_off(competitions, workers=3):
    """A competition of one event with ``workers`` approved entries, marked and signed off."""
    competition = competitions.create_competition(ORGANISER, factories.competition_payload())
    cid, eid = competition["id"], competition["events"][0]["id"]
    competitions.set_officials(ORGANISER, cid, {"chief_judge": "chief-1", "supervisor": "super-1"})
    competitions.change_status(ORGANISER, cid, {"action": "open_registration"})
    for i in range(workers):
        entry = competitions.register_entry(ORGANISER, cid, eid,
                                            SEALED(factories.worker(employer=f"企业{i}")))
        competitions.decide_entry(ORGANISER, cid, eid, entry["id"], {"decision": "approve"})
    for n in range(1, 6):
        competitions.assign_judge(ORGANISER, cid, eid, {"judge_id": f"judge-{n}", "name": f"裁判{n}",
                                                       "enterprise": "评审中心"})
    competitions.change_status(ORGANISER, cid, {"action": "close_registration"})
    competitions.change_status(ORGANISER, cid, {"action": "start_marking"})
    sheet = competitions.marking_sheet(judge(1), cid, eid)
    for position, row in enumerate(sheet["entries"]):
        code = row["entry_code"]
        competitions.submit_mark(judge(1), cid, eid, {"entry_code": code, "aspect_id": "T1.1",
                                                      "value": 90 - position})
        competitions.submit_mark(judge(1), cid, eid, {"entry_code": code, "aspect_id": "A1.1",
                                                      "value": 25.01})
        for n in range(1, 6):
            for aspect in ("A2.1", "A2.2"):
                competitions.submit_mark(judge(n), cid, eid, {"entry_code": code, "aspect_id": aspect,
                                                              "value": max(0, 3 - position)})
    competitions.sign_off(CHIEF, cid)
    assert competitions.sign_off(SUPERVISOR, cid)["status"] == "signed_off"
    return cid


def is_awarded(result):
    return bool(result.get("prize") or result.get("titles") or result.get("promotion_level")
                or result.get("certificate_level"))


def awarded_names(published):
    """Who must hear of an award, from the public results: (rank, name) of each contestant."""
    return sorted((r["rank"], r["name"]) for event in published["events"]
                  for r in event["results"] if is_awarded(r))


def queue_depths(system):
    return {event_type: Broker.queue_state(system.amqp_uri, queue)[0]
            for event_type, queue in QUEUES.items()}


def journal(system, name):
    return read_lines(system.recorder_dir / name)


def wait_for_recorded(system, count):
    return wait_until(lambda: len(journal(system, RECORDED)) >= count and journal(system, RECORDED),
                      WAIT, message=f"{count} events recorded")


def by_type(envelopes):
    grouped = collections.defaultdict(list)
    for envelope in envelopes:
        grouped[envelope["event_type"]].append(envelope)
    return grouped


def pending_outbox(database):
    """Every envelope still waiting in the competitions store's outboxes."""
    return [envelope for name in ("competitions", "results")
            for document in database[name].find({}, {"outbox": 1})
            for envelope in document.get("outbox", [])]


def assert_delivered_once_each(system):
    """Stop the recorder cleanly (in-flight messages finish or go back to their queue), then
    check that its effects are exactly its distinct deliveries, each taken once."""
    system.stop(RECORDER)
    deliveries, recorded = journal(system, DELIVERIES), journal(system, RECORDED)
    recorded_ids = [e["event_id"] for e in recorded]
    assert len(recorded_ids) == len(set(recorded_ids))
    assert {e["event_id"] for e in deliveries} == set(recorded_ids)
    first = {e["event_id"]: e for e in recorded}
    # At least once: a redelivery is the same envelope again, never a new event for the same fact.
    assert all(e == first[e["event_id"]] for e in deliveries)
    return deliveries, recorded


def test_results_published_while_no_consumer_runs_wait_for_it(system):
    assert sorted(system.declare_topology([AwardRecorder])) == sorted(QUEUES.values())
    system.start(COMPETITIONS)
    system.wait_for_competitions()
    with system.rpc() as cluster:
        cid = run_to_signed_off(cluster.competitions)
        cluster.competitions.publish(ORGANISER, cid)
        published = cluster.competitions.published_results(None, cid)
    awarded = awarded_names(published)
    assert len(awarded) == 3

    # Nobody consumes yet: the relay's messages wait in the recorder's queues.
    expected_depths = {RESULTS_PUBLISHED: 1, CONTESTANT_AWARDED: len(awarded)}
    wait_until(lambda: queue_depths(system) == expected_depths, WAIT,
               message=f"queue depths {expected_depths}")
    assert all(Broker.queue_state(system.amqp_uri, q)[1] == 0 for q in QUEUES.values())

    system.start(RECORDER)
    wait_for_recorded(system, 1 + len(awarded))
    wait_until(lambda: queue_depths(system) == {RESULTS_PUBLISHED: 0, CONTESTANT_AWARDED: 0}, WAIT,
               message="queues drained")
    deliveries, recorded = assert_delivered_once_each(system)

    assert len(deliveries) == len(recorded) == 1 + len(awarded)
    recorded = by_type(recorded)
    [announcement] = recorded[RESULTS_PUBLISHED]
    assert announcement["data"]["competition_id"] == cid
    assert announcement["data"]["events"][0]["finalists"] == 3
    assert sorted((e["data"]["rank"], e["data"]["name"]) for e in recorded[CONTESTANT_AWARDED]) == awarded
    assert all(e["data"]["competition_id"] == cid for e in recorded[CONTESTANT_AWARDED])


def test_a_process_that_died_between_its_write_and_the_publish_loses_no_event(system):
    system.declare_topology([AwardRecorder])
    # The relay off: every write happens, nothing is published, as if the process died after it.
    system.start(COMPETITIONS, OUTBOX_RELAY="false")
    system.wait_for_competitions()
    with system.rpc() as cluster:
        cid = run_to_signed_off(cluster.competitions)
        cluster.competitions.publish(ORGANISER, cid)
        awarded = awarded_names(cluster.competitions.published_results(None, cid))
    assert queue_depths(system) == {RESULTS_PUBLISHED: 0, CONTESTANT_AWARDED: 0}

    system.kill(COMPETITIONS)
    assert queue_depths(system) == {RESULTS_PUBLISHED: 0, CONTESTANT_AWARDED: 0}
    # What the dead process owes: every event of the publication, in its outboxes.
    owed = system.read_store("competitions", pending_outbox)
    owed_types = collections.Counter(e["event_type"] for e in owed)
    assert owed_types == {RESULTS_PUBLISHED: 1, CONTESTANT_AWARDED: len(awarded)}
    owed_ids = {e["event_id"] for e in owed}
    assert len(owed_ids) == len(owed)

    system.start(COMPETITIONS)  # same DATA_DIR, relay on
    system.start(RECORDER)
    wait_for_recorded(system, len(owed_ids))
    system.wait_for_competitions()
    deliveries, recorded = assert_delivered_once_each(system)

    assert sorted(e["event_id"] for e in deliveries) == sorted(owed_ids)  # each exactly once
    assert {e["event_id"] for e in recorded} == owed_ids
    assert sorted((e["data"]["rank"], e["data"]["name"])
                  for e in by_type(recorded)[CONTESTANT_AWARDED]) == awarded
    # ... and marked sent by the relay, so that no later start sends them once more.
    wait_until(lambda: system.read_store("competitions", pending_outbox) == [], WAIT,
               message="outboxes emptied")


# As publish returns, the relay has usually sent nothing yet; once the first event is queued it is
# mid-batch: published, perhaps confirmed, not yet marked sent, so the restart sends it again.
@pytest.mark.parametrize("moment", ["as publish returns", "once the first event is queued"])
def test_a_process_killed_right_after_publishing_is_delivered_at_least_once(system, moment):
    system.declare_topology([AwardRecorder])
    system.start(COMPETITIONS)
    if moment != "once the first event is queued":
        system.start(RECORDER)
        system.wait_for_consumers(RECORDER, QUEUES.values())
    system.wait_for_competitions()
    with system.rpc() as cluster:
        cid = run_to_signed_off(cluster.competitions)
        cluster.competitions.publish(ORGANISER, cid)
    if moment == "once the first event is queued":
        wait_until(lambda: any(queue_depths(system).values()), WAIT, interval=0.005)
    system.kill(COMPETITIONS)

    def facts(database):
        results = list(database["results"].find({"competition_id": cid}))
        return ({("results_published", cid)}
                | {("contestant_awarded", r["entry_id"]) for r in results if is_awarded(r)},
                pending_outbox(database))

    expected, left_behind = system.read_store("competitions", facts)
    assert len(expected) == 1 + 3

    system.start(COMPETITIONS)
    if not system.running(RECORDER):
        system.start(RECORDER)
    wait_for_recorded(system, len(expected))
    system.wait_for_competitions()
    deliveries, recorded = assert_delivered_once_each(system)

    def fact(envelope):
        if envelope["event_type"] == RESULTS_PUBLISHED:
            return ("results_published", envelope["data"]["competition_id"])
        return ("contestant_awarded", envelope["data"]["entry_id"])

    ids_by_fact = collections.defaultdict(set)
    for envelope in deliveries:
        ids_by_fact[fact(envelope)].add(envelope["event_id"])
    # Every fact announced, each under exactly one event id however often it was delivered.
    assert set(ids_by_fact) == expected
    assert all(len(ids) == 1 for ids in ids_by_fact.values())
    assert {e["event_id"] for e in recorded} == {i for ids in ids_by_fact.values() for i in ids}
    # What the killed process had not yet sent went out after the restart.
    assert {e["event_id"] for e in left_behind} <= {e["event_id"] for e in recorded}
    # ... and marked sent by the relay, so that no later start sends them once more.
    wait_until(lambda: system.read_store("competitions", pending_outbox) == [], WAIT,
               message="outboxes emptied")
