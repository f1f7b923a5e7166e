"""The star rating of a studio: the arithmetic (hypothesis), the breakdown, 复评 and 摘牌."""
import copy
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import BadRequest, Conflict
from common.vocabulary import COMPETITION_LEVELS
from services.studios import events
from services.studios.domain.kinds import KINDS
from services.studios.domain.rating import (OUTCOMES, REVOCATION_KINDS, rate_studio, re_evaluation,
                                            require_complete, revocation, round_half_up, stars_for,
                                            trimmed_mean)
from services.studios.domain.rubric import (DEFAULT_RUBRIC, rubric_from, rule_result_kinds,
                                            thresholds_from)

RUBRIC = rubric_from(None)
THRESHOLDS = thresholds_from(None)
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}
PANEL_ITEMS = {"site_visit": 10, "expert_review": 10}


def a_studio(**changes):
    studio = {"_id": "st-1", "name": "王师傅创新工作室", "level": "city", "founded_on": "2019-06-01",
              "members": [{"member_id": f"m{n}", "name": f"成员{n}"} for n in range(6)],
              "status": "active", "alliances": ["al-1"], "convenes": 0}
    return {**studio, **changes}


def a_result(result_id, kind, achieved_on="2025-05-01", cost_saved=0, value_created=0,
             confirmed=True, people_trained=0, converted=False, award_level=None):
    return {"_id": result_id, "kind": kind, "title": f"成果 {result_id}", "achieved_on": achieved_on,
            "economic_benefit": {"cost_saved": cost_saved, "value_created": value_created,
                                 "confirmed": confirmed},
            "people_trained": people_trained, "converted": converted, "award_level": award_level,
            "authors": []}


def rate(results=(), panel=None, studio=None, rubric=RUBRIC, thresholds=THRESHOLDS, period=PERIOD):
    panel = {"site_visit": [8, 8, 8], "expert_review": [8, 8, 8]} if panel is None else panel
    return rate_studio(studio or a_studio(), list(results), panel, rubric, thresholds, period)


def item_of(rating, code):
    return next(item for item in rating["items"] if item["item"] == code)


# --- strategies

days = st.dates(datetime.date(2023, 6, 1), datetime.date(2026, 6, 30)).map(datetime.date.isoformat)
results = st.builds(
    a_result, st.uuids().map(str), st.sampled_from(KINDS + ("unknown_kind",)), days,
    st.integers(-100_000, 8_000_000), st.integers(0, 4_000_000), st.booleans(), st.integers(0, 60),
    st.booleans(), st.sampled_from((None,) + COMPETITION_LEVELS))
studios = st.builds(
    lambda members, founded, alliances, convenes: a_studio(
        members=[{"member_id": f"m{n}", "name": "x"} for n in range(members)], founded_on=founded,
        alliances=[f"al-{n}" for n in range(alliances)], convenes=convenes),
    st.integers(0, 12), days, st.integers(0, 3), st.integers(0, 2))
panels = st.fixed_dictionaries({}, optional={
    code: st.lists(st.floats(0, high, allow_nan=False), max_size=7) for code, high in PANEL_ITEMS.items()})


@st.composite
def rubrics(draw):
    """The default rubric with its 100 points shared out anew and other points per result."""
    rubric = copy.deepcopy(DEFAULT_RUBRIC)
    items = [item for category in rubric["categories"] for item in category["items"]]
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=len(items) - 1,
                                max_size=len(items) - 1, unique=True)))
    for item, low, high in zip(items, [0] + cuts, cuts + [100]):
        item["max_points"] = high - low
        rule = item["rule"]
        if rule["kind"] == "count":
            rule["points_each"] = {kind: draw(st.sampled_from([0.25, 0.5, 1, 3, 7]))
                                   for kind in rule["points_each"]}
        elif rule["kind"] in ("sum", "converted"):
            rule["points_each"] = draw(st.sampled_from([0.1, 0.2, 1, 4]))
        elif rule["kind"] == "alliance":
            rule["member_points"], rule["convenor_points"] = 0, item["max_points"]
        elif rule["kind"] == "panel":
            rule["drop_extremes_from"] = draw(st.sampled_from([0, 3, 5]))
            rule["min_experts"] = draw(st.integers(1, 4))
    return rubric_from(rubric)


