"""The admission policy: which competition awards put a worker into the pool automatically.

Configured per deployment (``TALENT_ADMISSION_POLICY`` in config.yaml); every key optional::

    min_competition_level: city      # enterprise < county < city < provincial < national
    prizes: [first, second, third, honourable]   # prizes that admit ([] = none)
    titles: true                     # a title (技术能手 ...) admits
    admit_certified: false           # a certified finalist without prize or title is admitted
    certified_min_level: 高级工       # ... if the certificate is at least this level
    review_years: 3                  # an admission is reviewed this many years later

Whatever the policy, only awards of competitions at ``min_competition_level`` or higher admit, so
the decision is monotone in the competition's level: what admits at city level admits at
provincial and national level too. Certificates, promotions and honours that do not admit are
still recorded on the worker's record (as a candidate), so a later policy or nomination can use them.
"""
from common.vocabulary import (COMPETITION_LEVEL_NAMES, COMPETITION_LEVELS, HIGH_SKILL_FROM,
                               PRIZE_NAMES, PRIZES, SKILL_LEVELS, is_skill_level, level_rank)

_COMPETITION_RANK = {level: position for position, level in enumerate(COMPETITION_LEVELS)}

DEFAULT_POLICY = {
    "min_competition_level": "city",
    "prizes": list(PRIZES),
    "titles": True,
    "admit_certified": False,
    "certified_min_level": HIGH_SKILL_FROM,
    "review_years": 3,
}


class PolicyError(ValueError):
    """The configured policy is not valid; the message names every key at fault."""


def _is_bool(value):
    return isinstance(value, bool)


def policy_from(configured):
    """The policy in effect: ``configured`` (a dict, or None for the default) over the defaults.

    Raises PolicyError naming every key at fault, so a deployment with a typo fails at start-up
    instead of admitting the wrong people.
    """
    configured = {} if configured is None else configured
    if not isinstance(configured, dict):
        raise PolicyError("TALENT_ADMISSION_POLICY must be a mapping")
    problems = []
    unknown = sorted(set(configured) - set(DEFAULT_POLICY))
    if unknown:
        problems.append(f"unknown keys {', '.join(map(str, unknown))}")
    policy = {**DEFAULT_POLICY, **{k: v for k, v in configured.items() if k in DEFAULT_POLICY}}
    if policy["min_competition_level"] not in COMPETITION_LEVELS:
        problems.append(f"min_competition_level must be one of {', '.join(COMPETITION_LEVELS)}")
    prizes = policy["prizes"]
    if not isinstance(prizes, (list, tuple)) or any(p not in PRIZES for p in prizes):
        problems.append(f"prizes must be a list of {', '.join(PRIZES)}")
    for key in ("titles", "admit_certified"):
        if not _is_bool(policy[key]):
            problems.append(f"{key} must be true or false")
    if not is_skill_level(policy["certified_min_level"]):
        problems.append(f"certified_min_level must be one of {' '.join(SKILL_LEVELS)}")
    years = policy["review_years"]
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 20:
        problems.append("review_years must be a whole number from 1 to 20")
    if problems:
        raise PolicyError("invalid TALENT_ADMISSION_POLICY: " + "; ".join(problems))
    policy["prizes"] = list(prizes)
    return policy


def competition_level_rank(level):
    return _COMPETITION_RANK.get(level, -1)


def admission_reason(policy, award):
    """Why ``award`` admits its holder under ``policy`` (a sentence), or None if it does not.

    ``award`` is a competition award or a stored honour: both have ``level``,
    ``competition_name``, ``prize``, ``prize_name``, ``titles`` and ``certificate_level``.
    """
    level = award.get("level")
    if competition_level_rank(level) < competition_level_rank(policy["min_competition_level"]):
        return None
    name = award.get("competition_name") or award.get("competition_id")
    where = f"{name} ({COMPETITION_LEVEL_NAMES.get(level, level)})"
    prize = award.get("prize")
    if prize and prize in policy["prizes"]:
        return f"{award.get('prize_name') or PRIZE_NAMES.get(prize, prize)}, {where}"
    if policy["titles"] and award.get("titles"):
        return f"{'、'.join(award['titles'])}, {where}"
    certificate = award.get("certificate_level")
    if (policy["admit_certified"] and is_skill_level(certificate)
            and level_rank(certificate) >= level_rank(policy["certified_min_level"])):
        return f"{certificate} certificate, {where}"
    return None
