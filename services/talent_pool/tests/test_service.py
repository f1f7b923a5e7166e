"""The talent pool in a real container on the real broker: awards published to the competitions
exchange as the competitions service's relay publishes them, curators' and organisers' RPC calls,
and the events the pool announces received by a real consumer."""
import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from common.clock import utc_datetime
from common.errors import BadRequest, Conflict, Forbidden, NotFound
from common.personal_id import PersonalDataProtector, make_id_number
from common.storage import Store
from common.testing import callers, contracts
from common.testing.contracts import award, envelope, nothing
from common.testing.events import event_recorder, publish_event
from common.testing.personal_data import assert_cannot_rebuild
from common.testing.waiting import wait_until
from services.talent_pool import admission, curation, search, studio_records
from services.talent_pool.service import TalentPoolService
from tests.processes import settled

# Stands in for notifications: records what the talent pool announces.
TalentListener = event_recorder("talent_pool", "talent.admitted", "talent.updated",
                                name="talent_listener")
ANNOUNCED = TalentListener.received


@pytest.fixture
def pool(container_factory, service_config):
    ANNOUNCED.clear()
    config = {**service_config, "EVENT_RETRY_DELAYS": [0.1, 0.2]}
    container_factory(TalentListener, config).start()
    container = container_factory(TalentPoolService, config)
    container.start()

    protector = PersonalDataProtector(config["PERSONAL_DATA_SECRET"])

    def call(method, caller, *args, **kwargs):
        if method == "nominate":  # as the gateway sends it: the ID number sealed
            *args, payload = args
            args = (*args, protector.sealed(payload))
        with entrypoint_hook(container, method) as hook:
            return hook(caller.to_dict() if caller else None, *args, **kwargs)

    call.container = container
    call.config = config
    call.store = next(e for e in container.extensions if isinstance(e, Store)).repository
    call.policy = next(e for e in container.extensions if hasattr(e, "policy")).policy
    return call


# event type -> (publishing service, the pool's handler)
HANDLERS = {
    contracts.CONTESTANT_AWARDED: ("competitions", "contestant_awarded"),
    contracts.STUDIO_RATED: ("studios", "studio_rated"),
    contracts.RATING_REVOKED: ("studios", "studio_rating_revoked"),
    contracts.RESULT_VERIFIED: ("studios", "result_verified"),
}


def deliver(pool, *bodies):
    """Publish each body and wait until the handler has finished with it."""
    for body in bodies:
        with entrypoint_waiter(pool.container, HANDLERS[body["event_type"]][1], timeout=10):
            publish_event(pool.config["AMQP_URI"], body)




def announced(event_type):
    return [e for e in ANNOUNCED if e["event_type"] == event_type]


def wait_until_all_announced(pool):
    """Until the pool's outboxes are empty (all it wrote was confirmed in the listener's queues)
    and no queue holds a message: from then on ANNOUNCED is all there will ever be."""
    wait_until(lambda: pool.store.talents.count_documents({"outbox.0": {"$exists": True}}) == 0)
    wait_until(lambda: settled(pool.config["AMQP_URI"]))


def only_talent(pool, **query):
    page = pool("search_talents", callers.reviewer(), {"status": "all", **query})
    assert page["total"] == 1, page
    return pool("get_talent", callers.reviewer(), page["items"][0]["id"])


# admission from competition results


def test_a_winner_is_admitted_once_however_often_the_award_arrives(pool):
    first = envelope(award())
    # A redelivery of the same envelope, and the same award announced again under a new id.
    deliver(pool, first, first, envelope(award()))

    talent = only_talent(pool)
    assert talent["status"] == "active" and talent["skill_level"] == "技师"
    assert len(talent["honours"]) == 1 and len(talent["history"]) == 1
    assert talent["history"][0]["source_event"] == first["event_id"]
    wait_until(lambda: announced("talent.admitted"))
    wait_until_all_announced(pool)
    [event] = announced("talent.admitted")
    assert event["data"]["talent_id"] == talent["id"] and event["correlation_id"] == "req-test"
    assert announced("talent.updated") == []
    assert pool.store.talents.find_one({"_id": talent["id"]}).get("outbox", []) == []