thresholds = st.lists(st.integers(1, 100), min_size=1, max_size=5, unique=True).flatmap(
    lambda points: st.permutations(range(1, 6)).map(
        lambda stars: thresholds_from(dict(zip(sorted(stars[:len(points)]), sorted(points))))))


def scaled_panel(panel, rubric):
    """Panel scores drawn on 0..10, brought to each panel item's maximum in ``rubric``."""
    maxima = {item["item"]: item["max_points"] for item in rate_studio(
        a_studio(), [], {}, rubric, THRESHOLDS, PERIOD)["items"]}
    return {code: [min(score * maxima[code] / 10, maxima[code]) for score in scores]
            for code, scores in panel.items()}


# --- the arithmetic

@settings(max_examples=200)
@given(studios, st.lists(results, max_size=40), panels, rubrics(), thresholds)
def test_points_stay_in_bounds_and_the_breakdown_adds_up(studio, found, panel, rubric, levels):
    rating = rate(found, scaled_panel(panel, rubric), studio, rubric, levels)
    assert 0 <= rating["points"] <= 100
    for item in rating["items"]:
        assert 0 <= item["points"] <= item["max_points"]
        assert item["points"] == round(item["points"], 2)
    for category in rating["categories"]:
        own = [item for item in rating["items"] if item["category"] == category["category"]]
        assert category["points"] == round_half_up(sum(item["points"] for item in own), 2)
        assert category["max_points"] == round(sum(item["max_points"] for item in own), 2)
    assert sum(category["max_points"] for category in rating["categories"]) == 100
    added = sum(category["points"] for category in rating["categories"])
    assert abs(rating["points"] - added) <= 0.05 + 1e-9
    assert rating["points"] == round_half_up(added, 1)
    assert rating["stars"] == stars_for(rating["points"], levels)


@given(st.floats(0, 100), st.floats(0, 100), thresholds)
def test_more_points_never_earn_fewer_stars(low, high, levels):
    low, high = sorted((low, high))
    assert 0 <= stars_for(low, levels) <= stars_for(high, levels) <= 5


@given(thresholds)
def test_each_threshold_earns_its_stars_and_a_hair_below_it_does_not(levels):
    for stars, least in levels.items():
        assert stars_for(least, levels) == stars
        assert stars_for(least - 0.1, levels) < stars
    assert stars_for(0, levels) == 0


@settings(max_examples=200)
@given(studios, st.lists(results, max_size=30), results, panels, rubrics())
def test_adding_a_verified_result_never_lowers_the_points(studio, found, extra, panel, rubric):
    panel = scaled_panel(panel, rubric)
    before = rate(found, panel, studio, rubric)
    after = rate(found + [extra], panel, studio, rubric)
    assert after["points"] >= before["points"]
    for earlier, later in zip(before["items"], after["items"]):
        assert later["points"] >= earlier["points"]


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=9), st.sampled_from([0, 3, 5]))
def test_a_trimmed_mean_stays_within_the_scores(scores, drop):
    mean = trimmed_mean(scores, drop)
    assert min(scores) <= mean <= max(scores)


def test_a_trimmed_mean_drops_the_extremes_only_from_enough_experts():
    assert trimmed_mean([9, 8, 8, 7, 2]) == pytest.approx(23 / 3)
    assert trimmed_mean([9, 8, 2]) == pytest.approx(19 / 3)  # fewer than 5: nothing dropped
    assert trimmed_mean([9, 8, 2], drop_extremes_from=3) == 8
    assert trimmed_mean([10, 0, 0, 0, 10], drop_extremes_from=0) == 4
    with pytest.raises(BadRequest):
        trimmed_mean([])


