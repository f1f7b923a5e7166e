"""The events contracts: what the pool reads of an award, what it announces."""
import pytest
from marshmallow import ValidationError

from common.events import EnvelopeSchema
from common.testing.contracts import (NOW, RATING_REVOKED, RESULT_VERIFIED, STUDIO_RATED, award,
                                      envelope, rating_revoked, result_verified, studio_envelope,
                                      studio_rated)
from services.talent_pool.domain.policy import DEFAULT_POLICY
from services.talent_pool.domain.status import change_status
from services.talent_pool.domain.studios import (apply_rating_revoked, apply_studio_rating,
                                                 apply_verified_result)
from services.talent_pool.domain.talent import apply_award, apply_nomination
from services.talent_pool.events import (CONTRACTS, UnsupportedEvent, announcement, read_award,
                                         read_rating_revoked, read_studio_rating,
                                         read_verified_result)


def test_the_reading_of_an_award_ignores_fields_a_publisher_adds_to_v1():
    data = read_award(envelope({**award(), "medal_colour": "gold"}))
    assert "medal_colour" not in data and data["prize"] == "first"


def test_the_masked_id_number_of_an_award_is_read_and_never_more_than_masked():
    sent_before_it_was_added = {k: v for k, v in award().items() if k != "id_number_masked"}
    assert read_award(envelope(sent_before_it_was_added))["id_number_masked"] is None
    masked = read_award(envelope({**award(), "id_number_masked": "320***********123X"}))
    assert masked["id_number_masked"] == "320***********123X"
    full = read_award(envelope({**award(), "id_number_masked": "32092519900517123X"}))
    assert full["id_number_masked"] == "320***********123X"


def test_an_unknown_version_or_a_malformed_award_is_refused():
    with pytest.raises(UnsupportedEvent):
        read_award(envelope(award(), version=2))
    with pytest.raises(ValidationError):
        read_award(envelope({**award(), "person_key": None}))


def test_every_announcement_fits_its_contract_exactly_and_carries_no_id_number():
    talent, changes = apply_award(None, award(), DEFAULT_POLICY, NOW)
    admitted = announcement(talent, changes[0], "req-1")
    nomination = {"_id": "nom-1", "person_key": talent["person_key"], "name": "王建国", "employer": "x",
                  "region_code": "320925", "id_number_masked": "320***********123X",
                  "industry_chain": "机器人", "trade": "钳工", "skill_level": "技师", "reason": "r",
                  "nominated_by": "rev-0"}
    talent, changes = apply_nomination(talent, nomination, DEFAULT_POLICY, NOW, by="rev-3")
    updated = announcement(talent, changes[0])
    talent, changes = apply_award(talent, award(publication_version=2, prize="second",
                                                prize_name="二等奖", rank=2), DEFAULT_POLICY, NOW)
    corrected = announcement(talent, changes[0])
    talent, changes = change_status(talent, "removed", "r", DEFAULT_POLICY, NOW, by="rev-1")
    removed = announcement(talent, changes[0])
    for event in (admitted, updated, corrected, removed):
        assert EnvelopeSchema().load(event) == event
        # Built to fit, field for field: the strict contract takes it as it is.
        assert CONTRACTS[event["event_type"]]().load(event["data"]) == event["data"]
        assert event["source"] == "talent_pool" and event["version"] == 1
        assert "id_number" not in str(event) and "123X" not in str(event)
    assert admitted["event_type"] == "talent.admitted" and admitted["correlation_id"] == "req-1"
    assert admitted["data"]["source"]["kind"] == "competition"
    assert updated["event_type"] == "talent.updated" and updated["data"]["action"] == "nomination_recorded"
    assert corrected["data"]["action"] == "award_corrected"
    assert corrected["data"]["honours"][0]["prize"] == "second"
    assert removed["data"]["previous_status"] == "active" and removed["data"]["status"] == "removed"


# studio events


def test_the_readings_of_studio_events_ignore_what_the_pool_does_not_use():
    rating = read_studio_rating(studio_envelope(STUDIO_RATED, {**studio_rated(), "banner": "x"}))
    assert "categories" not in rating and "banner" not in rating
    assert (rating["stars"], rating["lead"]["honour"]) == (4, "劳模")
    revocation = read_rating_revoked(studio_envelope(RATING_REVOKED, rating_revoked()))
    assert revocation["kind"] == "ordered" and revocation["stars_before"] == 4
    result = read_verified_result(studio_envelope(RESULT_VERIFIED, result_verified()))
    assert [a["name"] for a in result["authors"]] == ["王建国", "李红梅"]
    assert result["achieved_on"] == "2026-03-15"