def test_a_correction_updates_the_honour_and_a_late_original_changes_nothing(pool):
    deliver(pool, envelope(award()))
    corrected = award(publication_version=2, rank=2, prize="second", prize_name="二等奖", titles=[],
                      correction_reason="第3号裁判分数录入错误")
    deliver(pool, envelope(corrected), envelope(award()))

    talent = only_talent(pool)
    [honour] = talent["honours"]
    assert (honour["prize"], honour["publication_version"], honour["titles"]) == ("second", 2, [])
    assert talent["history"][-1]["action"] == "award_corrected"
    wait_until(lambda: announced("talent.updated"))
    [update] = announced("talent.updated")
    assert update["data"]["action"] == "award_corrected"
    assert update["data"]["honours"][0]["prize"] == "second"


def test_a_correction_that_takes_the_award_away_keeps_the_talent_for_a_curator(pool):
    deliver(pool, envelope(award()), envelope(nothing(publication_version=2)))
    talent = only_talent(pool)
    assert talent["status"] == "active" and "removed the award" in talent["needs_review"]["reason"]
    flagged = pool("search_talents", callers.reviewer(), {"needs_review": True})
    assert [t["id"] for t in flagged["items"]] == [talent["id"]]


def test_below_the_policy_the_worker_is_a_candidate_and_search_shows_active_by_default(pool):
    deliver(pool, envelope(award(level="county")))
    assert pool("search_talents", callers.reviewer(), {})["total"] == 0
    candidate = only_talent(pool, status="candidate")
    assert candidate["honours"][0]["prize"] == "first" and candidate["admitted_at"] is None
    wait_until_all_announced(pool)
    assert ANNOUNCED == []  # candidates are recorded quietly


def test_an_award_the_pool_cannot_read_is_retried_then_parked_for_an_admin(pool):
    unreadable = envelope(award(), version=2)
    publish_event(pool.config["AMQP_URI"], unreadable)
    wait_until(lambda: pool("list_parked", callers.admin(), {})["total"] == 1)
    [parked] = pool("list_parked", callers.admin(), {})["items"]
    assert parked["event_id"] == unreadable["event_id"] and parked["attempts"] == 3
    assert "no reading of competition.contestant_awarded v2" in parked["error"]
    with pytest.raises(Forbidden):
        pool("list_parked", callers.reviewer(), {})
    with pytest.raises(Forbidden):  # no caller at all: a 403 too, never a 500
        pool("list_parked", None, {})
    with pytest.raises(Forbidden):
        pool("replay_parked", callers.reviewer(), parked["id"])
    with pytest.raises(NotFound):
        pool("replay_parked", callers.admin(), "no-such-id")

    assert pool("replay_parked", callers.admin(), parked["id"]) == {"replayed": 1}
    wait_until(lambda: pool("list_parked", callers.admin(), {})["total"] == 1)  # parked again
    assert pool("search_talents", callers.reviewer(), {"status": "all"})["total"] == 0


def test_a_configured_policy_admits_certified_finalists(container_factory, service_config):
    policy = {"admit_certified": True, "min_competition_level": "county"}
    container = container_factory(TalentPoolService, {**service_config, "TALENT_ADMISSION_POLICY": policy})
    container.start()
    with entrypoint_hook(container, "contestant_awarded") as handle:
        handle(envelope(contracts.certified_only(level="county")))
    with entrypoint_hook(container, "search_talents") as search:
        [row] = search(callers.reviewer().to_dict(), {})["items"]
    assert row["status"] == "active" and row["certificates"] == ["高级工"]


def test_a_policy_with_a_typo_stops_the_service(container_factory, service_config):
    container = container_factory(TalentPoolService,
                                  {**service_config, "TALENT_ADMISSION_POLICY": {"min_level": "city"}})
    with pytest.raises(ValueError, match="min_level"):
        container.start()


# studio ratings and verified results

AUTHOR = contracts.result_verified()["authors"][1]


def rated_envelope(**overrides):
    return contracts.studio_envelope(contracts.STUDIO_RATED, contracts.studio_rated(**overrides))


def revoked_envelope(**overrides):
    return contracts.studio_envelope(contracts.RATING_REVOKED, contracts.rating_revoked(**overrides))


