"""Standardised scores: the field's median on 700, a standard deviation 20 points, ranks kept."""
from hypothesis import given
from hypothesis import strategies as st

from services.competitions.domain.standardisation import standardised


def test_the_median_sits_on_700_and_a_standard_deviation_is_20_points():
    scores = standardised([60.0, 70.0, 80.0], None)
    # The population standard deviation of 60, 70, 80 is 8.165: 10 points is 1.2247 deviations.
    assert [s.score for s in scores] == [675.5, 700.0, 724.5]
    assert [s.excellent for s in scores] == [False, True, True]


def test_the_organiser_sets_the_scale_and_the_threshold():
    scores = standardised([50.0, 90.0], {"median": 500, "spread": 100, "excellence": 550})
    assert [(s.score, s.excellent) for s in scores] == [(400.0, False), (600.0, True)]


def test_a_field_without_spread_sits_at_the_median():
    assert standardised([88.5], None)[0].score == 700.0
    assert {s.score for s in standardised([75.0] * 4, None)} == {700.0}
    assert standardised([], None) == []


@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=60))
def test_standardising_keeps_the_order_of_the_totals(totals):
    scores = [s.score for s in standardised(totals, None)]
    for (a, sa), (b, sb) in zip(sorted(zip(totals, scores)), sorted(zip(totals, scores))[1:]):
        assert sa <= sb
