"""Marking-scheme rules; ``sample_scheme`` here is shared with the scoring tests."""
import copy
import math

import pytest

from common.errors import BadRequest
from services.competitions.domain.scheme import (
    DEFAULT_COMPONENTS,
    SchemeIndex,
    mark_value,
    validate_scheme,
)

LEVELS = {"0": "below standard", "1": "meets", "2": "good", "3": "excellent"}


def aspect_judgement(aspect_id, max_mark=3.0):
    return {"id": aspect_id, "kind": "judgement", "description": "finish", "max_mark": max_mark, "levels": dict(LEVELS)}


def sample_scheme():
    """Theory: one graded paper. Practical: full-or-zero, banded and two judgement aspects."""
    return copy.deepcopy(
        {
            "components": [
                {"key": "theory", "name": "理论", "weight": 30},
                {"key": "practical", "name": "实操", "weight": 70},
            ],
            "criteria": [
                {
                    "id": "T",
                    "name": "theory",
                    "component": "theory",
                    "sub_criteria": [
                        {
                            "id": "T0",
                            "name": "paper",
                            "aspects": [
                                {"id": "T1", "kind": "measurement", "description": "theory paper", "max_mark": 100,
                                 "graded": True}
                            ],
                        }
                    ],
                },
                {
                    "id": "A",
                    "name": "part",
                    "component": "practical",
                    "sub_criteria": [
                        {
                            "id": "A1",
                            "name": "dimensions",
                            "aspects": [
                                {"id": "A1.1", "kind": "measurement", "description": "thread", "max_mark": 2.0},
                                {"id": "A1.2", "kind": "measurement", "description": "diameter", "max_mark": 2.0,
                                 "nominal": 25.0,
                                 "tolerance_bands": [{"deviation": 0.02, "fraction": 1.0},
                                                     {"deviation": 0.05, "fraction": 0.5}]},
                            ],
                        },
                        {
                            "id": "A2",
                            "name": "workmanship",
                            "aspects": [aspect_judgement("A2.1"), aspect_judgement("A2.2", max_mark=6.0)],
                        },
                    ],
                },
            ],
        }
    )


A_PATH = "criteria.1.sub_criteria.0.aspects"  # the measurement aspects of the sample scheme


def problems(scheme):
    with pytest.raises(BadRequest) as raised:
        validate_scheme(scheme)
    return raised.value.fields


def aspect(scheme, ci, si, ai):
    return scheme["criteria"][ci]["sub_criteria"][si]["aspects"][ai]


def test_the_sample_scheme_is_valid():
    validate_scheme(sample_scheme())


def test_default_components_are_theory_30_and_practical_70():
    assert [(c["key"], c["weight"]) for c in DEFAULT_COMPONENTS] == [("theory", 30), ("practical", 70)]
    scheme = sample_scheme()
    del scheme["components"]
    validate_scheme(scheme)
    assert [(c.key, c.weight) for c in SchemeIndex(scheme).components] == [("theory", 30), ("practical", 70)]


def test_a_scheme_with_only_practical_names_its_one_component():
    scheme = sample_scheme()
    scheme["components"] = [{"key": "practical", "name": "实操", "weight": 100}]
    scheme["criteria"] = scheme["criteria"][1:]
    validate_scheme(scheme)


def test_ids_must_be_unique_across_the_whole_scheme():
    scheme = sample_scheme()
    aspect(scheme, 1, 1, 1)["id"] = "A1"  # same as a sub-criterion
    assert "criteria.1.sub_criteria.1.aspects.1.id" in problems(scheme)


def test_ids_must_be_non_empty_text():
    scheme = sample_scheme()
    scheme["criteria"][0]["id"] = ""
    assert "criteria.0.id" in problems(scheme)


def test_every_criterion_belongs_to_an_existing_component():
    scheme = sample_scheme()
    scheme["criteria"][1]["component"] = "oral"
    fields = problems(scheme)
    assert "criteria.1.component" in fields