def result_envelope(**overrides):
    return contracts.studio_envelope(contracts.RESULT_VERIFIED, contracts.result_verified(**overrides))


def test_a_rated_studios_lead_is_admitted_once_however_often_the_rating_arrives(pool):
    first = rated_envelope()
    deliver(pool, first, first, rated_envelope())

    talent = only_talent(pool)
    assert talent["status"] == "active" and "4星" in talent["status_reason"]
    [honour] = talent["studio_honours"]
    assert (honour["stars"], honour["status"], honour["rating_id"]) == (4, "rated", first["data"]["rating_id"])
    assert talent["studio_memberships"][0]["role"] == "lead" and talent["units"] == [callers.UNIT]
    assert len(talent["history"]) == 1 and talent["history"][0]["source_event"] == first["event_id"]
    assert pool("get_talent", callers.organiser(), talent["id"])["id"] == talent["id"]
    wait_until(lambda: announced("talent.admitted"))
    wait_until_all_announced(pool)
    [event] = announced("talent.admitted")
    assert event["data"]["source"] == {"kind": "studio", "studio_id": honour["studio_id"],
                                       "rating_id": honour["rating_id"]}
    assert event["data"]["studio_honours"][0]["stars"] == 4
    assert announced("talent.updated") == []


def test_a_revocation_delivered_twice_flags_the_lead_once(pool):
    deliver(pool, rated_envelope())
    revocation = revoked_envelope()
    deliver(pool, revocation, revocation, revoked_envelope())

    talent = only_talent(pool)
    assert talent["status"] == "active" and "was revoked" in talent["needs_review"]["reason"]
    assert talent["studio_honours"][0]["status"] == "revoked"
    assert [h["action"] for h in talent["history"]] == ["admitted", "studio_rating_revoked"]
    wait_until_all_announced(pool)
    [update] = announced("talent.updated")
    assert update["data"]["action"] == "studio_rating_revoked" and update["data"]["needs_review"] is True


def test_a_revocation_before_its_rating_admits_no_one(pool):
    deliver(pool, revoked_envelope(), rated_envelope())

    talent = only_talent(pool, status="candidate")
    assert talent["studio_honours"][0]["status"] == "revoked"
    assert talent["studio_honours"][0]["round_name"]  # the late rating filled in its round
    wait_until_all_announced(pool)
    assert ANNOUNCED == []


def test_a_verified_result_delivered_twice_is_on_each_authors_talent_once(pool):
    deliver(pool, rated_envelope())
    result = result_envelope()
    deliver(pool, result, result, result_envelope())

    lead = only_talent(pool, status="active")
    author = only_talent(pool, status="candidate")
    for talent in (lead, author):
        [entry] = talent["innovation_results"]
        assert entry["result_id"] == result["data"]["result_id"]
    assert (author["name"], author["studio_memberships"][0]["role"]) == (AUTHOR["name"], "member")
    assert [h["action"] for h in lead["history"]] == ["admitted", "result_recorded"]
    assert len(author["history"]) == 1
    wait_until_all_announced(pool)
    [update] = announced("talent.updated")  # the candidate is recorded quietly
    assert update["data"]["action"] == "result_recorded"
    assert update["data"]["innovation_results"][0]["title"] == result["data"]["title"]


class DiesAfterWrites:
    """The pool's store, in a process that dies after ``writes`` talent writes."""

    def __init__(self, store, writes):
        self.store, self.writes = store, writes

    def __getattr__(self, name):
        return getattr(self.store, name)

    def save_talent(self, *args, **kwargs):
        if self.writes == 0:
            raise RuntimeError("the process died here")
        self.writes -= 1
        return self.store.save_talent(*args, **kwargs)


def test_a_result_cut_short_after_its_first_author_is_completed_by_the_redelivery(pool):
    result = result_envelope()
    with pytest.raises(RuntimeError):
        studio_records.record_verified_result(DiesAfterWrites(pool.store, 1), result)
    first = only_talent(pool)
    assert first["name"] == "王建国" and len(first["innovation_results"]) == 1

    deliver(pool, result)  # the message, never acked, comes again
    assert only_talent(pool, name="王建国") == first
    assert only_talent(pool, name=AUTHOR["name"])["innovation_results"][0]["author_position"] == 2


