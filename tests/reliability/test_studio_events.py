"""The studios' events reach the talent pool exactly once in effect, whatever happens on the way,
against the real broker and real `nameko run` processes (tests/processes.py):

- results verified and a rating put into effect while the talent pool is down wait in its
  queues (counted there, by the broker) and are recorded when it starts;
- a stream of 1,000 verified results survives the talent pool being SIGKILLed in the middle of
  it: every author's record holds each of their results once, none missing, none doubled.

Events the tests publish themselves are built through the publisher's own contract
(``ResultVerifiedV1``) and published as the studios relay publishes them. Whether a message was
handled is asked of the broker, never guessed from elapsed time.
"""
import collections
import datetime

import pytest

from common.clock import utc_datetime
from common.events import make_event
from common.personal_id import PersonalDataProtector
from common.testing import callers, contracts, factories
from common.testing.waiting import wait_until
from common.topology import subscriptions
from services.studios.events import RESULT_VERIFIED, STUDIO_RATED, ResultVerifiedV1
from services.studios.service import StudiosService
from services.talent_pool.service import TalentPoolService
from tests.processes import PERSONAL_DATA_SECRET, STUDIOS, TALENT_POOL
from tests.reliability.test_talent_admission import start_talent_pool

pytestmark = pytest.mark.slow

WAIT = 120
STREAM = 1000
QUEUES = {event_type: queue for source, event_type, queue in subscriptions(TalentPoolService)
          if source == "studios"}
REVIEWER = callers.reviewer("reviewer-1", enterprise="建湖县总工会").to_dict()
PANEL = [{"expert": f"专家{n}", "score": score} for n, score in enumerate((8, 9, 9.5, 7, 8.5))]


def verified(n):
    """result.verified v1 for result ``n``, by two authors of 100: everyone authors 20 of them."""
    authors = [{"person_key": f"{0xB000 + (n + k) % 100:032x}", "name": f"成员{(n + k) % 100:03d}",
                "id_number_masked": "320***********0011"} for k in (0, 1)]
    data = contracts.result_verified(result_id=f"res-{n:012x}", title=f"攻关成果{n:04d}", authors=authors)
    return make_event(RESULT_VERIFIED, ResultVerifiedV1().load(data), source="studios",
                      correlation_id=f"req-{n}")


def results_by_author(system):
    """{person_key: [result ids on their record]} from the talent pool's store."""
    return {t["person_key"]: [r["result_id"] for r in t.get("innovation_results", ())]
            for t in system.talents()}


def assert_each_result_once(system, count):
    held = results_by_author(system)
    expected = collections.defaultdict(list)
    for n in range(count):
        for author in verified(n)["data"]["authors"]:
            expected[author["person_key"]].append(f"res-{n:012x}")
    assert {key: sorted(ids) for key, ids in held.items()} == {
        key: sorted(ids) for key, ids in expected.items()}


def sealed(payload):
    """A studio's registration as the gateway sends it: every ID number sealed."""
    protector = PersonalDataProtector(PERSONAL_DATA_SECRET)
    return {**payload, "lead": protector.sealed(payload["lead"]),
            "members": [protector.sealed(m) for m in payload["members"]]}


def test_what_the_studios_announce_while_the_talent_pool_is_down_waits_and_is_recorded(system):
    system.declare_topology([TalentPoolService, StudiosService])
    system.start(STUDIOS)
    system.wait_for_studios()
    with system.rpc(timeout=60) as cluster:
        studios = cluster.studios
        studio = studios.register_studio(REVIEWER, sealed(factories.studio_payload()))
        lead = callers.studio_lead(studio["id"]).to_dict()
        authors = [studio["lead"]["member_id"], studio["members"][1]["member_id"]]
        for n in range(5):
            result = studios.create_result(lead, studio["id"], factories.result_payload(
                authors, title=f"攻关成果之{n}", converted=True, people_trained=40,
                prior_award_level="city"))
            studios.submit_result(lead, result["id"])
            for action in ("start_review", "verify"):
                studios.review_result(REVIEWER, result["id"], {"action": action, "comment": "通过"})
        round_ = studios.open_round(REVIEWER, {"name": "2026年度评定", "unit": studio["unit"],
                                               "year": 2026,
                                               "period": {"from": "2025-06-01", "to": "2026-05-31"}})
        for item in ("site_visit", "expert_review"):
            studios.record_panel_scores(REVIEWER, round_["id"], {"studio_id": studio["id"],
                                                                 "item": item, "scores": PANEL})
        studios.compute_proposals(REVIEWER, round_["id"])
        closes = (utc_datetime() + datetime.timedelta(seconds=2)).isoformat(timespec="milliseconds")
        studios.open_notice(REVIEWER, round_["id"], {"closes_at": closes})

    # Five results and, once the notice has closed, the rating: waiting, nobody consuming.
    wait_until(lambda: system.queue_counts().get(QUEUES[RESULT_VERIFIED]) == (5, 0)
               and system.queue_counts().get(QUEUES[STUDIO_RATED]) == (1, 0), WAIT,
               message="the studios' events waiting in the talent pool's queues")
    assert system.count_talents() == 0

    start_talent_pool(system)
    system.wait_until_settled(list(QUEUES.values()), WAIT)
    talents = {t["name"]: t for t in system.talents()}
    assert talents["王建国"]["status"] == "active"
    assert len(talents["王建国"]["studio_honours"]) == 1
    for name in ("王建国", studio["members"][1]["name"]):
        assert len(talents[name]["innovation_results"]) == 5


def test_a_talent_pool_killed_mid_stream_records_each_of_1000_results_exactly_once(system):
    system.declare_topology([TalentPoolService])
    start_talent_pool(system)
    half = STREAM // 2
    system.publish([verified(n) for n in range(half)], source="studios")
    wait_until(lambda: sum(map(len, results_by_author(system).values())) >= half // 5, WAIT,
               interval=0.05, message="part of the stream recorded")
    system.kill(TALENT_POOL)
    system.publish([verified(n) for n in range(half, STREAM)], source="studios")

    ready, _ = system.queue_counts()[QUEUES[RESULT_VERIFIED]]
    assert ready >= STREAM - half  # the second half, and what it had not acked, wait

    start_talent_pool(system)
    system.wait_until_settled([QUEUES[RESULT_VERIFIED]], WAIT)
    assert_each_result_once(system, STREAM)