def test_component_keys_are_unique():
    scheme = sample_scheme()
    scheme["components"][1]["key"] = "theory"
    assert "components.1.key" in problems(scheme)


@pytest.mark.parametrize("weight", [0, -10, "70", None, True, math.inf])
def test_weights_are_positive_numbers(weight):
    scheme = sample_scheme()
    scheme["components"][1]["weight"] = weight
    assert "components.1.weight" in problems(scheme)


def test_weights_add_up_to_100():
    scheme = sample_scheme()
    scheme["components"][1]["weight"] = 60
    assert "components" in problems(scheme)


def test_fractional_weights_adding_up_to_100_are_fine():
    scheme = sample_scheme()
    scheme["components"][0]["weight"] = 33.3
    scheme["components"][1]["weight"] = 66.7
    validate_scheme(scheme)


def test_a_scheme_needs_at_least_one_aspect():
    scheme = sample_scheme()
    scheme["criteria"] = []
    assert "criteria" in problems(scheme)


def test_every_weighted_component_has_something_to_mark():
    scheme = sample_scheme()
    scheme["criteria"][0]["sub_criteria"][0]["aspects"] = []
    assert "components.0.key" in problems(scheme)


@pytest.mark.parametrize("max_mark", [0, -1, None, "2"])
def test_max_mark_is_greater_than_zero(max_mark):
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 0)["max_mark"] = max_mark
    assert f"{A_PATH}.0.max_mark" in problems(scheme)


def test_the_kind_is_measurement_or_judgement():
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 0)["kind"] = "opinion"
    assert f"{A_PATH}.0.kind" in problems(scheme)


def test_bands_go_from_tight_to_wide():
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 1)["tolerance_bands"] = [{"deviation": 0.05, "fraction": 0.5}, {"deviation": 0.02, "fraction": 0.5}]
    assert f"{A_PATH}.1.tolerance_bands.1.deviation" in problems(scheme)


def test_equal_deviations_are_not_increasing():
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 1)["tolerance_bands"] = [{"deviation": 0.02, "fraction": 1}, {"deviation": 0.02, "fraction": 0.5}]
    assert f"{A_PATH}.1.tolerance_bands.1.deviation" in problems(scheme)


def test_a_wider_band_never_earns_more():
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 1)["tolerance_bands"] = [{"deviation": 0.02, "fraction": 0.5}, {"deviation": 0.05, "fraction": 1}]
    assert f"{A_PATH}.1.tolerance_bands.1.fraction" in problems(scheme)


@pytest.mark.parametrize("fraction", [0, 1.5, -0.5, None])
def test_band_fractions_are_in_zero_to_one(fraction):
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 1)["tolerance_bands"][0]["fraction"] = fraction
    assert f"{A_PATH}.1.tolerance_bands.0.fraction" in problems(scheme)


def test_band_deviations_are_not_negative():
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 1)["tolerance_bands"][0]["deviation"] = -0.01
    assert f"{A_PATH}.1.tolerance_bands.0.deviation" in problems(scheme)


def test_bands_need_a_nominal_value():
    scheme = sample_scheme()
    del aspect(scheme, 1, 0, 1)["nominal"]
    assert f"{A_PATH}.1.nominal" in problems(scheme)


def test_a_nominal_value_must_be_a_number():
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 1)["nominal"] = "25"
    assert f"{A_PATH}.1.nominal" in problems(scheme)


def test_a_nominal_value_without_bands_is_refused():
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 0)["nominal"] = 10.0
    assert f"{A_PATH}.0.nominal" in problems(scheme)


def test_an_aspect_is_graded_or_banded_not_both():
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 1)["graded"] = True
    assert f"{A_PATH}.1.graded" in problems(scheme)


@pytest.mark.parametrize(
    "extra",
    [{"tolerance_bands": [{"deviation": 0.1, "fraction": 1}]}, {"graded": True}, {"nominal": 3.0}],
)
def test_judgement_aspects_have_no_measurement_settings(extra):
    scheme = sample_scheme()
    aspect(scheme, 1, 1, 0).update(extra)
    fields = problems(scheme)
    assert f"criteria.1.sub_criteria.1.aspects.0.{next(iter(extra))}" in fields