def test_a_malformed_studio_event_is_parked_not_lost(pool):
    malformed = rated_envelope(stars=9)
    publish_event(pool.config["AMQP_URI"], malformed)
    wait_until(lambda: pool("list_parked", callers.admin(), {})["total"] == 1)
    [parked] = pool("list_parked", callers.admin(), {})["items"]
    assert parked["event_id"] == malformed["event_id"] and parked["attempts"] == 3
    assert "stars" in parked["error"] and parked["queue"].endswith("--talent_pool.studio_rated")
    assert parked["body"] == malformed
    assert pool("search_talents", callers.reviewer(), {"status": "all"})["total"] == 0


def test_a_studio_event_parked_while_it_could_not_be_stored_applies_once_when_replayed(pool, monkeypatch):
    def unavailable(*args, **kwargs):
        raise RuntimeError("the store is unavailable")

    monkeypatch.setattr(studio_records, "record_rating_revoked", unavailable)
    deliver(pool, rated_envelope())
    revocation = revoked_envelope()
    publish_event(pool.config["AMQP_URI"], revocation)
    wait_until(lambda: pool("list_parked", callers.admin(), {})["total"] == 1)
    monkeypatch.undo()

    [parked] = pool("list_parked", callers.admin(), {})["items"]
    with entrypoint_waiter(pool.container, "studio_rating_revoked", timeout=10):
        assert pool("replay_parked", callers.admin(), parked["id"]) == {"replayed": 1}
    deliver(pool, revocation)  # and once more, as a relay resending it would
    talent = only_talent(pool)
    assert [h["action"] for h in talent["history"]] == ["admitted", "studio_rating_revoked"]
    assert pool("list_parked", callers.admin(), {})["total"] == 0


# curation


def nomination_payload(**overrides):
    return {"name": "李娜", "id_number": make_id_number(region="370902", sequence=42),
            "employer": "泰安重工", "industry_chain": "机器人", "trade": "工业机器人系统运维员",
            "skill_level": "高级技师", "reason": "省级技能大师工作室领办人", **overrides}


def test_a_nomination_passes_three_reviews_and_admits_the_worker(pool):
    payload = nomination_payload()
    nomination = pool("nominate", callers.reviewer("rev-0"), payload)
    assert nomination["status"] == "in_review" and nomination["stage"] == "qualification_review"
    assert nomination["id_number"] == payload["id_number"][:3] + "*" * 11 + payload["id_number"][-4:]
    with pytest.raises(Conflict):
        pool("nominate", callers.reviewer("rev-0"), payload)  # one open nomination per person

    nid = nomination["id"]
    with pytest.raises(Conflict):
        pool("review_nomination", callers.reviewer("rev-1"), nid,
             {"decision": "pass", "comment": "跳过", "stage": "final_review"})
    with pytest.raises(Forbidden):
        pool("review_nomination", callers.reviewer("rev-0"), nid, {"decision": "pass", "comment": "自审"})
    for reviewer, stage in (("rev-1", "qualification_review"), ("rev-2", "expert_review"),
                            ("rev-3", "final_review")):
        nomination = pool("review_nomination", callers.reviewer(reviewer), nid,
                          {"decision": "pass", "comment": f"{stage} 通过", "stage": stage})
    assert nomination["status"] == "admitted" and nomination["talent_id"]
    with pytest.raises(Conflict):
        pool("review_nomination", callers.admin(), nid, {"decision": "reject", "comment": "晚了"})

    talent = pool("get_talent", callers.reviewer(), nomination["talent_id"])
    assert talent["status"] == "active" and talent["skill_level"] == "高级技师"
    assert talent["id_number"] == nomination["id_number"]
    assert talent["sources"][0]["nomination_id"] == nid
    assert payload["id_number"] not in str(talent) and payload["id_number"] not in str(nomination)
    listed = pool("list_nominations", callers.reviewer(), {"status": "admitted"})
    assert [n["id"] for n in listed["items"]] == [nid]
    wait_until(lambda: announced("talent.admitted"))
    assert announced("talent.admitted")[0]["data"]["source"] == {"kind": "nomination", "nomination_id": nid}
    # Closed: the same person may be nominated again (e.g. for another trade).
    assert pool("nominate", callers.reviewer("rev-0"), payload)["status"] == "in_review"