@settings(max_examples=100)
@given(studios, st.lists(results, max_size=30), rubrics())
def test_an_item_counts_only_results_of_its_kinds_in_the_period(studio, found, rubric):
    rating = rate(found, {}, studio, rubric)
    by_id = {result["_id"]: result for result in found}
    rules = {item["code"]: item["rule"] for category in rubric["categories"] for item in category["items"]}
    for item in rating["items"]:
        for result_id in item["counted"]:
            result = by_id[result_id]
            assert PERIOD["from"] <= result["achieved_on"] <= PERIOD["to"]
            assert result["kind"] in rule_result_kinds(rules[item["item"]])
        if rules[item["item"]]["kind"] == "benefit_bands":
            assert all(by_id[r]["economic_benefit"]["confirmed"] for r in item["counted"])


@given(studios, st.lists(results, max_size=20), panels)
def test_rating_changes_nothing_it_is_given(studio, found, panel):
    given_before = copy.deepcopy((studio, found, panel, RUBRIC, THRESHOLDS, PERIOD))
    rate_studio(studio, found, panel, RUBRIC, THRESHOLDS, PERIOD)
    assert (studio, found, panel, RUBRIC, THRESHOLDS, PERIOD) == given_before


# --- the breakdown, by example

def four_star_results():
    return [
        a_result("r-pat-1", "invention_patent", converted=True, award_level="provincial"),
        a_result("r-pat-2", "utility_patent"), a_result("r-pat-3", "design_patent"),
        *(a_result(f"r-5x-{n}", "five_small") for n in range(1, 5)),
        a_result("r-atk-1", "tackling", cost_saved=2_500_000, value_created=1_000_000),
        a_result("r-atk-2", "tackling", cost_saved=800_000, confirmed=False),
        a_result("r-atk-3", "tackling", converted=True, award_level="city"),
        a_result("r-op-1", "operating_method", cost_saved=300_000),
        a_result("r-std-1", "standard"),
        a_result("r-rs-1", "rationalisation"), a_result("r-rs-2", "rationalisation"),
        a_result("r-tr-1", "training", people_trained=30),
        a_result("r-old", "tackling", achieved_on="2024-12-31", cost_saved=9_000_000),
    ]


def test_why_this_studio_has_four_stars():
    rating = rate(four_star_results(), {"site_visit": [9, 9.5, 8.5, 7, 10], "expert_review": [9, 8, 8.5]},
                  studio=a_studio(convenes=1))
    assert (rating["points"], rating["stars"], rating["complete"]) == (80.0, 4, True)
    breakdown = {item["item"]: (item["points"], item["counted"]) for item in rating["items"]}
    assert breakdown == {
        "members": (5, []), "years": (5, []),
        "site_visit": (9, []), "expert_review": (8.5, []),
        "patents": (7, ["r-pat-1", "r-pat-2", "r-pat-3"]),
        "five_small": (4, ["r-5x-1", "r-5x-2", "r-5x-3", "r-5x-4"]),
        "tackling": (6, ["r-atk-1", "r-atk-2", "r-atk-3"]),  # r-old is before the period
        "methods": (5, ["r-op-1", "r-rs-1", "r-rs-2", "r-std-1"]),  # by kind, as the rubric lists them
        # ¥3.8M confirmed (r-atk-2's ¥0.8M is not): the ¥3-6M band, 30 of 40 on 14 points.
        "benefit": (10.5, ["r-atk-1", "r-op-1"]),
        "converted": (4, ["r-pat-1", "r-atk-3"]),
        "trained": (6, ["r-tr-1"]),
        "prizes": (5, ["r-pat-1", "r-atk-3"]),
        "alliance": (5, []),
    }
    assert [(c["category"], c["points"], c["max_points"]) for c in rating["categories"]] == [
        ("basic", 10, 10), ("operation", 17.5, 20), ("output", 22, 30), ("benefits", 14.5, 20),
        ("talent", 11, 15), ("alliance", 5, 5)]
    assert item_of(rating, "benefit")["basis"] == (
        "confirmed benefit ¥3,800,000 of 2 results ≥ ¥3,000,000: 30 of 40, scaled to 10.5; "
        "1 unconfirmed not counted")
    assert item_of(rating, "site_visit")["basis"] == (
        "5 experts: highest 10 and lowest 7 dropped, mean of the other 3 = 9")
    assert item_of(rating, "expert_review")["basis"] == (
        "3 experts, none dropped (fewer than 5 experts): mean = 8.5")
    assert item_of(rating, "methods")["basis"] == "1 先进操作法 × 2 + 2 合理化建议 × 0.5 + 1 标准制定 × 2 = 5"
    assert item_of(rating, "prizes")["basis"] == "省级 1 × 3 + 市级 1 × 2 = 5"
    assert item_of(rating, "alliance")["basis"] == "convenes 1 alliance (盟主), member of 1"