def test_judgement_levels_describe_0_to_3():
    scheme = sample_scheme()
    aspect(scheme, 1, 1, 0)["levels"] = {"1": "a", "2": "b", "3": "c", "4": "d"}
    assert "criteria.1.sub_criteria.1.aspects.0.levels" in problems(scheme)


def test_measurement_aspects_have_no_levels():
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 0)["levels"] = {"0": "a"}
    assert f"{A_PATH}.0.levels" in problems(scheme)


def test_every_problem_is_reported_at_once():
    scheme = sample_scheme()
    aspect(scheme, 1, 0, 0)["max_mark"] = 0
    aspect(scheme, 1, 1, 0)["graded"] = True
    scheme["criteria"][0]["component"] = "nowhere"
    assert len(problems(scheme)) >= 3


def test_the_index_finds_aspects_with_their_component_and_totals():
    index = SchemeIndex(sample_scheme())
    assert index.aspect_ids == ("T1", "A1.1", "A1.2", "A2.1", "A2.2")
    assert index.aspect("A2.2").component == "practical"
    assert index.aspect("T1").component == "theory"
    assert index.component_max == {"theory": 100.0, "practical": 13.0}


def test_the_index_validates_the_scheme_it_is_built_from():
    scheme = sample_scheme()
    scheme["components"][0]["weight"] = 10
    with pytest.raises(BadRequest):
        SchemeIndex(scheme)


def test_an_unknown_aspect_is_a_bad_request():
    with pytest.raises(BadRequest) as raised:
        SchemeIndex(sample_scheme()).aspect("Z9")
    assert "aspect_id" in raised.value.fields


def bad_value(aspect_id, value):
    with pytest.raises(BadRequest) as raised:
        SchemeIndex(sample_scheme()).mark_value(aspect_id, value)
    assert "value" in raised.value.fields


@pytest.mark.parametrize("level", [0, 1, 2, 3, 2.0])
def test_a_judgement_is_a_level_from_0_to_3(level):
    result = SchemeIndex(sample_scheme()).mark_value("A2.1", level)
    assert result == level and isinstance(result, int)


@pytest.mark.parametrize("level", [-1, 4, 1.5, "2", None, True, math.nan])
def test_other_judgements_are_refused(level):
    bad_value("A2.1", level)


@pytest.mark.parametrize("value", [0, 2.0, 2])
def test_full_or_zero_takes_zero_or_the_maximum(value):
    assert SchemeIndex(sample_scheme()).mark_value("A1.1", value) == value


@pytest.mark.parametrize("value", [1.0, 3.0, -2.0, math.inf])
def test_full_or_zero_refuses_anything_else(value):
    bad_value("A1.1", value)


@pytest.mark.parametrize("value", [0, 59.5, 100])
def test_a_graded_mark_is_anything_up_to_the_maximum(value):
    assert SchemeIndex(sample_scheme()).mark_value("T1", value) == value


@pytest.mark.parametrize("value", [-0.5, 100.5])
def test_a_graded_mark_outside_its_range_is_refused(value):
    bad_value("T1", value)


@pytest.mark.parametrize(
    "measured, mark",
    [(25.0, 2.0), (25.02, 2.0), (24.98, 2.0), (25.021, 1.0), (25.05, 1.0), (24.95, 1.0), (25.0501, 0.0), (0, 0.0)],
)
def test_a_measured_value_earns_the_fraction_of_its_first_band(measured, mark):
    assert SchemeIndex(sample_scheme()).mark_value("A1.2", measured) == mark


def test_a_measured_value_must_be_a_number():
    bad_value("A1.2", "25.0")


def test_mark_value_accepts_a_scheme_dict_too():
    assert mark_value(aspect_judgement("J"), 3) == 3
    assert mark_value({"id": "M", "kind": "measurement", "max_mark": 5}, 5) == 5.0
