"""Who hears of what: each topic's audience, applied to roles and scopes."""
import pytest

from common.errors import Forbidden
from services.notifications.access import may_hear, require_may_subscribe

PUBLISHED = {"organising_unit": "jianhu-union"}
RATED = {"studio_id": "std-1", "unit": "jianhu-union"}


def who(role, unit=None, studio=None):
    return {"role": role, "unit": unit, "studio": studio}


def test_published_results_are_for_every_subscriber():
    for subscriber in (who("subscriber"), who("judge"), who("organizer", "other-union")):
        assert may_hear(subscriber, "competition.results_published", PUBLISHED)


def test_an_organiser_hears_only_of_their_own_units_news():
    own, other = who("organizer", "jianhu-union"), who("organizer", "other-union")
    assert may_hear(own, "competition.contestant_awarded", PUBLISHED)
    assert not may_hear(other, "competition.contestant_awarded", PUBLISHED)
    assert may_hear(other, "studio.rated")  # may subscribe: hears of their own unit's ratings
    assert not may_hear(other, "studio.rated", RATED)


def test_a_studio_lead_hears_of_their_own_studio_and_the_union_of_everything():
    lead = who("studio_lead", studio="std-1")
    assert may_hear(lead, "result.verified", RATED)
    assert not may_hear(lead, "result.verified", {**RATED, "studio_id": "std-2"})
    assert not may_hear(lead, "competition.contestant_awarded")
    for role in ("admin", "reviewer"):
        assert may_hear(who(role), "talent.admitted", {}) and may_hear(who(role), "studio.rated", RATED)


def test_the_talent_pool_is_heard_of_by_its_readers_only():
    assert may_hear(who("organizer", "jianhu-union"), "talent.updated", {})
    assert not may_hear(who("subscriber"), "talent.updated")
    assert not may_hear(who("studio_lead", studio="std-1"), "talent.admitted")


def test_subscribing_to_what_one_may_never_hear_of_is_forbidden_by_name():
    with pytest.raises(Forbidden) as refused:
        require_may_subscribe(who("subscriber"), ["competition.results_published", "talent.admitted"])
    assert "talent.admitted" in refused.value.fields["topics"][0]
    require_may_subscribe(who("subscriber"), ["competition.results_published"])
