"""Competition awards reach the talent pool exactly once in effect, whatever happens on the way,
against the real broker and real `nameko run` processes (tests/processes.py):

- the same ``competition.contestant_awarded`` envelope delivered twice, replayed by hand, or resent
  by the competitions service's relay changes nothing the second time;
- awards published while the talent pool is down wait in its queue and are admitted when it starts;
- a stream of 1,000 awards survives the talent pool being SIGKILLed in the middle of it, and the
  broker being restarted in the middle of it: 1,000 talents, one honour each, no duplicates;
- a handler that keeps failing retries a bounded number of times, then parks the message where
  ``python -m cli parked`` and the gateway's admin route show it, and a replay admits it once the
  cause is gone; it never loops.

Awards are published the way the competitions relay publishes them (persistent, ``mandatory``,
publisher confirms, to ``competitions.events``), built through the publisher's own contract
(``ContestantAwardedV1``). Whether a message was handled is asked of the broker (ready or unacked
messages left in the talent pool's queues), never guessed from elapsed time.
"""
import collections
import subprocess
import sqlite3
import sys

import pytest
import requests

from common.auth import issue_token
from common.consumer import PARKED, retry_queue_name
from common.events import make_event
from common.outbox import outbox_entries, with_outbox
from common.testing.waiting import wait_until
from common.topology import subscriptions
from services.competitions.events import CONTESTANT_AWARDED, ContestantAwardedV1
from services.talent_pool.events import AwardedV1
from services.talent_pool.service import TalentPoolService
from tests.processes import COMPETITIONS, GATEWAY, ROOT, TALENT_POOL
from tests.reliability.test_outbox_delivery import ORGANISER, run_to_signed_off

pytestmark = pytest.mark.slow

WAIT = 120  # seconds any one wait may take on a busy two-core machine
STREAM = 1000
# The broker restart comes between the two halves of this stream, whatever the machine's speed.
RESTART_STREAM = 2000
[AWARDS_QUEUE] = [queue for source, event_type, queue in subscriptions(TalentPoolService)
                 if event_type == CONTESTANT_AWARDED]
ADMITTED, UPDATED = "talent.admitted", "talent.updated"
RETRY_DELAYS = (0.2, 0.4)  # seconds: EVENT_RETRY_DELAYS for the failure tests
RETRY_QUEUES = [retry_queue_name(AWARDS_QUEUE, delay) for delay in RETRY_DELAYS]