def test_a_stored_nomination_and_its_talent_cannot_give_the_id_number_back(pool):
    payload = nomination_payload()
    nid = pool("nominate", callers.reviewer("rev-0"), payload)["id"]
    stored = pool.store.nomination(nid)
    assert stored["region_code"] == payload["id_number"][:6]
    assert_cannot_rebuild(stored, payload["id_number"])
    for reviewer, stage in (("rev-1", "qualification_review"), ("rev-2", "expert_review"),
                            ("rev-3", "final_review")):
        nomination = pool("review_nomination", callers.reviewer(reviewer), nid,
                          {"decision": "pass", "comment": "通过", "stage": stage})
    assert_cannot_rebuild(pool.store.talent(nomination["talent_id"]), payload["id_number"])


def test_a_rejected_nomination_admits_no_one(pool):
    nid = pool("nominate", callers.reviewer("rev-0"), nomination_payload())["id"]
    rejected = pool("review_nomination", callers.reviewer("rev-1"), nid,
                    {"decision": "reject", "comment": "材料不全"})
    assert rejected["status"] == "rejected" and rejected["reviews"][0]["comment"] == "材料不全"
    assert pool("search_talents", callers.reviewer(), {"status": "all"})["total"] == 0


def test_nominations_are_checked_and_for_curators_only(pool):
    valid = nomination_payload()["id_number"]
    wrong_check_digit = valid[:17] + ("0" if valid[17] != "0" else "1")
    with pytest.raises(BadRequest) as error:
        pool("nominate", callers.reviewer(), nomination_payload(id_number=wrong_check_digit))
    assert "id_number" in error.value.fields
    with pytest.raises(BadRequest) as error:
        pool("nominate", callers.reviewer(), {**nomination_payload(), "salary": 1})
    assert "salary" in error.value.fields
    with pytest.raises(Forbidden):
        pool("nominate", callers.organiser(), nomination_payload())
    nid = pool("nominate", callers.admin(), nomination_payload())["id"]
    with pytest.raises(NotFound):
        pool("get_nomination", callers.organiser(), nid)
    with pytest.raises(Forbidden):
        pool("list_nominations", callers.judge(), {})
    assert pool("get_nomination", callers.reviewer(), nid)["id"] == nid


def test_an_admission_cut_short_by_a_crash_is_finished_once(pool):
    nomination = pool("nominate", callers.reviewer("rev-0"), nomination_payload())
    stored = pool.store.nomination(nomination["id"])
    for reviewer in ("rev-1", "rev-2", "rev-3"):
        reviewed = curation.review(stored, "pass", "ok", reviewer, utc_datetime())
        pool.store.save_nomination(stored, reviewed)  # the process dies before the talent is written
        stored = reviewed
    assert pool.store.nominations_to_apply()
    curation.resume_admissions(pool.store, pool.policy)
    curation.resume_admissions(pool.store, pool.policy)
    talent = only_talent(pool)
    assert talent["status"] == "active" and len(talent["history"]) == 1
    assert pool("get_nomination", callers.reviewer(), nomination["id"])["talent_id"] == talent["id"]
    assert pool.store.nominations_to_apply() == []


def test_status_changes_with_reasons_and_illegal_ones_refused(pool):
    deliver(pool, envelope(award()))
    tid = only_talent(pool)["id"]
    expired = pool("change_talent_status", callers.reviewer(), tid, {"status": "expired", "reason": "复核到期"})
    assert expired["status"] == "expired" and expired["status_reason"] == "复核到期"
    with pytest.raises(Conflict):
        pool("change_talent_status", callers.reviewer(), tid, {"status": "expired", "reason": "again"})
    with pytest.raises(BadRequest):
        pool("change_talent_status", callers.reviewer(), tid, {"status": "expired"})
    back = pool("change_talent_status", callers.admin(), tid, {"status": "active", "reason": "复核通过"})
    assert back["status"] == "active"
    assert [h["action"] for h in back["history"]] == ["admitted", "expired", "reactivated"]
    wait_until(lambda: len(announced("talent.updated")) == 2)
    assert [e["data"]["status"] for e in announced("talent.updated")] == ["expired", "active"]


