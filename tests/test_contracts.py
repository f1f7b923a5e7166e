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
