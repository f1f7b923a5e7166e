"""Subscriptions: the topics and filters taken, and the events each one asks for."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import BadRequest
from services.notifications.domain.subscriptions import check_subscription, matches
from services.notifications.domain.topics import FILTERS, TOPICS

PUBLISHED = {"competition_id": "cmp-1", "organising_unit": "jianhu-union", "industry_chain": "装备制造"}
RATED = {"studio_id": "std-1", "unit": "jianhu-union", "industry_chain": "新能源"}
ADMITTED = {"talent_id": "tal-1", "industry_chains": ["装备制造", "新能源"]}


def subscription(topics, filters=None):
    topics, filters = check_subscription(topics, filters or {})
    return {"topics": topics, "filters": filters}


def faults(topics, filters=None):
    with pytest.raises(BadRequest) as refused:
        check_subscription(topics, filters or {})
    return refused.value.fields


def test_topics_are_kept_in_one_order_and_filter_values_distinct():
    topics, filters = check_subscription(["studio.rated", "competition.results_published"],
                                         {"unit": ["b", "a", "b"]})
    assert topics == ["competition.results_published", "studio.rated"]
    assert filters == {"unit": ["a", "b"]}


def test_unknown_topics_unknown_filters_and_oversize_filters_are_refused_by_name():
    assert list(faults([])) == ["topics"]
    assert "nope.happened" in faults(["nope.happened"])["topics"][0]
    assert list(faults(["studio.rated"], {"colour": ["red"]})) == ["filters.colour"]
    assert list(faults(["talent.admitted"], {"unit": ["a"]})) == ["filters.unit"]  # a talent has no unit
    assert list(faults(["studio.rated"], {"unit": []})) == ["filters.unit"]
    assert list(faults(["studio.rated"], {"unit": ["x"] * 51})) == ["filters.unit"]
    assert list(faults(["studio.rated"], {"unit": ["x" * 101]})) == ["filters.unit"]
    assert list(faults(["studio.rated"], {"unit": "jianhu-union"})) == ["filters.unit"]


def test_an_event_is_heard_of_when_subscribed_to_and_every_filter_its_topic_carries_holds():
    anything = subscription(["competition.results_published", "studio.rated"])
    assert matches(anything, "competition.results_published", PUBLISHED)
    assert not matches(anything, "talent.admitted", ADMITTED)
    own_unit = subscription(["competition.results_published", "studio.rated"], {"unit": ["jianhu-union"]})
    assert matches(own_unit, "studio.rated", RATED)
    assert not matches(own_unit, "studio.rated", {**RATED, "unit": "other-union"})
    chain = subscription(["competition.results_published", "talent.admitted"],
                         {"industry_chain": ["新能源"], "competition_id": ["cmp-1"]})
    assert matches(chain, "talent.admitted", ADMITTED)  # any of a talent's chains; no competition
    assert not matches(chain, "competition.results_published", PUBLISHED)  # its chain differs


@given(st.sampled_from(sorted(TOPICS)), st.dictionaries(st.sampled_from(FILTERS),
                                                         st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=5)))
def test_a_filter_only_narrows(topic, filters):
    usable = {name: values for name, values in filters.items() if name in TOPICS[topic].fields}
    data = {field: "a" for field in TOPICS[topic].fields.values()}
    narrowed = subscription([topic], usable)
    if matches(narrowed, topic, data):
        assert matches(subscription([topic]), topic, data)
    assert matches(narrowed, topic, data) == all("a" in values for values in usable.values())
