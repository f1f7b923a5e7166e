"""Who may enter a trade event: the skill-level ladder and an event's eligibility rules.

Rules of an event (every key optional)::

    {"trade_must_match": True,           # the worker's trade (工种) must be the event's trade
     "min_level": "中级工",               # lowest skill level admitted
     "max_level": "技师",                 # highest skill level admitted
     "max_age": 35,                      # oldest age admitted, in whole years on the day checked
     "quota_per_enterprise": 3}          # most entries one employer may have in the event

The quota is not checked here: it depends on how many entries the employer already has, which
only the service knows. The service keeps a counter per (event, employer), reads the limit with
``enterprise_quota(rules)`` and refuses the entry when the counter would pass it, in the same
conditional update that counts the entry, so two concurrent registrations cannot both take the
last place.
"""
from datetime import date

from common.errors import BadRequest
# The ladder lives in common, where the talent pool uses it too.
from common.vocabulary import is_skill_level, level_rank
from common.vocabulary import not_a_level as _not_a_level

DEFAULT_ELIGIBILITY = {"trade_must_match": True}


def _is_positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def validate_eligibility_rules(rules):
    """Check an event's eligibility rules; raise BadRequest naming every rule at fault."""
    fields = {}
    rules = rules or {}
    if "trade_must_match" in rules and not isinstance(rules["trade_must_match"], bool):
        fields["trade_must_match"] = ["must be true or false"]
    for key in ("min_level", "max_level"):
        level = rules.get(key)
        if level is not None and not is_skill_level(level):
            fields[key] = [_not_a_level(level)]
    low, high = rules.get("min_level"), rules.get("max_level")
    if is_skill_level(low) and is_skill_level(high) and level_rank(low) > level_rank(high):
        fields["max_level"] = [f"{high} is below the minimum level {low}"]
    for key in ("max_age", "quota_per_enterprise"):
        value = rules.get(key)
        if value is not None and not _is_positive_int(value):
            fields[key] = ["must be a whole number greater than 0"]
    if fields:
        raise BadRequest("the eligibility rules are not valid", fields)


def enterprise_quota(rules):
    """How many entries one employer may have in the event, or None when there is no limit."""
    return (rules or {}).get("quota_per_enterprise")


def age_on(birth_date, on_date):
    """Age in whole years (周岁) on ``on_date``: the birthday itself counts as having reached it."""
    years = on_date.year - birth_date.year
    if (on_date.month, on_date.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def check_eligibility(rules, event_trade, worker, on_date):
    """Raise BadRequest listing every rule ``worker`` fails for the event; return None if eligible.

    ``worker`` is ``{"trade", "skill_level", "birth_date": date, "employer"}``. Missing data that a
    rule needs counts as failing that rule, so an incomplete profile never slips through.
    """
    rules = {**DEFAULT_ELIGIBILITY, **(rules or {})}
    fields = {}

    if rules.get("trade_must_match"):
        trade = worker.get("trade")
        if not trade or trade.strip() != (event_trade or "").strip():
            fields["trade"] = [f"the event is for the trade {event_trade}, not {trade or 'an unknown trade'}"]

    low, high = rules.get("min_level"), rules.get("max_level")
    if low or high:
        level = worker.get("skill_level")
        if not is_skill_level(level):
            fields["skill_level"] = [_not_a_level(level)]
        elif low and level_rank(level) < level_rank(low):
            fields["skill_level"] = [f"the event requires at least {low}; the worker is {level}"]
        elif high and level_rank(level) > level_rank(high):
            fields["skill_level"] = [f"the event admits at most {high}; the worker is {level}"]

    max_age = rules.get("max_age")
    if max_age is not None:
        birth_date = worker.get("birth_date")
        if not isinstance(birth_date, date):
            fields["birth_date"] = ["the event has an age limit, so the birth date is required"]
        else:
            age = age_on(birth_date, on_date)
            if age > max_age:
                fields["birth_date"] = [f"the event admits workers aged up to {max_age}; the worker is {age}"]

    if fields:
        raise BadRequest("the worker is not eligible for this event", fields)
