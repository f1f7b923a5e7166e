from datetime import date

import pytest

from common.errors import BadRequest
from common.vocabulary import SKILL_LEVELS
from services.competitions.domain.eligibility import (
    age_on,
    check_eligibility,
    enterprise_quota,
    level_rank,
    validate_eligibility_rules,
)

WORKER = {"trade": "数控车工", "skill_level": "高级工", "birth_date": date(1990, 6, 15), "employer": "E1"}
ON = date(2025, 6, 14)


def fails(rules, worker=WORKER, trade="数控车工", on=ON):
    with pytest.raises(BadRequest) as raised:
        check_eligibility(rules, trade, worker, on)
    return raised.value.fields


def test_the_ladder_has_eight_levels_lowest_first():
    assert len(SKILL_LEVELS) == 8
    assert SKILL_LEVELS[0] == "学徒工" and SKILL_LEVELS[-1] == "首席技师"
    assert [level_rank(level) for level in SKILL_LEVELS] == list(range(8))


def test_level_rank_of_an_unknown_level_is_a_bad_request():
    with pytest.raises(BadRequest) as raised:
        level_rank("大师")
    assert "level" in raised.value.fields


def test_an_eligible_worker_passes_every_rule():
    rules = {"trade_must_match": True, "min_level": "中级工", "max_level": "技师", "max_age": 35}
    assert check_eligibility(rules, "数控车工", WORKER, ON) is None


def test_the_trade_must_match_by_default():
    assert "trade" in fails({}, trade="电焊工")
    assert check_eligibility({"trade_must_match": False}, "电焊工", WORKER, ON) is None


def test_a_worker_without_a_trade_fails_the_trade_rule():
    assert "trade" in fails({}, worker={**WORKER, "trade": None})


def test_levels_below_the_minimum_or_above_the_maximum_fail():
    assert "skill_level" in fails({"min_level": "技师"})
    assert "skill_level" in fails({"max_level": "中级工"})


def test_a_level_limit_needs_a_known_level():
    assert "skill_level" in fails({"min_level": "初级工"}, worker={**WORKER, "skill_level": "unknown"})


def test_age_counts_whole_years_and_the_birthday_itself_counts():
    assert age_on(date(1990, 6, 15), date(2025, 6, 14)) == 34
    assert age_on(date(1990, 6, 15), date(2025, 6, 15)) == 35
    assert age_on(date(2000, 2, 29), date(2025, 2, 28)) == 24
    assert age_on(date(2000, 2, 29), date(2025, 3, 1)) == 25


def test_the_age_limit_admits_up_to_the_maximum():
    assert check_eligibility({"max_age": 34}, "数控车工", WORKER, ON) is None
    assert "birth_date" in fails({"max_age": 34}, on=date(2025, 6, 15))


def test_an_age_limit_needs_a_birth_date():
    assert "birth_date" in fails({"max_age": 40}, worker={**WORKER, "birth_date": None})


def test_every_failed_rule_is_reported_at_once():
    fields = fails({"min_level": "技师", "max_age": 30}, trade="电焊工")
    assert set(fields) == {"trade", "skill_level", "birth_date"}


def test_valid_rules_pass_validation():
    validate_eligibility_rules(
        {"trade_must_match": True, "min_level": "中级工", "max_level": "技师", "max_age": 35, "quota_per_enterprise": 3}
    )
    validate_eligibility_rules({})
    validate_eligibility_rules(None)


@pytest.mark.parametrize(
    "rules, field",
    [
        ({"trade_must_match": "yes"}, "trade_must_match"),
        ({"min_level": "大师"}, "min_level"),
        ({"max_level": 3}, "max_level"),
        ({"min_level": "技师", "max_level": "中级工"}, "max_level"),
        ({"max_age": 0}, "max_age"),
        ({"max_age": 35.5}, "max_age"),
        ({"max_age": True}, "max_age"),
        ({"quota_per_enterprise": -1}, "quota_per_enterprise"),
        ({"quota_per_enterprise": "3"}, "quota_per_enterprise"),
    ],
)
def test_invalid_rules_name_the_rule_at_fault(rules, field):
    with pytest.raises(BadRequest) as raised:
        validate_eligibility_rules(rules)
    assert field in raised.value.fields


def test_the_quota_is_exposed_for_the_service_to_enforce():
    assert enterprise_quota({"quota_per_enterprise": 3}) == 3
    assert enterprise_quota({}) is None
    assert enterprise_quota(None) is None
    # check_eligibility itself ignores the quota: counting entries is the service's job.
    assert check_eligibility({"quota_per_enterprise": 1}, "数控车工", WORKER, ON) is None
