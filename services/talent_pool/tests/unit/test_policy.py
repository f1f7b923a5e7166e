"""The admission policy: defaults, checking a configured one, monotone in the competition's level."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.vocabulary import COMPETITION_LEVELS, PRIZES, SKILL_LEVELS
from services.talent_pool.domain.policy import (DEFAULT_POLICY, PolicyError, admission_reason,
                                                policy_from, studio_admission_reason)
from common.testing.contracts import award, certified_only, nothing

policies = st.builds(
    lambda level, prizes, titles, certified, certified_min: policy_from({
        "min_competition_level": level, "prizes": prizes, "titles": titles,
        "admit_certified": certified, "certified_min_level": certified_min}),
    st.sampled_from(COMPETITION_LEVELS), st.lists(st.sampled_from(PRIZES), unique=True),
    st.booleans(), st.booleans(), st.sampled_from(SKILL_LEVELS))
facts = st.fixed_dictionaries({
    "prize": st.sampled_from((None,) + PRIZES), "titles": st.sampled_from([[], ["技术能手"]]),
    "certificate_level": st.sampled_from((None,) + SKILL_LEVELS)})


@given(policies, facts, st.sampled_from(COMPETITION_LEVELS))
def test_what_admits_at_one_level_admits_at_every_higher_level(policy, fact, level):
    admitted = admission_reason(policy, award(level=level, prize_name=None, **fact)) is not None
    higher = COMPETITION_LEVELS[COMPETITION_LEVELS.index(level):]
    if admitted:
        assert all(admission_reason(policy, award(level=up, prize_name=None, **fact)) for up in higher)


@given(policies, st.sampled_from(COMPETITION_LEVELS))
def test_an_award_with_nothing_in_it_never_admits(policy, level):
    assert admission_reason(policy, nothing(level=level)) is None


def test_the_default_admits_prize_winners_and_title_holders_from_city_level_up():
    assert policy_from(None) == DEFAULT_POLICY
    for level in ("city", "provincial", "national"):
        assert admission_reason(DEFAULT_POLICY, award(level=level))
        assert admission_reason(DEFAULT_POLICY, nothing(level=level, titles=["技术能手"]))
        assert admission_reason(DEFAULT_POLICY, nothing(level=level, prize="honourable"))
    for level in ("enterprise", "county"):
        assert admission_reason(DEFAULT_POLICY, award(level=level)) is None
    assert admission_reason(DEFAULT_POLICY, certified_only()) is None


def test_a_policy_can_narrow_the_prizes_and_drop_titles():
    policy = policy_from({"prizes": ["first"], "titles": False, "min_competition_level": "provincial"})
    assert admission_reason(policy, award(level="provincial"))
    assert admission_reason(policy, award(level="city")) is None
    assert admission_reason(policy, award(level="national", prize="second", prize_name="二等奖")) is None


def test_a_policy_with_mistakes_is_refused_naming_each():
    with pytest.raises(PolicyError) as error:
        policy_from({"min_competition_level": "town", "prizes": ["gold"], "titles": "yes",
                     "review_years": 0, "admit_everyone": True})
    message = str(error.value)
    for key in ("admit_everyone", "min_competition_level", "prizes", "titles", "review_years"):
        assert key in message
    with pytest.raises(PolicyError):
        policy_from(["city"])


def test_the_configured_file_gives_the_default_policy():
    from common.config import load_config

    assert policy_from(load_config()["TALENT_ADMISSION_POLICY"]) == DEFAULT_POLICY


def rating(stars, status="rated"):
    return {"studio_id": "std-1", "studio_name": "王建国劳模创新工作室", "level": "city",
            "stars": stars, "status": status}


def test_a_studio_rating_of_three_stars_or_more_admits_its_lead_by_default():
    assert DEFAULT_POLICY["studio_lead_min_stars"] == 3
    reason = studio_admission_reason(DEFAULT_POLICY, rating(3))
    assert "王建国劳模创新工作室" in reason and "3星" in reason and "市级" in reason
    assert studio_admission_reason(DEFAULT_POLICY, rating(5))
    assert studio_admission_reason(DEFAULT_POLICY, rating(2)) is None
    assert studio_admission_reason(DEFAULT_POLICY, rating(None)) is None
    # A revoked rating admits no one, however many stars it had.
    assert studio_admission_reason(DEFAULT_POLICY, rating(5, status="revoked")) is None


@given(st.integers(1, 5), st.integers(0, 5))
def test_the_studio_threshold_is_the_configured_number_of_stars(minimum, stars):
    policy = policy_from({"studio_lead_min_stars": minimum})
    assert (studio_admission_reason(policy, rating(stars)) is not None) == (stars >= minimum)


@pytest.mark.parametrize("value", [0, 6, "3", True, 3.5, None])
def test_a_studio_threshold_that_is_no_whole_number_of_stars_is_refused(value):
    with pytest.raises(PolicyError, match="studio_lead_min_stars must be a whole number from 1 to 5"):
        policy_from({"studio_lead_min_stars": value})