# access


def test_organisers_read_the_talents_of_their_own_unit_only(pool):
    deliver(pool, envelope(award()),
            envelope(award(person_key=contracts.person_key(), organising_unit="taian-union",
                           competition_id="cmp-taian", name="赵强")))
    mine = pool("search_talents", callers.organiser(), {})
    assert [t["name"] for t in mine["items"]] == ["王建国"]
    tid = mine["items"][0]["id"]
    assert pool("get_talent", callers.organiser(), tid)["units"] == [callers.UNIT]
    with pytest.raises(NotFound):
        pool("get_talent", callers.organiser(unit="taian-union"), tid)
    with pytest.raises(NotFound):
        pool("change_talent_status", callers.organiser(unit="taian-union"), tid,
             {"status": "removed", "reason": "x"})
    with pytest.raises(Forbidden):
        pool("change_talent_status", callers.organiser(), tid, {"status": "removed", "reason": "x"})
    with pytest.raises(Forbidden):
        pool("search_talents", callers.judge(), {})
    with pytest.raises(NotFound):
        pool("get_talent", callers.judge(), tid)
    assert pool("talent_statistics", callers.organiser(unit="taian-union"), {})["total"] == 1
    assert pool("talent_statistics", callers.reviewer(), {})["total"] == 2


# finding talents

CHAINS = ("装备制造", "汽车制造")
TRADES = ("数控车工", "电焊工", "钳工")


def seed(pool, count=30):
    """``count`` winners across chains, trades, levels, regions and employers, admitted through the
    same use case the handler runs."""
    for n in range(count):
        prize = ("first", "second", "third", None)[n % 4]
        data = award(person_key=contracts.person_key(1000 + n), name=f"选手{n:02d}",
                     competition_id=f"cmp-{n % 3}", event_id=f"evt-{n % 5}",
                     industry_chain=CHAINS[n % 2], trade=TRADES[n % 3],
                     promotion_level=("高级工", "技师", "高级技师")[n % 3], certificate_level=None,
                     region_code=("320925", "320981", "370902")[n % 3],
                     employer=("江苏建湖机床厂", "泰安重工")[n % 2],
                     prize=prize, prize_name={"first": "一等奖", "second": "二等奖", "third": "三等奖"}.get(prize),
                     titles=["技术能手"] if n % 4 == 3 else [])
        admission.record_award(pool.store, pool.policy, envelope(data))


def test_search_filters(pool):
    seed(pool)
    reviewer = callers.reviewer()

    def names(**query):
        return [t["name"] for t in pool("search_talents", reviewer, {"limit": 1000, **query})["items"]]

    everyone = names()
    assert len(everyone) == 30 and everyone == sorted(everyone)
    exact = names(industry_chain="装备制造", trade="数控车工", skill_level="高级工")
    assert exact == [f"选手{n:02d}" for n in range(30) if n % 2 == 0 and n % 3 == 0]
    at_least = names(industry_chain="汽车制造", min_skill_level="技师")
    assert at_least == [f"选手{n:02d}" for n in range(30) if n % 2 == 1 and n % 3 in (1, 2)]
    assert names(region="3209") == [f"选手{n:02d}" for n in range(30) if n % 3 in (0, 1)]
    assert names(region="370902", employer="泰安重工") == [f"选手{n:02d}" for n in range(30)
                                                           if n % 3 == 2 and n % 2 == 1]
    assert names(honour="技术能手") == [f"选手{n:02d}" for n in range(30) if n % 4 == 3]
    assert names(honour="first") == names(honour="一等奖") == [f"选手{n:02d}" for n in range(30) if n % 4 == 0]
    assert names(status="expired") == []
    with pytest.raises(BadRequest) as error:
        pool("search_talents", reviewer, {"region": "3", "limit": 1001, "colour": "red"})
    assert set(error.value.fields) == {"region", "limit", "colour"}

    stats = pool("talent_statistics", reviewer, {"industry_chain": "装备制造"})
    assert stats["total"] == 15 and stats["by_industry_chain"] == [{"industry_chain": "装备制造", "count": 15}]
    assert sum(row["count"] for row in stats["by_trade"]) == 15
    assert [row["skill_level"] for row in stats["by_skill_level"]] == ["高级工", "技师", "高级技师"]


