import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import BadRequest
from services.competitions.domain import scoring
from services.competitions.domain.scheme import SchemeIndex
from services.competitions.domain.scoring import aspect_results, score_entry, validate_judging_rules

from .test_scheme import aspect_judgement, sample_scheme

INDEX = SchemeIndex(sample_scheme())
# Practical maxima: A1.1 2 + A1.2 2 + A2.1 3 + A2.2 6 = 13.
FIVE = ("j1", "j2", "j3", "j4", "j5")


def judges(*levels):
    return dict(zip(FIVE, levels))


def full_marks():
    return {
        "T1": {"t": 100},
        "A1.1": {"j1": 2.0},
        "A1.2": {"j1": 25.0},
        "A2.1": judges(3, 3, 3, 3, 3),
        "A2.2": judges(3, 3, 3, 3, 3),
    }


def test_full_marks_everywhere_score_100():
    score = score_entry(INDEX, full_marks())
    assert score.total == 100.0
    assert score.components == {"theory": 100.0, "practical": 100.0}
    assert score.complete and score.flagged == () and score.missing == ()


def test_no_marks_at_all_is_an_incomplete_zero():
    score = score_entry(INDEX, {})
    assert score.total == 0.0 and not score.complete
    assert score.missing == ("T1", "A1.1", "A1.2", "A2.1", "A2.2")


def test_components_are_percentages_of_their_maxima_and_the_total_is_weighted():
    marks = full_marks()
    marks["T1"] = {"t": 60}
    marks["A1.1"] = {"j1": 0}  # practical loses 2 of 13
    score = score_entry(INDEX, marks)
    assert score.components == {"theory": 60.0, "practical": round(100 * 11 / 13, 4)}
    assert score.total == round(0.3 * 60 + 0.7 * round(100 * 11 / 13, 4), 4)


def test_five_judges_drop_the_highest_and_lowest_and_average_the_rest():
    marks = full_marks()
    marks["A2.2"] = judges(3, 2, 3, 0, 1)  # counted: 1, 2, 3 -> level 2 -> 6 * 2/3 = 4
    [result] = [r for r in aspect_results(INDEX, marks) if r.aspect_id == "A2.2"]
    assert result.counted == (1, 2, 3) and result.level == 2 and result.awarded == 4.0
    assert score_entry(INDEX, marks).components["practical"] == round(100 * 11 / 13, 4)


def test_below_the_drop_threshold_every_level_counts():
    marks = full_marks()
    marks["A2.1"] = {"j1": 3, "j2": 2, "j3": 2, "j4": 2}  # mean 2.25 -> 3 * 2.25 / 3
    score = score_entry(INDEX, marks)
    assert score.components["practical"] == round(100 * (13 - 0.75) / 13, 4)


def test_dropping_can_be_switched_off():
    marks = full_marks()
    marks["A2.1"] = judges(3, 3, 3, 3, 0)
    kept = score_entry(INDEX, marks, {"drop_extremes_from": 0, "max_spread": 3})
    dropped = score_entry(INDEX, marks, {"drop_extremes_from": 5, "max_spread": 3})
    assert kept.components["practical"] == round(100 * (13 - 0.6) / 13, 4)
    assert dropped.components["practical"] == 100.0


def test_a_spread_wider_than_allowed_flags_the_aspect():
    marks = full_marks()
    marks["A2.1"] = judges(3, 3, 2, 2, 3)  # spread 1: fine
    marks["A2.2"] = judges(3, 1, 2, 2, 2)  # spread 2: review
    assert score_entry(INDEX, marks).flagged == ("A2.2",)
    assert score_entry(INDEX, marks, {"max_spread": 2}).flagged == ()
    assert score_entry(INDEX, marks, {"max_spread": 0}).flagged == ("A2.1", "A2.2")


def test_a_flag_does_not_make_an_entry_incomplete():
    marks = full_marks()
    marks["A2.2"] = judges(3, 0, 3, 3, 3)
    score = score_entry(INDEX, marks)
    assert score.flagged == ("A2.2",) and score.complete


def test_a_judgement_aspect_with_too_few_judges_counts_as_missing():
    marks = full_marks()
    marks["A2.1"] = {"j1": 3, "j2": 3}
    score = score_entry(INDEX, marks, {"min_judges": 3})
    assert score.missing == ("A2.1",) and not score.complete
    assert score.components["practical"] == 100.0  # what is there still counts on the live board


def test_a_missing_aspect_counts_zero_and_is_listed():
    marks = full_marks()
    del marks["A1.2"]
    marks["A1.1"] = {}
    score = score_entry(INDEX, marks)
    assert score.missing == ("A1.1", "A1.2") and not score.complete
    assert score.components["practical"] == round(100 * 9 / 13, 4)


@pytest.mark.parametrize("measured, awarded", [(25.02, 2.0), (25.04, 1.0), (25.2, 0.0)])
def test_a_banded_aspect_scores_the_measured_value(measured, awarded):
    marks = full_marks()
    marks["A1.2"] = {"j1": measured}
    score = score_entry(INDEX, marks)
    assert score.components["practical"] == round(100 * (11 + awarded) / 13, 4)


def test_measurement_judges_who_disagree_are_flagged_and_the_lower_median_counts():
    marks = full_marks()
    marks["A1.1"] = {"j1": 2.0, "j2": 0, "j3": 2.0, "j4": 0}  # lower median of 0, 0, 2, 2 is 0
    score = score_entry(INDEX, marks)
    assert score.flagged == ("A1.1",)
    assert score.components["practical"] == round(100 * 11 / 13, 4)


