"""The studios service in real containers on the real broker: its RPC calls as the gateway makes
them, the events it announces received by a real consumer and read through their contracts, and
the effect of a rating round, which runs once however many instances share the store."""
import datetime
import types

import pytest
from nameko.testing.services import entrypoint_hook

from common.clock import utc_datetime, utc_now
from common.errors import Conflict
from common.outbox import OUTBOX
from common.personal_id import PersonalDataProtector
from common.storage import Store
from common.testing import callers
from common.testing.events import event_recorder
from common.testing.factories import result_payload, studio_member, studio_payload
from common.testing.personal_data import assert_cannot_rebuild
from common.testing.waiting import wait_until
from services.studios import events, rating_rounds
from services.studios.domain import rounds as round_rules
from services.studios.service import StudiosService

Listener = event_recorder("studios", events.STUDIO_RATED, events.RATING_REVOKED,
                          events.RESULT_VERIFIED, name="studio_listener")
ANNOUNCED = Listener.received
REVIEWER = callers.reviewer("reviewer-1", enterprise="建湖县总工会")
PANEL = [{"expert": f"专家{n}", "score": score} for n, score in enumerate((8, 9, 9.5, 7, 8.5))]


def week_later(days=8):
    return (utc_datetime() + datetime.timedelta(days=days)).isoformat(timespec="milliseconds")


@pytest.fixture
def service(container_factory, service_config):
    ANNOUNCED.clear()
    container_factory(Listener, service_config).start()
    containers = []

    def start():
        container = container_factory(StudiosService, service_config)
        container.start()
        containers.append(container)
        return container

    protector = PersonalDataProtector(service_config["PERSONAL_DATA_SECRET"])

    def call(method, caller, *args, container=None):
        if method in ("register_studio", "add_members"):  # as the gateway sends them: sealed
            *args, payload = args
            payload = dict(payload)
            if "lead" in payload:
                payload["lead"] = protector.sealed(payload["lead"])
            payload["members"] = [protector.sealed(m) for m in payload["members"]]
            args = (*args, payload)
        with entrypoint_hook(container or containers[0], method) as hook:
            return hook(caller.to_dict() if caller else None, *args)

    start()
    call.start = start
    call.store = lambda container=None: next(
        e for e in (container or containers[0]).extensions if isinstance(e, Store)).repository
    return call


def verified_result(service, studio, **overrides):
    """A verified 技术攻关 with certified savings, converted, that trained 40 and won a city award."""
    lead = callers.studio_lead(studio["id"])
    overrides = {"converted": True, "people_trained": 40, "prior_award_level": "city", **overrides}
    result = service("create_result", lead, studio["id"],
                     result_payload([m["member_id"] for m in studio["members"][:2]], **overrides))
    service("submit_result", lead, result["id"])
    service("review_result", REVIEWER, result["id"], {"action": "start_review", "comment": "开始"})
    return service("review_result", REVIEWER, result["id"], {"action": "verify", "comment": "通过"})


def test_members_are_stored_protected_and_shown_masked(service):
    payload = studio_payload()
    studio = service("register_studio", REVIEWER, payload)

    stored = service.store().studio(studio["id"])
    numbers = [payload["lead"]["id_number"]] + [m["id_number"] for m in payload["members"]]
    for number in numbers:
        assert_cannot_rebuild(stored, number)
    assert all("*" in m["id_number_masked"] for m in studio["members"])


def test_a_verified_result_is_announced_once_as_its_contract_says(service):
    studio = service("register_studio", REVIEWER, studio_payload())
    result = verified_result(service, studio)

    wait_until(lambda: len(ANNOUNCED) >= 1, message="result.verified")
    envelope = ANNOUNCED[0]
    data = events.ResultVerifiedV1().load(envelope["data"])
    assert envelope["event_type"] == events.RESULT_VERIFIED and data["result_id"] == result["id"]
    assert [a["name"] for a in data["authors"]] == [m["name"] for m in studio["members"][:2]]
    assert data["economic_benefit"]["confirmed"] is True
    wait_until(lambda: not service.store().results.find_one({"_id": result["id"]}).get(OUTBOX),
               message="the outbox emptied")
    assert len(ANNOUNCED) == 1


TITLES = ("主轴温升控制攻关", "刀具寿命提升攻关", "夹具快速换型攻关", "焊缝气孔消除攻关", "导轨磨损修复攻关")


def well_rated(service, unit):
    """A studio whose five verified results earn it stars in the default rubric."""
    studio = service("register_studio", REVIEWER, studio_payload(unit=unit))
    for title in TITLES:
        verified_result(service, studio, title=title)
    return studio


def rated_round(service, studio):
    """A round of ``studio``'s unit, proposed and in its public notice."""
    round_ = service("open_round", REVIEWER, {"name": "2026年度建湖县创新工作室星级评定",
                                              "unit": studio["unit"], "year": 2026,
                                              "period": {"from": "2025-06-01", "to": "2026-05-31"}})
    for studio_id in round_rules_studios(service, round_):
        for item in ("site_visit", "expert_review"):
            service("record_panel_scores", REVIEWER, round_["id"],
                    {"studio_id": studio_id, "item": item, "scores": PANEL})
    service("compute_proposals", REVIEWER, round_["id"])
    return service("open_notice", REVIEWER, round_["id"], {})