def award(n, **overrides):
    """The data of a valid contestant_awarded v1 event: contestant ``n`` of a 1,000-finalist
    city-level competition, with a prize that admits (first, second, third, honourable)."""
    prize, prize_name = (("first", "一等奖"), ("second", "二等奖"), ("third", "三等奖"),
                         ("honourable", "优胜奖"))[min(3, n // 250)]
    data = {
        "competition_id": "cmp-5e1f00c0ffee", "competition_name": "2026年盐城市数控车工职业技能竞赛",
        "level": "city", "industry_chain": "装备制造", "organising_unit": "jianhu-union", "year": 2026,
        "publication_version": 1, "correction": False, "correction_reason": None,
        "event_id": "evt-5e1f00c0ffee", "trade": "数控车工", "entry_id": f"ent-{n:012x}",
        "person_key": f"{0xA000 + n:032x}", "name": f"选手{n:04d}", "employer": f"建湖机械厂{n % 17:02d}",
        "region_code": "320925", "skill_level": "中级工", "rank": n + 1, "finalists": STREAM,
        "total": round(95 - n * 0.01, 2), "components": {"theory": 90.0, "practical": 92.5},
        "prize": prize, "prize_name": prize_name, "titles": ["技术能手"] if n == 0 else [],
        "promotion_level": None, "certificate_level": "高级工",
    }
    data.update(overrides)
    return ContestantAwardedV1().load(data)  # the publisher's contract: what it may send


def awarded(n, **overrides):
    return make_event(CONTESTANT_AWARDED, award(n, **overrides), source="competitions",
                      correlation_id=f"req-{n}")


def start_talent_pool(system, **env):
    system.start(TALENT_POOL, **env)
    system.wait_for_talent_pool()


def declare(system):
    """As `make run` does: the talent pool's queue exists before anything is published, and a tap
    of the test's own keeps a copy of everything the pool announces."""
    system.declare_topology([TalentPoolService])
    return {ADMITTED: system.tap("talent_pool", ADMITTED), UPDATED: system.tap("talent_pool", UPDATED)}


def outbox_left(system):
    return system.read_store("talent_pool", lambda database: sum(
        len(document.get("outbox", [])) for document in database["talents"].find({}, {"outbox": 1})))


def announced(system, taps):
    """Everything the pool announced, once its outboxes are empty (the relay sent all of it)."""
    wait_until(lambda: outbox_left(system) == 0, WAIT, message="talent pool outboxes emptied")
    return {event_type: system.drain_tap(tap) for event_type, tap in taps.items()}


def parked(system):
    return system.read_store("talent_pool", lambda database: list(database[PARKED].find({})))


def assert_admitted_exactly_once(system, taps, count):
    """``count`` talents, one per person of the stream, each admitted once with one honour and
    announced under exactly one event id (the relay may resend an event id: at least once)."""
    talents = system.talents()
    assert len(talents) == count
    assert sorted(t["person_key"] for t in talents) == sorted(award(n)["person_key"] for n in range(count))
    assert collections.Counter(len(t["honours"]) for t in talents) == {1: count}
    assert collections.Counter(len(t["history"]) for t in talents) == {1: count}
    assert collections.Counter((t["status"], t["revision"]) for t in talents) == {("active", 1): count}
    assert collections.Counter(t["honours"][0]["entry_id"] for t in talents).most_common(1)[0][1] == 1
    assert parked(system) == []
    events = announced(system, taps)
    ids_by_talent = collections.defaultdict(set)
    for event in events[ADMITTED]:
        ids_by_talent[event["data"]["talent_id"]].add(event["event_id"])
    assert set(ids_by_talent) == {t["_id"] for t in talents}
    assert all(len(ids) == 1 for ids in ids_by_talent.values())
    assert events[UPDATED] == []
    return talents, events


def run_cli(system, *arguments):
    result = subprocess.run([sys.executable, "-m", "cli", *arguments, "--config", "config.yaml"],
                            env=system.env(), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


# 1. duplicates


def test_an_award_delivered_twice_replayed_or_resent_by_the_relay_changes_nothing(system):
    taps = declare(system)
    relayed = system.tap("competitions", CONTESTANT_AWARDED)  # what the competitions relay sends
    system.start(COMPETITIONS)
    start_talent_pool(system)
    system.wait_for_competitions()
    with system.rpc() as cluster:
        cid = run_to_signed_off(cluster.competitions)
        cluster.competitions.publish(ORGANISER, cid)

    sent = []
    wait_until(lambda: sent.extend(system.drain_tap(relayed)) or len(sent) >= 3, WAIT,
               message="three awards relayed")
    assert len(sent) == 3 and all(e["data"]["competition_id"] == cid for e in sent)
    system.wait_until_settled([AWARDS_QUEUE])
    before = system.talents()
    first = announced(system, taps)
    # First (and title holder) and second prize admit; the third finalist, certified only, is a
    # candidate, recorded quietly.
    assert sorted(t["status"] for t in before) == ["active", "active", "candidate"]
    assert len(first[ADMITTED]) == 2 and first[UPDATED] == []
    assert all(len(t["honours"]) == 1 and len(t["history"]) == 1 for t in before)

    # Delivered twice and replayed: the identical envelopes published again, each one twice in a
    # row, so that two workers may hold the same award at once.
    system.publish([envelope for envelope in sent for _ in range(2)])
    assert len(system.drain_tap(relayed)) == 6  # confirmed: already in every bound queue
    # Resent by the relay: the envelopes put back in the outboxes they were sent from, which is
    # what a crash between the broker's confirm and the relay's removal leaves behind.
    def put_back(database):
        for envelope in sent:
            data = envelope["data"]
            changed = database["results"].update_one(
                {"_id": f"{cid}|{data['event_id']}|{data['entry_id']}"},
                with_outbox({}, outbox_entries([envelope])))
            assert changed.matched_count == 1
    system.read_store("competitions", put_back)
    resent = []
    wait_until(lambda: resent.extend(system.drain_tap(relayed)) or len(resent) >= 3, WAIT,
               message="the relay resending the three awards")
    assert sorted(resent, key=lambda e: e["event_id"]) == sorted(sent, key=lambda e: e["event_id"])

    system.wait_until_settled([AWARDS_QUEUE])
    after = system.talents()
    assert after == before  # same talents, honours, history, revisions: not one field written
    assert announced(system, taps) == {ADMITTED: [], UPDATED: []}
    assert parked(system) == []
    assert "failed (attempt" not in system.log(TALENT_POOL)


# 2. a consumer that was down


def test_awards_published_while_the_talent_pool_is_down_are_admitted_when_it_starts(system):
    taps = declare(system)
    count = 50
    system.publish([awarded(n) for n in range(count)])
    assert system.queue_counts()[AWARDS_QUEUE] == (count, 0)  # waiting, nobody consuming

    start_talent_pool(system)
    system.wait_until_settled([AWARDS_QUEUE], WAIT)
    assert_admitted_exactly_once(system, taps, count)


# 3. and 4. a stream of 1,000 awards, interrupted


def publish_first_half_and_wait_for_some(system, count):
    """Publish the first half of a stream of ``count`` awards and wait until part of it is
    admitted; returns where the second half starts. The caller publishes it after the fault, so
    that the fault falls in the middle of the stream by construction, not by a race."""
    start_talent_pool(system)
    half = count // 2
    system.publish([awarded(n) for n in range(half)])
    wait_until(lambda: system.count_talents() >= half // 5, WAIT, interval=0.05,
               message=f"{half // 5} talents admitted")
    return half


def publish_second_half(system, half, count):
    system.publish([awarded(n) for n in range(half, count)])


def test_a_talent_pool_killed_mid_stream_admits_each_of_1000_winners_exactly_once(system):
    taps = declare(system)
    half = publish_first_half_and_wait_for_some(system, STREAM)
    system.kill(TALENT_POOL)
    publish_second_half(system, half, STREAM)

    admitted_before_kill = system.count_talents()
    assert admitted_before_kill < STREAM  # killed in the middle of the stream
    ready, _ = system.queue_counts()[AWARDS_QUEUE]
    assert ready > 0  # what it had not acked went back to the queue

    start_talent_pool(system)
    system.wait_until_settled([AWARDS_QUEUE], WAIT)
    assert_admitted_exactly_once(system, taps, STREAM)


# Guards against what this test found first: a worker finishing while the broker was down acked
# on the dead connection, the socket error escaped the reliable handler's result handling, nameko
# killed the container and `nameko run` exited. Nothing was lost, but the pool did not come back.
def test_a_broker_restarted_mid_stream_loses_no_award_and_doubles_none(system, broker):
    taps = declare(system)
    half = publish_first_half_and_wait_for_some(system, RESTART_STREAM)
    log_before = len(system.log(TALENT_POOL))
    with broker.app_stopped():  # started again however this block ends
        admitted_while_down = system.count_talents()
        # stop_app closed every connection; bounded: until the talent pool has logged it.
        wait_until(lambda: len(system.log(TALENT_POOL)) > log_before, 30,
                   message="the talent pool noticing that the broker is down")
    assert admitted_while_down < RESTART_STREAM  # the broker went down in the middle of the stream
    publish_second_half(system, half, RESTART_STREAM)

    # The talent pool reconnects by itself: nothing is restarted but the broker.
    system.wait_until_settled([AWARDS_QUEUE], WAIT, running=[TALENT_POOL])
    system.wait_for_talent_pool()  # and serves RPC again
    assert_admitted_exactly_once(system, taps, RESTART_STREAM)


# 5. a handler that keeps failing


def failure_log(system, event_id):
    """(retries logged, parkings logged) for ``event_id`` in the talent pool's log."""
    lines = system.log(TALENT_POOL).splitlines()
    retries = [line for line in lines if f"{AWARDS_QUEUE} failed (attempt" in line]
    parkings = [line for line in lines if line.split(": ", 1)[-1].startswith(f"parked {event_id} ")]
    return retries, parkings


def wait_until_parked(system, count=1):
    wait_until(lambda: len(parked(system)) == count, WAIT, message=f"{count} message(s) parked")
    system.wait_until_settled([AWARDS_QUEUE, *RETRY_QUEUES])
    return parked(system)


def test_an_award_the_pool_cannot_read_is_retried_a_bounded_number_of_times_then_parked(system):
    declare(system)
    system.start(GATEWAY)
    start_talent_pool(system, EVENT_RETRY_DELAYS=str(list(RETRY_DELAYS)))
    system.wait_for_gateway()
    data = {key: value for key, value in award(7).items() if key != "person_key"}
    malformed = make_event(CONTESTANT_AWARDED, data, source="competitions", correlation_id="req-7")
    system.publish([malformed])

    [stored] = wait_until_parked(system)
    attempts = 1 + len(RETRY_DELAYS)
    assert (stored["event_id"], stored["attempts"], stored["queue"]) == (
        malformed["event_id"], attempts, AWARDS_QUEUE)
    assert stored["body"] == malformed
    assert "ValidationError" in stored["error"] and "person_key" in stored["error"]
    retries, parkings = failure_log(system, malformed["event_id"])
    assert len(retries) == len(RETRY_DELAYS) and len(parkings) == 1  # bounded, then parked
    assert system.talents() == []

    # Listed for an operator: by the CLI ...
    listing = run_cli(system, "parked", "list", "--service", "talent_pool")
    assert listing.startswith("1 parked in talent_pool")
    assert malformed["event_id"] in listing and "person_key" in listing
    # ... and through the gateway, for admins only.
    admin = issue_token(system.token_secret, "ops-1", "admin")
    reviewer = issue_token(system.token_secret, "rev-1", "reviewer")
    url = f"{system.base_url}/admin/parked/talent_pool"
    page = requests.get(url, headers={"Authorization": f"Bearer {admin}"}, timeout=30)
    assert page.status_code == 200, page.text
    [shown] = page.json()["items"]
    assert page.json()["total"] == 1
    assert (shown["event_id"], shown["attempts"]) == (malformed["event_id"], attempts)
    assert "person_key" in shown["error"]
    assert requests.get(url, headers={"Authorization": f"Bearer {reviewer}"},
                        timeout=30).status_code == 403

    # Replayed while the cause is still there: the same bounded retries, parked again.
    assert run_cli(system, "parked", "replay", "--service", "talent_pool").strip() == \
        "replayed 1 from talent_pool"
    [again] = wait_until_parked(system)
    assert (again["event_id"], again["attempts"]) == (malformed["event_id"], attempts)
    retries, parkings = failure_log(system, malformed["event_id"])
    assert len(retries) == 2 * len(RETRY_DELAYS) and len(parkings) == 2
    assert system.talents() == []
    assert system.running(TALENT_POOL)


def test_an_award_the_store_cannot_take_is_parked_and_admitted_on_replay_once_it_can(system):
    taps = declare(system)
    start_talent_pool(system, EVENT_RETRY_DELAYS=str(list(RETRY_DELAYS)))
    # Another process holds the talents' database (as a backup tool might): every write the
    # talent pool tries fails with "database is locked" once SQLite's busy timeout is over.
    talents_file = system.data_dir / "talent_pool" / "jiangxin" / "talents"
    lock = sqlite3.connect(str(talents_file), isolation_level=None, timeout=1)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        envelope = awarded(0)
        system.publish([envelope])
        [stored] = wait_until_parked(system)
    finally:
        lock.close()  # the cause is gone
    assert (stored["event_id"], stored["attempts"]) == (envelope["event_id"], 1 + len(RETRY_DELAYS))
    assert "database is locked" in stored["error"]
    retries, parkings = failure_log(system, envelope["event_id"])
    assert len(retries) == len(RETRY_DELAYS) and len(parkings) == 1
    assert system.talents() == []
    assert run_cli(system, "parked", "list", "--service", "talent_pool").startswith(
        "1 parked in talent_pool")

    assert run_cli(system, "parked", "replay", "--service", "talent_pool").strip() == \
        "replayed 1 from talent_pool"
    wait_until(lambda: system.count_talents() == 1, WAIT, message="the replayed award admitted")
    system.wait_until_settled([AWARDS_QUEUE, *RETRY_QUEUES])
    [talent] = system.talents()
    assert talent["person_key"] == AwardedV1().load(envelope["data"])["person_key"]
    assert talent["status"] == "active" and len(talent["honours"]) == 1
    assert talent["history"][0]["source_event"] == envelope["event_id"]
    assert parked(system) == []
    events = announced(system, taps)
    assert [e["data"]["talent_id"] for e in events[ADMITTED]] == [talent["_id"]]
    assert failure_log(system, envelope["event_id"]) == (retries, parkings)  # nothing more failed
