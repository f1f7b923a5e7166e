"""Whatever a message on its queue holds, the talent pool (a real `nameko run` process on the
real broker) parks it, listable and replayable as it came, and goes on admitting the next award;
restarted, it does not crash on what it parked. Messages are put on the queue raw, with kombu, as
a faulty or hostile publisher would; every wait asks the broker or the store, never the clock."""
import json
import pickle

import pytest
from kombu import Connection, Producer

from common.consumer import ATTEMPTS_HEADER, MAX_RAW_BYTES
from common.testing.waiting import wait_until
from common.topology import event_exchange
from services.competitions.events import CONTESTANT_AWARDED
from tests.processes import TALENT_POOL
from tests.reliability.test_talent_admission import (AWARDS_QUEUE, RETRY_DELAYS, RETRY_QUEUES, WAIT,
                                                     awarded, declare, parked, run_cli,
                                                     start_talent_pool)

pytestmark = pytest.mark.slow


def unreadable(n, **overrides):
    envelope = awarded(n, **overrides)
    return {**envelope, "version": 2}  # a version the pool has no reading of: retried, parked


def json_bytes(body):
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


# name -> (raw body, content type, headers)
BAD = {
    "a retry count that is text": (json_bytes(unreadable(1)), "application/json",
                                   {ATTEMPTS_HEADER: "abc"}),
    "a retry count that is a list": (json_bytes(unreadable(2)), "application/json",
                                     {ATTEMPTS_HEADER: [1, 2]}),
    "invalid JSON": (b'{"event_id": "evt-1", "data": {', "application/json", {}),
    "plain text": ("一等奖 for everyone".encode("utf-8"), "text/plain", {}),
    "a pickle": (pickle.dumps({"event_id": "evt-2"}), "application/x-python-serialize", {}),
    "an integer beyond 64 bits": (json_bytes({**unreadable(3), "n": 2 ** 64}), "application/json", {}),
    "a NUL in a key": (json_bytes({"event_id": "evt-4", "bad\u0000key": 1}), "application/json", {}),
    "an envelope beyond 256 KiB": (json_bytes(awarded(5, name="名" * 100_000)), "application/json", {}),
    "a name beyond the pool's bound": (json_bytes(awarded(6, name="名" * 101)), "application/json", {}),
    "a 6 MiB name": (json_bytes(awarded(7, name="x" * 6 * 1024 * 1024)), "application/json", {}),
}


def put_raw(system, body, content_type, headers):
    with Connection(system.amqp_uri, connect_timeout=5) as connection:
        Producer(connection.channel()).publish(
            body, exchange=event_exchange("competitions"), routing_key=CONTESTANT_AWARDED,
            content_type=content_type, content_encoding="binary", headers=headers,
            delivery_mode=2)


def raw_forms(documents):
    return sorted((d.get("raw") or "", d.get("content_type") or "", d.get("truncated") or False)
                  for d in documents)


def settle(system, talents, parked_count):
    wait_until(lambda: system.count_talents() == talents and len(parked(system)) == parked_count,
               WAIT, message=f"{talents} talents and {parked_count} parked")
    system.wait_until_settled([AWARDS_QUEUE, *RETRY_QUEUES], WAIT, running=[TALENT_POOL])


def test_every_bad_message_ends_parked_and_the_pool_goes_on_consuming(system):
    declare(system)
    start_talent_pool(system, EVENT_RETRY_DELAYS=str(list(RETRY_DELAYS)))
    for body, content_type, headers in BAD.values():
        put_raw(system, body, content_type, headers)
    system.publish([awarded(0)])  # a good award after them all

    settle(system, talents=1, parked_count=len(BAD))
    first = parked(system)
    kept_whole = [d for d in first if not d.get("truncated")]
    [cut_short] = [d for d in first if d.get("truncated")]  # the 6 MiB one, kept in part
    assert cut_short["size"] > 6 * 1024 * 1024 and cut_short["raw_encoding"] == "utf-8"
    assert MAX_RAW_BYTES - 3 <= len(cut_short["raw"].encode("utf-8")) <= MAX_RAW_BYTES
    assert all("too large" in d["error"] for d in first if (d.get("size") or 0) > 256 * 1024)
    # Retried, then parked: the two odd retry counts (counted from 0) and the name beyond the
    # pool's bound; everything else (no envelope, too large) at once.
    assert sorted(d["attempts"] for d in first) == [1] * 7 + [1 + len(RETRY_DELAYS)] * 3
    assert [t["name"] for t in system.talents()] == [awarded(0)["data"]["name"]]
    listing = run_cli(system, "parked", "list", "--service", "talent_pool", "--limit", "100")
    assert listing.startswith(f"{len(BAD)} parked in talent_pool")

    # Replayed: every one kept whole goes back as it came and, still bad, is parked again alike.
    assert run_cli(system, "parked", "replay", "--service", "talent_pool").strip() == \
        f"replayed {len(kept_whole)} from talent_pool"
    settle(system, talents=1, parked_count=len(BAD))
    assert raw_forms(parked(system)) == raw_forms(first)
    assert sorted(json.dumps(d.get("body"), sort_keys=True) for d in parked(system)) == \
        sorted(json.dumps(d.get("body"), sort_keys=True) for d in first)

    # Restarted on the same store and queues, it starts and admits the next award.
    system.kill(TALENT_POOL)
    start_talent_pool(system, EVENT_RETRY_DELAYS=str(list(RETRY_DELAYS)))
    system.publish([awarded(8)])
    settle(system, talents=2, parked_count=len(BAD))
    assert system.running(TALENT_POOL)