def round_rules_studios(service, round_):
    return service.store().round(round_["id"])["studio_ids"]


def test_a_proposal_written_on_a_stale_read_of_its_rating_is_computed_again_from_the_store(
        service, monkeypatch):
    studio = well_rated(service, "stale-union")
    other = well_rated(service, "other-union")  # its results are no business of this round
    round_ = service("open_round", REVIEWER, {"name": "2026年度星级评定", "unit": studio["unit"], "year": 2026,
                                              "period": {"from": "2025-06-01", "to": "2026-05-31"}})
    for item in ("site_visit", "expert_review"):
        service("record_panel_scores", REVIEWER, round_["id"],
                {"studio_id": studio["id"], "item": item, "scores": PANEL})
    store = service.store()
    read_before = store.ratings_to_propose(round_["id"])
    # The panel changes its mind after the round's ratings were read for the proposals.
    better = [{**score, "score": 10} for score in PANEL]
    service("record_panel_scores", REVIEWER, round_["id"],
            {"studio_id": studio["id"], "item": "site_visit", "scores": better})
    monkeypatch.setattr(store, "ratings_to_propose", lambda round_id: read_before)

    view = service("compute_proposals", REVIEWER, round_["id"])

    assert view["counts"] == {"proposed": 1}
    rating = store.rating(round_rules.rating_id_of(round_["id"], studio["id"]))
    site_visit = next(i for i in rating["proposal"]["items"] if i["item"] == "site_visit")
    assert site_visit["points"] == 10
    assert [h["action"] for h in rating["history"]] == ["panel_scores"] * 3 + ["propose"]
    counted = {r for item in rating["proposal"]["items"] for r in item["counted"]}
    assert len(counted) == len(TITLES) and not counted & {
        r["_id"] for r in store.results.find({"studio_id": other["id"]}, {"_id": 1})}


def test_a_round_takes_effect_once_its_notice_closes_and_its_objections_are_answered(service):
    studio = well_rated(service, "effect-union")
    round_ = rated_round(service, studio)
    rating_id = round_rules.rating_id_of(round_["id"], studio["id"])
    objection = service("file_objection", callers.organiser(), rating_id,
                        {"text": "该工作室成果数量存疑"})
    store = service.store()

    # The notice has closed, but an objection is unanswered: nothing takes effect, and the job
    # (every 5 s) leaves the round as it was.
    revision = store.round(round_["id"])["revision"]
    assert rating_rounds.take_effect(store, "instance-a", now=week_later()) == 0
    assert rating_rounds.take_effect(store, "instance-b", now=week_later()) == 0
    assert store.round(round_["id"])["revision"] == revision
    service("answer_objection", REVIEWER, rating_id, objection["objection_id"],
            {"decision": "dismissed", "text": "经核实，成果真实"})
    assert rating_rounds.take_effect(store, "instance-a", now=week_later()) == 1
    assert rating_rounds.take_effect(store, "instance-a", now=week_later()) == 0

    rated = service("get_studio", REVIEWER, studio["id"])
    assert rated["rating"]["rating_id"] == rating_id and rated["stars"] >= 3
    assert store.round(round_["id"])["status"] == round_rules.CLOSED
    wait_until(lambda: any(e["event_type"] == events.STUDIO_RATED for e in ANNOUNCED),
               message="studio.rated")
    rated_events = [e for e in ANNOUNCED if e["event_type"] == events.STUDIO_RATED]
    assert len(rated_events) == 1
    data = events.StudioRatedV1().load(rated_events[0]["data"])
    assert data["lead"]["name"] == "王建国" and data["outcome"] == "first"
    assert sum(c["points"] for c in data["categories"]) == pytest.approx(data["points"], abs=0.06)


def test_an_objection_after_the_notice_is_refused(service):
    studio = service("register_studio", REVIEWER, studio_payload(unit="late-union"))
    round_ = rated_round(service, studio)
    rating_id = round_rules.rating_id_of(round_["id"], studio["id"])
    store = service.store()
    closing = store.round(round_["id"])
    # The notice as it stands once its end has passed.
    store.save_round(closing, {**closing, "notice": {**closing["notice"], "closes_at": utc_now()}})

    with pytest.raises(Conflict):
        service("file_objection", callers.organiser(), rating_id, {"text": "迟到的异议内容"})
    assert store.rating(rating_id)["objections"] == []


