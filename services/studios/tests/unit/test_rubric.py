"""The rating's configuration: the default rubric and thresholds, and every fault refused by name."""
import copy

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from common.errors import BadRequest
from services.studios.domain.kinds import KINDS
from services.studios.domain.rubric import (DEFAULT_RUBRIC, DEFAULT_THRESHOLDS, RULE_KINDS,
                                            RatingConfigError, rubric_from, thresholds_from)


def items_of(rubric):
    return [item for category in rubric["categories"] for item in category["items"]]


def one_category(*items):
    return {"categories": [{"code": "all", "name": "全部", "items": list(items)}]}


def item(code, max_points, **rule):
    return {"code": code, "name": code, "max_points": max_points, "rule": rule}


def faults_of(configured, read=rubric_from):
    with pytest.raises(RatingConfigError) as error:
        read(configured)
    return error.value.faults


def test_the_default_rubric_is_valid_adds_up_to_100_and_checks_to_itself():
    rubric = rubric_from(None)
    assert sum(i["max_points"] for i in items_of(rubric)) == 100
    assert rubric_from(rubric) == rubric
    assert [c["code"] for c in rubric["categories"]] == [
        "basic", "operation", "output", "benefits", "talent", "alliance"]
    assert rubric_from(None) is not rubric_from(None)  # a fresh copy each time


def test_checking_a_rubric_changes_nothing_it_is_given():
    configured = copy.deepcopy(DEFAULT_RUBRIC)
    rubric_from(configured)["categories"][0]["items"].clear()
    assert configured == DEFAULT_RUBRIC and rubric_from(None)["categories"][0]["items"]


def test_the_defaults_travel_through_yaml_as_config_yaml_would_carry_them():
    rubric = yaml.safe_load(yaml.safe_dump(DEFAULT_RUBRIC, allow_unicode=True))
    assert rubric_from(rubric) == rubric_from(None)
    thresholds = yaml.safe_load(yaml.safe_dump(DEFAULT_THRESHOLDS))
    assert thresholds_from(thresholds) == {5: 90, 4: 80, 3: 70, 2: 60, 1: 50}
    # From an environment variable or JSON the stars may arrive as strings.
    assert thresholds_from(yaml.safe_load('{"5": 95, "3": 75.5}')) == {5: 95.0, 3: 75.5}


def test_a_union_may_give_three_stars_only():
    assert thresholds_from({3: 80}) == {3: 80.0}


@given(st.lists(st.integers(1, 40), min_size=1, max_size=8))
def test_a_rubric_whose_maxima_do_not_add_up_to_100_is_refused(maxima):
    rubric = one_category(*(item(f"i{n}", points, kind="members") for n, points in enumerate(maxima)))
    if sum(maxima) == 100:
        assert rubric_from(rubric)
    else:
        assert "add up to" in " ".join(faults_of(rubric)["categories"])


@given(st.text(min_size=1, max_size=12).filter(lambda kind: kind not in RULE_KINDS))
def test_an_unknown_kind_of_rule_is_refused(kind):
    faults = faults_of(one_category(item("x", 100, kind=kind)))
    assert list(faults) == ["categories[0].items[0].rule.kind"]


@given(st.one_of(st.floats(max_value=0), st.integers(max_value=0), st.just("10"), st.none()))
def test_a_maximum_that_is_not_a_positive_number_is_refused(max_points):
    faults = faults_of(one_category(item("x", max_points, kind="members"), item("y", 100, kind="members")))
    assert "categories[0].items[0].max_points" in faults