def test_banded_judges_who_agree_on_the_mark_are_not_flagged():
    marks = full_marks()
    marks["A1.2"] = {"j1": 25.01, "j2": 24.99}  # different readings, both full marks
    assert score_entry(INDEX, marks).flagged == ()
    marks["A1.2"] = {"j1": 25.01, "j2": 25.04, "j3": 25.3}  # marks 2, 1, 0 -> median 1
    score = score_entry(INDEX, marks)
    assert score.flagged == ("A1.2",)
    assert score.components["practical"] == round(100 * 12 / 13, 4)


def test_the_score_is_rounded_to_four_places():
    marks = full_marks()
    marks["A2.1"] = judges(1, 1, 1, 1, 1)
    score = score_entry(INDEX, marks)
    assert score.components["practical"] == 84.6154  # 100 * 11 / 13


def test_a_score_exactly_on_a_half_rounds_up():
    scheme = {
        "components": [{"key": "practical", "name": "实操", "weight": 100}],
        "criteria": [{"id": "P", "name": "p", "component": "practical", "sub_criteria": [
            {"id": "P1", "name": "p1", "aspects": [
                {"id": "M", "kind": "measurement", "description": "", "max_mark": 32, "graded": True}]}]}],
    }
    score = score_entry(SchemeIndex(scheme), {"M": {"j1": 3.85}})  # 100 * 3.85 / 32 = 12.03125
    assert score.components["practical"] == 12.0313 and score.total == 12.0313


def test_extremes_are_dropped_from_any_configured_panel_size():
    marks = full_marks()
    marks["A2.1"] = {"j1": 0, "j2": 1, "j3": 2, "j4": 3}  # drop 0 and 3: level 1.5
    score = score_entry(INDEX, marks, {"drop_extremes_from": 3, "max_spread": 3})
    assert score.components["practical"] == round(100 * (13 - 1.5) / 13, 4)


def test_rounding_folds_float_noise_on_a_half_boundary():
    # 12.03125 sits exactly on a 4th-decimal half; noise must not split equal values.
    assert scoring._stable_round(12.03125 + 1e-13) == scoring._stable_round(12.03125 - 1e-13)


EQUAL_MAX = SchemeIndex(
    {
        "components": [{"key": "practical", "name": "实操", "weight": 100}],
        "criteria": [
            {
                "id": "P",
                "name": "p",
                "component": "practical",
                "sub_criteria": [
                    {"id": "P1", "name": "p1", "aspects": [aspect_judgement(f"J{i}", 0.7) for i in range(6)]}
                ],
            }
        ],
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=5, max_size=5), min_size=6, max_size=6), st.randoms())
def test_equal_performances_score_equal_whatever_aspect_they_came_from(levels, rnd):
    # Swapping which aspects (of equal weight) got which marks changes the order of float sums.
    shuffled = list(levels)
    rnd.shuffle(shuffled)
    first = {f"J{i}": judges(*row) for i, row in enumerate(levels)}
    second = {f"J{i}": judges(*row) for i, row in enumerate(shuffled)}
    one, other = score_entry(EQUAL_MAX, first), score_entry(EQUAL_MAX, second)
    assert (one.total, one.components) == (other.total, other.components)


level_sets = st.dictionaries(st.sampled_from(FIVE), st.integers(0, 3), min_size=0, max_size=5)


@settings(max_examples=80, deadline=None)
@given(
    theory=st.one_of(st.none(), st.floats(0, 100)),
    full=st.lists(st.sampled_from([0, 2.0]), max_size=3),
    measured=st.lists(st.floats(24.9, 25.1), max_size=3),
    a21=level_sets,
    a22=level_sets,
)
def test_the_detail_adds_up_to_the_score(theory, full, measured, a21, a22):
    marks = {"A2.1": a21, "A2.2": a22, "A1.1": dict(zip(FIVE, full)), "A1.2": dict(zip(FIVE, measured))}
    if theory is not None:
        marks["T1"] = {"t": theory}
    score = score_entry(INDEX, marks)
    detail = aspect_results(INDEX, marks)
    sums = {"theory": 0.0, "practical": 0.0}
    for result in detail:
        sums[result.component] += result.awarded
    assert score.components["theory"] == pytest.approx(sums["theory"], abs=1e-4)
    assert score.components["practical"] == pytest.approx(100 * sums["practical"] / 13, abs=1e-4)
    assert score.flagged == tuple(r.aspect_id for r in detail if r.flagged)
    assert score.missing == tuple(r.aspect_id for r in detail if r.missing)
    assert 0 <= score.total <= 100


def test_valid_judging_rules_pass():
    validate_judging_rules(None)
    validate_judging_rules({"drop_extremes_from": 0, "max_spread": 0, "min_judges": 1})
    validate_judging_rules({"drop_extremes_from": 7, "max_spread": 1.5, "min_judges": 5})


@pytest.mark.parametrize(
    "rules, field",
    [
        ({"drop_extremes_from": 2}, "drop_extremes_from"),
        ({"drop_extremes_from": -1}, "drop_extremes_from"),
        ({"drop_extremes_from": 4.0}, "drop_extremes_from"),
        ({"max_spread": -1}, "max_spread"),
        ({"max_spread": 4}, "max_spread"),
        ({"max_spread": True}, "max_spread"),
        ({"min_judges": 0}, "min_judges"),
        ({"min_judges": "5"}, "min_judges"),
    ],
)
def test_invalid_judging_rules_name_the_rule_at_fault(rules, field):
    with pytest.raises(BadRequest) as raised:
        validate_judging_rules(rules)
    assert field in raised.value.fields