@pytest.mark.parametrize("amount, points", [
    (6_000_000, 14), (5_999_999, 10.5), (3_000_000, 10.5), (1_000_000, 7), (500_000, 5.25),
    (499_999, 0), (0, 0)])
def test_benefit_bands_follow_the_published_example_scaled_to_the_item(amount, points):
    rating = rate([a_result("r", "tackling", cost_saved=amount / 2, value_created=amount / 2)])
    assert item_of(rating, "benefit")["points"] == points


def test_counted_items_are_capped_and_say_so():
    rating = rate([a_result(f"r{n}", "tackling") for n in range(6)])
    tackling = item_of(rating, "tackling")
    assert tackling["points"] == 8 and len(tackling["counted"]) == 6
    assert tackling["basis"] == "6 技术攻关 × 2 = 12, capped at 8"


def test_basic_conditions_at_their_limits():
    on_the_day = rate(studio=a_studio(founded_on="2022-12-31", members=[{"member_id": n} for n in range(5)]))
    assert item_of(on_the_day, "years")["points"] == 5 and item_of(on_the_day, "members")["points"] == 5
    short = rate(studio=a_studio(founded_on="2023-01-01", members=[{"member_id": 1}] * 4, alliances=[]))
    assert [item_of(short, code)["points"] for code in ("years", "members", "alliance")] == [0, 0, 0]
    assert item_of(short, "years")["basis"] == "founded 2023-01-01: 2 whole years by 2025-12-31, fewer than 3"
    assert item_of(rate(studio=a_studio(founded_on=None)), "years")["basis"] == "no founding date"


def test_a_rating_without_enough_panel_scores_is_incomplete_and_cannot_be_proposed():
    rating = rate(panel={"site_visit": [9, 9]})
    assert rating["complete"] is False and rating["missing_panel"] == ["site_visit", "expert_review"]
    assert item_of(rating, "site_visit")["basis"] == "only 2 expert scores, 3 needed"
    assert item_of(rating, "expert_review")["basis"] == "no panel scores"
    assert item_of(rating, "expert_review")["points"] == 0
    with pytest.raises(Conflict) as error:
        require_complete(rating)
    assert set(error.value.fields) == {"panel_scores.site_visit", "panel_scores.expert_review"}
    require_complete(rate())  # complete: nothing raised


def test_panel_scores_may_come_keyed_by_expert():
    rating = rate(panel={"site_visit": {"e1": 6, "e2": 7, "e3": 8}, "expert_review": [5, 5, 5]})
    assert item_of(rating, "site_visit")["points"] == 7


@pytest.mark.parametrize("panel, path", [
    ({"patents": [5, 5, 5]}, "panel_scores.patents"),
    ({"site_visit": [5, 11, 5]}, "panel_scores.site_visit[1]"),
    ({"site_visit": [5, -1, "9"]}, "panel_scores.site_visit[1]"),
    ({"site_visit": 9}, "panel_scores.site_visit"),
])
def test_panel_scores_that_do_not_fit_the_rubric_are_refused(panel, path):
    with pytest.raises(BadRequest) as error:
        rate(panel=panel)
    assert path in error.value.fields


@pytest.mark.parametrize("period, path", [
    ({"from": "2025-12-31", "to": "2025-01-01"}, "period.to"),
    ({"from": "2025-02-30", "to": "2025-12-31"}, "period.from"),
    ({"to": "2025-12-31"}, "period.from"), ("2025", "period")])
def test_a_period_that_is_no_period_is_refused(period, path):
    with pytest.raises(BadRequest) as error:
        rate(period=period)
    assert path in error.value.fields


