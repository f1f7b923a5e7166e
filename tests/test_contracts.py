"""The kit's example payloads (common.testing.contracts) fit the contracts they stand for: each
loads through its publisher's schema, and the consumer's reading takes what it publishes."""
import pytest

from common.events import make_event, parse_event
from common.testing import contracts
from services.competitions import events as competition_events
from services.studios import events as studio_events
from services.talent_pool import events as talent_events

PUBLISHED = {**competition_events.CONTRACTS, **talent_events.CONTRACTS, **studio_events.CONTRACTS}


def test_every_published_contract_has_an_example():
    assert set(contracts.EXAMPLES) == set(PUBLISHED)


@pytest.mark.parametrize("event_type", sorted(contracts.EXAMPLES))
def test_each_example_fits_its_contract_inside_a_valid_envelope(event_type):
    source, example = contracts.EXAMPLES[event_type]
    envelope = parse_event(make_event(event_type, example(), source=source))

    assert PUBLISHED[event_type]().load(envelope["data"]) == example()


def test_the_talent_pool_reads_the_example_award():
    award = talent_events.read_award(contracts.envelope(contracts.award()))

    assert award["person_key"] == contracts.award()["person_key"]
    assert award["id_number_masked"] == "320***********123X"


@pytest.mark.parametrize("event_type, read", [
    (contracts.STUDIO_RATED, talent_events.read_studio_rating),
    (contracts.RATING_REVOKED, talent_events.read_rating_revoked),
    (contracts.RESULT_VERIFIED, talent_events.read_verified_result),
])
def test_the_talent_pool_reads_the_example_studio_events(event_type, read):
    source, example = contracts.EXAMPLES[event_type]
    data = read(contracts.studio_envelope(event_type, example()))

    assert source == talent_events.STUDIOS_SOURCE and event_type in studio_events.CONTRACTS
    assert data["studio_id"] == example()["studio_id"]
    # Every field the pool reads is one the publisher's contract has.
    assert set(data) <= set(studio_events.CONTRACTS[event_type]().fields)