def test_every_fault_is_named_at_once():
    rubric = {"categories": [
        {"code": "Basic", "name": "", "items": [
            item("x", 3.333, kind="members", min_members=0),
            item("x", 10, kind="count", points_each={"patent": 1, "tackling": 0, "five_small": 1}),
            item("b", 10, kind="benefit_bands", bands=[{"from": 1_000, "points": 5},
                                                     {"from": 5_000, "points": 10}]),
            item("p", 10, kind="panel", drop_extremes_from=2, experts=3),
            item("a", 10, kind="awarded", points_by_level={"national": 1, "city": 2}),
            item("al", 10, kind="alliance", member_points=4, convenor_points=3),
            item("s", 10, kind="sum", field="hours", points_each=1),
            item("c", 10, kind="count", points_each={"five_small": 2}),
        ]}], "stars": 5}
    faults = faults_of(rubric)
    expected = {
        "": "unknown keys stars",
        "categories[0].code": "must be a code",
        "categories[0].name": "must be a name",
        "categories[0].items[0].max_points": "at most 2 decimals",
        "categories[0].items[0].rule.min_members": "at least 1",
        "categories[0].items[1].code": "x is used twice",
        "categories[0].items[1].rule.points_each.patent": "is not one of",
        "categories[0].items[1].rule.points_each.tackling": "more than 0",
        "categories[0].items[2].rule.bands": "strictly lower amounts",
        "categories[0].items[3].rule": "unknown keys experts",
        "categories[0].items[3].rule.drop_extremes_from": "at least 3",
        "categories[0].items[4].rule.points_by_level": "fewer points than a lower one",
        "categories[0].items[5].rule.convenor_points": "fewer than member_points",
        "categories[0].items[6].rule.field": "people_trained",
        "categories[0].items[7]": "counts five_small by count",
    }
    for path, words in expected.items():
        assert words in " ".join(faults[path]), (path, faults.get(path))
    message = str(RatingConfigError("STUDIO_RATING_RUBRIC", faults))
    assert message.startswith("invalid STUDIO_RATING_RUBRIC: ")
    assert all(path in message for path in expected)


def test_two_items_of_one_kind_of_rule_may_not_both_take_every_result_kind():
    rubric = one_category(item("money", 50, kind="benefit_bands", bands=[{"from": 1, "points": 1}]),
                          item("more", 50, kind="benefit_bands", bands=[{"from": 1, "points": 1}]))
    assert "as categories[0].items[0] already does" in faults_of(rubric)["categories[0].items[1]"][0]
    # Split by result kinds, they may.
    rubric["categories"][0]["items"][0]["rule"]["result_kinds"] = ["tackling"]
    rubric["categories"][0]["items"][1]["rule"]["result_kinds"] = [k for k in KINDS if k != "tackling"]
    assert rubric_from(rubric)


def test_the_rule_defaults_are_filled_in():
    rubric = rubric_from(one_category(item("m", 40, kind="members"), item("p", 60, kind="panel")))
    rules = [i["rule"] for i in items_of(rubric)]
    assert rules == [{"kind": "members", "min_members": 5},
                     {"kind": "panel", "min_experts": 3, "drop_extremes_from": 5}]


def test_a_configuration_error_can_answer_as_a_bad_request():
    error = pytest.raises(RatingConfigError, rubric_from, []).value
    assert isinstance(error.as_bad_request(), BadRequest)
    assert error.as_bad_request().fields == {"": ["must be a mapping"]}


stars_and_points = st.dictionaries(st.integers(1, 5), st.integers(1, 100), min_size=1)


@given(stars_and_points)
def test_thresholds_are_accepted_only_when_more_stars_need_strictly_more_points(configured):
    ordered = [configured[stars] for stars in sorted(configured, reverse=True)]
    descending = all(higher > lower for higher, lower in zip(ordered, ordered[1:]))
    if descending:
        assert list(thresholds_from(configured)) == sorted(configured, reverse=True)
    else:
        assert faults_of(configured, thresholds_from)


@pytest.mark.parametrize("configured, path", [
    ({6: 95, 5: 90}, "6"), ({0: 10}, "0"), ({"five": 90}, "five"), ({5: 0}, "5"),
    ({5: 101}, "5"), ({5: "90"}, "5"), ({True: 50}, "True"),
])
def test_thresholds_out_of_range_are_refused(configured, path):
    assert path in faults_of(configured, thresholds_from)


@pytest.mark.parametrize("configured", [{}, [90, 80], "90/80"])
def test_thresholds_that_are_no_mapping_are_refused(configured):
    assert faults_of(configured, thresholds_from) == {
        "": ["must map stars (1 to 5) to the least points for them"]}


def test_categories_and_items_missing_what_they_need_are_named():
    faults = faults_of({"categories": [{"items": [{"max_points": 100}, 7]}, {"code": "b", "name": "b"}]})
    assert {"categories[0].code", "categories[0].name", "categories[0].items[0].code",
            "categories[0].items[0].rule.kind", "categories[0].items[1]",
            "categories[1].items"} <= set(faults)
    assert "categories" not in faults  # no total is claimed for maxima that could not be read