def test_pages_are_stable_and_complete(pool):
    seed(pool, count=25)
    reviewer = callers.reviewer()
    for sort in ("name", "-admitted_at"):
        whole = pool("search_talents", reviewer, {"sort": sort, "limit": 1000})["items"]
        pages = [pool("search_talents", reviewer, {"sort": sort, "limit": 10, "offset": offset})
                 for offset in (0, 10, 20)]
        assert [p["total"] for p in pages] == [25, 25, 25]
        assert [len(p["items"]) for p in pages] == [10, 10, 5]
        assert [t["id"] for p in pages for t in p["items"]] == [t["id"] for t in whole]
    newest_first = pool("search_talents", reviewer, {"sort": "-admitted_at", "limit": 1000})["items"]
    assert [t["admitted_at"] for t in newest_first] == sorted((t["admitted_at"] for t in newest_first),
                                                              reverse=True)


# exports


def export_all(pool, caller, query):
    pages = [pool("export_talents", caller, query)]
    while pages[-1]["next"]:
        pages.append(pool("export_talents", caller, None, pages[-1]["next"]))
    return pages


def test_an_export_reads_every_match_once_in_the_search_order(pool, monkeypatch):
    monkeypatch.setattr(search, "EXPORT_PAGE", 10)
    seed(pool, count=25)
    reviewer = callers.reviewer()
    for query in ({"sort": "-admitted_at"}, {"industry_chain": "装备制造"}):
        whole = pool("search_talents", reviewer, {**query, "limit": 1000})
        pages = export_all(pool, reviewer, query)
        assert [p["total"] for p in pages] == [whole["total"]] * len(pages)
        assert [t["id"] for p in pages for t in p["items"]] == [t["id"] for t in whole["items"]]
        assert pages[0]["items"][0] == whole["items"][0]  # the same rows as a search
    assert len(pages) == 2 and pages[-1]["next"] is None
    assert pool.store.exports.count_documents({}) == 0  # a finished export is dropped


def test_an_export_leaves_out_talents_that_left_the_filter_or_the_scope_meanwhile(pool, monkeypatch):
    monkeypatch.setattr(search, "EXPORT_PAGE", 10)
    seed(pool, count=25)
    reviewer = callers.reviewer()
    first = pool("export_talents", reviewer, {})
    later = pool("search_talents", reviewer, {"limit": 1000})["items"][-1]
    pool("change_talent_status", reviewer, later["id"], {"status": "removed", "reason": "不再符合条件"})

    rest = [first]
    while rest[-1]["next"]:
        rest.append(pool("export_talents", reviewer, None, rest[-1]["next"]))
    exported = [t["id"] for p in rest for t in p["items"]]
    assert len(exported) == 24 and later["id"] not in exported

    other = callers.organiser(unit="taian-union")
    assert export_all(pool, other, {})[0] == {"total": 0, "items": [], "next": None}


def test_an_export_is_its_callers_alone_and_bounded(pool, monkeypatch):
    monkeypatch.setattr(search, "EXPORT_PAGE", 10)
    seed(pool, count=25)
    reviewer = callers.reviewer()
    cursor = pool("export_talents", reviewer, {})["next"]
    with pytest.raises(NotFound):
        pool("export_talents", callers.reviewer("reviewer-2"), None, cursor)
    with pytest.raises(NotFound):
        pool("export_talents", reviewer, None, {**cursor, "export_id": "exp-unknown"})
    with pytest.raises(BadRequest) as error:
        pool("export_talents", reviewer, None, {"export_id": cursor["export_id"], "offset": -1})
    assert set(error.value.fields) == {"offset"}
    with pytest.raises(Forbidden):
        pool("export_talents", callers.judge(), {})

    monkeypatch.setattr(search, "MAX_EXPORT_ROWS", 20)
    with pytest.raises(BadRequest) as error:
        pool("export_talents", reviewer, {})
    assert "25 talents" in str(error.value) and "at most 20" in str(error.value)