def test_instants_are_read_in_utc_so_that_they_compare_as_text():
    beijing = studio_rated(effective_at="2026-06-09T00:00:00+08:00")
    assert read_studio_rating(studio_envelope(STUDIO_RATED, beijing))["effective_at"] == \
        "2026-06-08T16:00:00.000+00:00"
    with pytest.raises(ValidationError):  # no offset: no instant
        read_studio_rating(studio_envelope(STUDIO_RATED, studio_rated(effective_at="2026-06-09T00:00:00")))


def test_people_in_studio_events_are_never_kept_more_than_masked():
    full = "32092519900517123X"
    rating = read_studio_rating(studio_envelope(STUDIO_RATED, studio_rated(
        lead={**studio_rated()["lead"], "id_number_masked": full})))
    assert rating["lead"]["id_number_masked"] == "320***********123X"
    authors = [{**a, "id_number_masked": full} for a in result_verified()["authors"]]
    result = read_verified_result(studio_envelope(RESULT_VERIFIED, result_verified(authors=authors)))
    assert {a["id_number_masked"] for a in result["authors"]} == {"320***********123X"}


@pytest.mark.parametrize("read, event_type, data", [
    (read_studio_rating, STUDIO_RATED, studio_rated(stars=6)),
    (read_studio_rating, STUDIO_RATED, studio_rated(lead={"name": "王建国"})),
    (read_studio_rating, STUDIO_RATED, studio_rated(studio_name="工" * 201)),
    (read_rating_revoked, RATING_REVOKED, rating_revoked(revoked_at="yesterday")),
    (read_rating_revoked, RATING_REVOKED, rating_revoked(reason="因" * 1001)),
    (read_verified_result, RESULT_VERIFIED, result_verified(authors=result_verified()["authors"] * 26)),
    (read_verified_result, RESULT_VERIFIED, result_verified(achieved_on="2026-02-30")),
    (read_verified_result, RESULT_VERIFIED, result_verified(people_trained=-1)),
])
def test_a_malformed_studio_event_is_refused(read, event_type, data):
    with pytest.raises(ValidationError):
        read(studio_envelope(event_type, data))


def test_a_studio_event_of_an_unknown_version_or_another_type_is_refused():
    with pytest.raises(UnsupportedEvent):
        read_studio_rating(studio_envelope(STUDIO_RATED, studio_rated(), version=2))
    with pytest.raises(UnsupportedEvent):
        read_rating_revoked(studio_envelope(STUDIO_RATED, studio_rated()))


def test_announcements_of_studio_changes_fit_their_contracts():
    policy = DEFAULT_POLICY
    rating = read_studio_rating(studio_envelope(STUDIO_RATED, studio_rated()))
    revocation = read_rating_revoked(studio_envelope(RATING_REVOKED, rating_revoked()))
    result = read_verified_result(studio_envelope(RESULT_VERIFIED, result_verified()))
    talent, changes = apply_studio_rating(None, rating, policy, NOW)
    admitted = announcement(talent, changes[0])
    talent, changes = apply_verified_result(talent, result, result["authors"][0], NOW)
    recorded = announcement(talent, changes[0])
    talent, changes = apply_rating_revoked(talent, revocation, policy, NOW)
    revoked = announcement(talent, changes[0])
    for event in (admitted, recorded, revoked):
        assert CONTRACTS[event["event_type"]]().load(event["data"]) == event["data"]
        assert "id_number" not in str(event) and "123X" not in str(event)
    assert admitted["event_type"] == "talent.admitted" and admitted["data"]["source"]["kind"] == "studio"
    assert admitted["data"]["studio_honours"][0]["stars"] == 4
    assert recorded["data"]["action"] == "result_recorded"
    assert recorded["data"]["innovation_results"][0]["economic_benefit"]["confirmed"] is True
    assert revoked["data"]["studio_honours"][0]["status"] == "revoked"
    assert revoked["data"]["needs_review"] is True
    assert revoked["data"]["studio_memberships"] == [
        {"studio_id": "std-4e5f6a7b8c9d", "studio_name": "王建国劳模创新工作室", "role": "lead"}]
