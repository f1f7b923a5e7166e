"""The admission policy: which competition awards and studio ratings put a worker into the pool
automatically.

Configured per deployment (``TALENT_ADMISSION_POLICY`` in config.yaml); every key optional::

    min_competition_level: city      # enterprise < county < city < provincial < national
    prizes: [first, second, third, honourable]   # prizes that admit ([] = none)
    titles: true                     # a title (技术能手 ...) admits
    admit_certified: false           # a certified finalist without prize or title is admitted
    certified_min_level: 高级工       # ... if the certificate is at least this level
    studio_lead_min_stars: 3         # the lead of a studio rated this many stars (1-5) or more
    review_years: 3                  # an admission is reviewed this many years later

Whatever the policy, only awards of competitions at ``min_competition_level`` or higher admit, so
the decision is monotone in the competition's level: what admits at city level admits at
provincial and national level too. Certificates, promotions and honours that do not admit are
still recorded on the worker's record (as a candidate), so a later policy or nomination can use them.

A studio rating (星级评定) admits the studio's lead when it is in effect (not revoked) and gives the
studio ``studio_lead_min_stars`` or more; a lower rating is recorded all the same.
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
    "studio_lead_min_stars": 3,
    "review_years": 3,
}
MAX_STARS = 5


class PolicyError(ValueError):
    """The configured policy is not valid; the message names every key at fault."""


def _is_bool(value):
    return isinstance(value, bool)


def _is_whole(value, low, high):
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


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
    for key, low, high in (("studio_lead_min_stars", 1, MAX_STARS), ("review_years", 1, 20)):
        if not _is_whole(policy[key], low, high):
            problems.append(f"{key} must be a whole number from {low} to {high}")
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


RATED = "rated"


def studio_admission_reason(policy, studio_honour):
    """Why a studio honour (the lead's record of a studio's star rating) admits its holder under
    ``policy`` (a sentence naming the studio and its stars), or None if it does not: a revoked
    rating, or fewer stars than ``studio_lead_min_stars``, does not."""
    stars = studio_honour.get("stars")
    if studio_honour.get("status") != RATED or stars is None or stars < policy["studio_lead_min_stars"]:
        return None
    level = studio_honour.get("level")
    return (f"{stars}星创新工作室领衔人, {studio_honour.get('studio_name') or studio_honour['studio_id']} "
            f"({COMPETITION_LEVEL_NAMES.get(level, level)})")
