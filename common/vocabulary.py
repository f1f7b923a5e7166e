"""The words every service shares, defined once: the skill ladder, competition levels, prizes.

- The national 8-level skill ladder (职业技能等级): its order makes one level "higher" than
  another; competitions check eligibility and award promotions on it, the talent pool keeps each
  talent's highest level on it.
- Competition levels (企业级 to 国家级), lowest first: the talent pool admits from a level upward.
- Prizes, best first, with the names printed on certificates.
"""
from common.errors import BadRequest

# Lowest first.
COMPETITION_LEVELS = ("enterprise", "county", "city", "provincial", "national")
COMPETITION_LEVEL_NAMES = {"enterprise": "企业级", "county": "县级", "city": "市级",
                           "provincial": "省级", "national": "国家级"}

# Best first.
PRIZES = ("first", "second", "third", "honourable")
PRIZE_NAMES = {"first": "一等奖", "second": "二等奖", "third": "三等奖", "honourable": "优胜奖"}

# Lowest first.
SKILL_LEVELS = ("学徒工", "初级工", "中级工", "高级工", "技师", "高级技师", "特级技师", "首席技师")
# 高技能人才: 高级工 and above.
HIGH_SKILL_FROM = "高级工"
_LEVEL_RANK = {level: position for position, level in enumerate(SKILL_LEVELS)}


def is_skill_level(level):
    return isinstance(level, str) and level in _LEVEL_RANK


def not_a_level(level):
    return f"{level!r} is not one of {' '.join(SKILL_LEVELS)}"


def level_rank(level):
    """Position of ``level`` on the ladder, 0 for 学徒工 up to 7 for 首席技师."""
    if not is_skill_level(level):
        raise BadRequest(f"unknown skill level {level!r}", {"level": [not_a_level(level)]})
    return _LEVEL_RANK[level]


def highest(levels):
    """The highest of ``levels`` on the ladder (unknown values and None ignored), or None."""
    known = [level for level in levels if is_skill_level(level)]
    return max(known, key=_LEVEL_RANK.__getitem__) if known else None


def levels_from(level):
    """``level`` and every level above it, lowest first."""
    return SKILL_LEVELS[level_rank(level):]