def test_a_notice_that_closes_before_the_next_run_is_waited_for_and_takes_effect_as_it_closes(
        service, monkeypatch):
    studio = well_rated(service, "waiting-union")
    round_ = rated_round(service, studio)
    store = service.store()
    closing = store.round(round_["id"])
    closes = (utc_datetime() + datetime.timedelta(seconds=60)).isoformat(timespec="milliseconds")
    store.save_round(closing, {**closing, "notice": {**closing["notice"], "closes_at": closes}})
    clock = [utc_datetime()]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += datetime.timedelta(seconds=seconds)

    monkeypatch.setattr(rating_rounds, "time", types.SimpleNamespace(sleep=sleep))
    monkeypatch.setattr(rating_rounds, "utc_now", lambda: clock[0].isoformat(timespec="milliseconds"))

    # Closing after the next run: left for it.
    assert rating_rounds.take_effect(store, "instance-a", within=30) == 0 and slept == []
    # Closing before it: waited for, then in effect at once.
    assert rating_rounds.take_effect(store, "instance-a", within=90) == 1
    assert len(slept) == 1 and 59 < slept[0] <= 60
    rating = store.rating(round_rules.rating_id_of(round_["id"], studio["id"]))
    assert rating["status"] == round_rules.EFFECTIVE and rating["effective_at"] >= closes


def test_two_instances_put_a_round_into_effect_once_and_a_dead_claim_is_taken_over(service):
    second = service.start()  # another instance on the same store and queues
    studio = well_rated(service, "twin-union")
    round_ = rated_round(service, studio)
    first_store, second_store = service.store(), service.store(second)
    later = week_later()

    # Instance A claims the round and dies before doing anything.
    claimed = round_rules.claim(first_store.round(round_["id"]), "instance-a", later, 300)
    first_store.save_round(first_store.round(round_["id"]), claimed)
    # While A's lease runs, B leaves the round alone.
    assert rating_rounds.take_effect(second_store, "instance-b", now=later) == 0
    # Once it has run out, B takes over and finishes; A, back late, finds nothing left to do.
    after_lease = week_later(9)
    assert rating_rounds.take_effect(second_store, "instance-b", now=after_lease) == 1
    assert rating_rounds.take_effect(first_store, "instance-a", now=after_lease) == 0

    wait_until(lambda: any(e["event_type"] == events.STUDIO_RATED for e in ANNOUNCED),
               message="studio.rated")
    wait_until(lambda: not first_store.studios.find_one({"_id": studio["id"]}).get(OUTBOX),
               message="the outbox emptied")
    assert [e["event_type"] for e in ANNOUNCED].count(events.STUDIO_RATED) == 1
    assert [h["action"] for h in first_store.studio(studio["id"])["history"]].count("rated") == 1


def test_a_studio_changed_after_the_effect_read_it_is_rated_as_the_store_holds_it(service, monkeypatch):
    studio = well_rated(service, "changing-union")
    rated_round(service, studio)
    store = service.store()
    read_before = store.studio(studio["id"])
    # The lead adds a member after the effect job read the studio, before it writes.
    service("add_members", callers.studio_lead(studio["id"]), studio["id"],
            {"members": [studio_member(name="李新")]})
    reads = iter([read_before])
    monkeypatch.setattr(store, "studio", lambda studio_id: next(reads, None) or
                        store.read(store.studios, studio_id))

    assert rating_rounds.take_effect(store, "instance-a", now=week_later()) == 1

    rated = store.studios.find_one({"_id": studio["id"]})
    assert "李新" in [m["name"] for m in rated["members"]] and rated["rating"]["stars"] >= 3
    assert [h["action"] for h in rated["history"]].count("rated") == 1
    wait_until(lambda: not store.studios.find_one({"_id": studio["id"]}).get(OUTBOX),
               message="the outbox emptied")
    assert [e["event_type"] for e in ANNOUNCED].count(events.STUDIO_RATED) == 1


def test_a_studio_that_ends_loses_its_stars_and_says_so(service):
    studio = well_rated(service, "ending-union")
    rated_round(service, studio)
    rating_rounds.take_effect(service.store(), "instance-a", now=week_later())

    ended = service("change_status", REVIEWER, studio["id"], {"status": "revoked", "reason": "企业关闭"})

    assert ended["stars"] == 0 and ended["rating"]["revoked"]["kind"] == "natural"
    wait_until(lambda: any(e["event_type"] == events.RATING_REVOKED for e in ANNOUNCED),
               message="studio.rating_revoked")
    revoked = next(e for e in ANNOUNCED if e["event_type"] == events.RATING_REVOKED)
    assert events.RatingRevokedV1().load(revoked["data"])["kind"] == "natural"


def test_a_studio_that_ends_during_the_notice_is_not_rated(service):
    studio = well_rated(service, "short-lived-union")
    round_ = rated_round(service, studio)
    service("change_status", REVIEWER, studio["id"], {"status": "revoked", "reason": "企业破产"})

    assert rating_rounds.take_effect(service.store(), "instance-a", now=week_later()) == 0

    rating = service("get_rating", REVIEWER, round_rules.rating_id_of(round_["id"], studio["id"]))
    assert rating["status"] == "withdrawn" and rating["withdrawn"]["reason"]
    assert service.store().round(round_["id"])["status"] == round_rules.CLOSED
    assert service("get_studio", REVIEWER, studio["id"])["rating"] is None
