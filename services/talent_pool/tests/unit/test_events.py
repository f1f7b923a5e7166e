"""The events contracts: what the pool reads of an award, what it announces."""
import pytest
from marshmallow import ValidationError

from common.events import EnvelopeSchema
from common.testing.contracts import NOW, award, envelope
from services.talent_pool.domain.policy import DEFAULT_POLICY
from services.talent_pool.domain.status import change_status
from services.talent_pool.domain.talent import apply_award, apply_nomination
from services.talent_pool.events import CONTRACTS, UnsupportedEvent, announcement, read_award


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