def test_a_period_may_be_given_as_dates_and_both_of_its_days_count():
    found = [a_result("first", "five_small", achieved_on="2025-01-01"),
             a_result("last", "five_small", achieved_on="2025-12-31T23:00:00+08:00"),
             a_result("after", "five_small", achieved_on="2026-01-01"),
             a_result("undated", "five_small", achieved_on=None)]
    rating = rate(found, period={"from": datetime.date(2025, 1, 1), "to": datetime.date(2025, 12, 31)})
    assert item_of(rating, "five_small")["counted"] == ["first", "last"]


def test_a_round_with_three_stars_only():
    levels = thresholds_from({3: 80, 2: 70, 1: 60})
    assert rate(four_star_results(), {"site_visit": [9, 9.5, 8.5, 7, 10], "expert_review": [9, 8, 8.5]},
                studio=a_studio(convenes=1), thresholds=levels)["stars"] == 3


def test_the_total_is_rounded_half_up_and_the_stars_follow_the_total_shown():
    assert round_half_up(89.95, 1) == 90.0 and round_half_up(89.94999, 1) == 89.9
    assert round_half_up(0.125, 2) == 0.13 and round_half_up(2.675, 2) == 2.68
    assert stars_for(round_half_up(79.96, 1), THRESHOLDS) == 4


# --- 复评 and 摘牌

@pytest.mark.parametrize("previous, new, outcome", [
    (None, 3, "first"), (None, 0, "first"), (3, 3, "kept"), (0, 0, "kept"), (3, 4, "raised"),
    (0, 2, "raised"), (4, 2, "lowered"), (1, 0, "revoked"), (5, 0, "revoked")])
def test_re_evaluation_outcomes(previous, new, outcome):
    result = re_evaluation(previous, new)
    assert (result["outcome"], result["previous_stars"], result["stars"]) == (outcome, previous, new)
    assert (result["revocation"] is not None) == (outcome == "revoked")


def test_a_failed_re_evaluation_revokes_automatically_and_says_by_how_much():
    result = re_evaluation(3, 0, points=47.5, thresholds=THRESHOLDS)
    assert result["revocation"] == {"kind": "automatic", "name": "自动摘牌", "stars_before": 3,
                                    "reason": "复评 47.5 points, below the 50 of the lowest star"}
    assert re_evaluation(2, 0)["revocation"]["reason"].startswith("复评 below the lowest threshold")


@pytest.mark.parametrize("previous, new", [(6, 3), (3, -1), (True, 2), (2, None), ("3", 3)])
def test_re_evaluation_refuses_stars_that_are_no_stars(previous, new):
    with pytest.raises(BadRequest):
        re_evaluation(previous, new)


def test_the_three_kinds_of_revocation():
    assert revocation("ordered", " 弄虚作假 ", stars_before=4) == {
        "kind": "ordered", "name": "责令摘牌", "reason": "弄虚作假", "stars_before": 4}
    assert revocation("natural", "企业关闭")["name"] == "自然摘牌"
    with pytest.raises(BadRequest) as error:
        revocation("expired", "  ")
    assert set(error.value.fields) == {"kind", "reason"}
    with pytest.raises(BadRequest):
        revocation("ordered", "x" * 501)
    with pytest.raises(Conflict):
        revocation("ordered", "弄虚作假", stars_before=0)


def test_the_codes_are_those_of_the_published_contracts():
    assert REVOCATION_KINDS == events.REVOCATION_KINDS
    # A revocation is published as studio.rating_revoked, every other outcome as studio.rated.
    assert tuple(o for o in OUTCOMES if o != "revoked") == events.RATING_OUTCOMES


@given(st.one_of(st.none(), st.integers(0, 5)), st.integers(0, 5))
def test_re_evaluation_agrees_with_the_order_of_stars(previous, new):
    outcome = re_evaluation(previous, new)["outcome"]
    if previous is None:
        assert outcome == "first"
    else:
        assert outcome == ("revoked" if previous and not new else "raised" if new > previous
                           else "lowered" if new < previous else "kept")
