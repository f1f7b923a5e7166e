"""The star rating's configuration: the 100-point rubric and the thresholds from points to stars.

Both are configured per deployment (``STUDIO_RATING_RUBRIC``, ``STUDIO_RATING_THRESHOLDS`` in
config.yaml) as plain data, and checked once at start-up: ``rubric_from`` and ``thresholds_from``
return the configuration in effect, with every default filled in, or raise ``RatingConfigError``
naming every fault, so a deployment with a typo fails at start-up instead of rating studios wrongly.

A rubric is categories of items; every item has a rule that says how its points are computed::

    categories:
      - code: output                    # [a-z][a-z0-9_]*, unique in the rubric
        name: 创新成果
        items:
          - code: patents               # unique in the whole rubric (panel scores are keyed by it)
            name: 专利
            max_points: 8               # > 0, at most two decimals; all items add up to exactly 100
            rule: {kind: count, points_each: {invention_patent: 4, utility_patent: 2}}

The kinds of rule (``RULE_KINDS``) and what they take, each capped at the item's ``max_points``:

- ``count``: ``points_each`` {result kind: points}: the results of those kinds, so many points each.
- ``benefit_bands``: ``bands`` [{from: yuan, points}], highest first: the confirmed economic
  benefit (cost saved + value created) of the results falls in the highest band it reaches; the
  band's points are scaled to the item, the first band being full marks (40 / 30 / 20 / 15 for
  ≥ ¥6M / ¥3M / ¥1M / ¥0.5M on a 20-point item gives 20 / 15 / 10 / 7.5).
- ``sum``: ``field`` (``people_trained``) and ``points_each``: so many points per unit of that
  number summed over the results.
- ``converted``: ``points_each``: the results converted (成果转化), so many points each.
- ``awarded``: ``points_by_level`` {competition level: points}: each result that won an award,
  the points of the level it won at (a level not listed scores nothing; a higher level never
  scores less than a lower one).
- ``members``: ``min_members``: full points for a studio with at least that many members.
- ``years_of_operation``: ``min_years``: full points for a studio founded at least that many whole
  years before the end of the rating period.
- ``alliance``: ``member_points``, ``convenor_points``: a studio that convenes an alliance (盟主)
  scores the convenor's points, one that is a member of any the member's points.
- ``panel``: ``min_experts``, ``drop_extremes_from``: the experts' scores (each from 0 to the
  item's maximum), averaged; with at least ``drop_extremes_from`` experts the highest and the
  lowest score are dropped first (0: never). Fewer than ``min_experts`` scores: the item is missing.

``count``, ``benefit_bands``, ``sum``, ``converted`` and ``awarded`` read the results of given
kinds: the keys of ``points_each`` for ``count``, ``result_kinds`` (default: every kind) for the
others. Within one kind of rule no result kind belongs to two items: so a result counts at most once
per measure, once as output (the ``count`` item of its kind), once for its money, once if
converted, once for the people it trained and once for its award.

Thresholds map the least points to a number of stars, e.g. ``{5: 90, 4: 80, 3: 70, 2: 60, 1: 50}``
(the default), or ``{3: 80}`` for a union that gives 3 stars only: any stars from 1 to 5, more
stars needing strictly more points. Below the lowest threshold a studio gets no star (0).
"""
import copy
import math
import re

from common.errors import BadRequest
from common.vocabulary import COMPETITION_LEVELS

from .kinds import (DESIGN_PATENT, FIVE_SMALL, INVENTION_PATENT, KINDS, OPERATING_METHOD,
                    RATIONALISATION, STANDARD, TACKLING, UTILITY_PATENT)

COUNT = "count"
BENEFIT_BANDS = "benefit_bands"
SUM = "sum"
CONVERTED = "converted"
AWARDED = "awarded"
MEMBERS = "members"
YEARS_OF_OPERATION = "years_of_operation"
ALLIANCE = "alliance"
PANEL = "panel"

# Each kind of rule: its parameters and their defaults (None: required, but for result_kinds,
# where None means every kind).
RULE_KINDS = {
    COUNT: {"points_each": None},
    BENEFIT_BANDS: {"bands": None, "result_kinds": None},
    SUM: {"field": "people_trained", "points_each": None, "result_kinds": None},
    CONVERTED: {"points_each": None, "result_kinds": None},
    AWARDED: {"points_by_level": None, "result_kinds": None},
    MEMBERS: {"min_members": 5},
    YEARS_OF_OPERATION: {"min_years": 3},
    ALLIANCE: {"member_points": None, "convenor_points": None},
    PANEL: {"min_experts": 3, "drop_extremes_from": 5},
}
# The rules that read results, and so take result kinds.
RESULT_RULES = (COUNT, BENEFIT_BANDS, SUM, CONVERTED, AWARDED)
# The numbers of a result a ``sum`` may add up.
SUM_FIELDS = ("people_trained",)
TOTAL_POINTS = 100

DEFAULT_RUBRIC = {"categories": [
    {"code": "basic", "name": "基本条件", "items": [
        {"code": "members", "name": "成员人数 (≥ 5 members)", "max_points": 5,
         "rule": {"kind": MEMBERS, "min_members": 5}},
        {"code": "years", "name": "运行年限 (≥ 3 years of operation)", "max_points": 5,
         "rule": {"kind": YEARS_OF_OPERATION, "min_years": 3}},
    ]},
    {"code": "operation", "name": "运行管理", "items": [
        {"code": "site_visit", "name": "现场查看 (site visit: premises, equipment, rules, records)",
         "max_points": 10, "rule": {"kind": PANEL, "min_experts": 3, "drop_extremes_from": 5}},
        {"code": "expert_review", "name": "专家评议 (expert review of the presentation)",
         "max_points": 10, "rule": {"kind": PANEL, "min_experts": 3, "drop_extremes_from": 5}},
    ]},
    {"code": "output", "name": "创新成果", "items": [
        {"code": "patents", "name": "专利 (patents)", "max_points": 8,
         "rule": {"kind": COUNT, "points_each": {INVENTION_PATENT: 4, UTILITY_PATENT: 2,
                                                 DESIGN_PATENT: 1}}},
        {"code": "five_small", "name": "五小成果 (five small innovations)", "max_points": 6,
         "rule": {"kind": COUNT, "points_each": {FIVE_SMALL: 1}}},
        {"code": "tackling", "name": "技术攻关 (problems solved)", "max_points": 8,
         "rule": {"kind": COUNT, "points_each": {TACKLING: 2}}},
        {"code": "methods", "name": "先进操作法、合理化建议、标准 (methods, suggestions, standards)",
         "max_points": 8,
         "rule": {"kind": COUNT, "points_each": {OPERATING_METHOD: 2, RATIONALISATION: 0.5,
                                                 STANDARD: 2}}},
    ]},
    {"code": "benefits", "name": "经济效益", "items": [
        {"code": "benefit", "name": "创效 (certified savings and value created)", "max_points": 14,
         "rule": {"kind": BENEFIT_BANDS, "bands": [
             {"from": 6_000_000, "points": 40}, {"from": 3_000_000, "points": 30},
             {"from": 1_000_000, "points": 20}, {"from": 500_000, "points": 15}]}},
        {"code": "converted", "name": "成果转化 (results converted)", "max_points": 6,
         "rule": {"kind": CONVERTED, "points_each": 2}},
    ]},
    {"code": "talent", "name": "人才培养", "items": [
        {"code": "trained", "name": "名师带徒、培训 (apprentices and people trained)", "max_points": 8,
         "rule": {"kind": SUM, "field": "people_trained", "points_each": 0.2}},
        {"code": "prizes", "name": "成员竞赛获奖 (members' results that won competition awards)",
         "max_points": 7,
         "rule": {"kind": AWARDED, "points_by_level": {"enterprise": 0.5, "county": 1, "city": 2,
                                                       "provincial": 3, "national": 4}}},
    ]},
    {"code": "alliance", "name": "联盟与辐射", "items": [
        {"code": "alliance", "name": "创新工作室联盟 (member or convenor of an alliance)",
         "max_points": 5, "rule": {"kind": ALLIANCE, "member_points": 3, "convenor_points": 5}},
    ]},
]}

DEFAULT_THRESHOLDS = {5: 90, 4: 80, 3: 70, 2: 60, 1: 50}
MAX_STARS = 5

_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


class RatingConfigError(ValueError):
    """The configured rubric or thresholds are not valid.

    The message names every fault; ``faults`` holds them as ``{"path.in.config": [what is wrong]}``,
    ready for a ``BadRequest`` should a rubric ever come in through the API (``as_bad_request``).
    """

    def __init__(self, what, faults):
        self.faults = faults
        super().__init__(f"invalid {what}: " + "; ".join(
            f"{path}: {', '.join(messages)}" if path else ", ".join(messages)
            for path, messages in faults.items()))

    def as_bad_request(self):
        return BadRequest(str(self), self.faults)


class _Faults:
    """Collects what is wrong, by path, so that every fault is reported at once."""

    def __init__(self):
        self.found = {}

    def add(self, path, message):
        self.found.setdefault(path, []).append(message)

    def number(self, path, value, low=0.0, high=None, strict=False, decimals=None):
        """``value`` as a float if it is a finite number in range, else None (and a fault)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.add(path, "must be a number")
            return None
        if value < low or (strict and value == low) or (high is not None and value > high):
            bound = f"more than {low:g}" if strict else f"at least {low:g}"
            self.add(path, f"must be {bound}" + (f" and at most {high:g}" if high is not None else ""))
            return None
        if decimals is not None and round(value, decimals) != value:
            self.add(path, f"must have at most {decimals} decimals")
            return None
        return float(value)

    def whole(self, path, value, low):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.add(path, f"must be a whole number of at least {low}")
            return None
        return value

    def unknown_keys(self, path, given, known):
        unknown = sorted(map(str, set(given) - set(known)))
        if unknown:
            self.add(path, f"unknown keys {', '.join(unknown)}")


def _join(path, key):
    return f"{path}.{key}" if path else key


def _result_kinds(faults, path, value):
    if value is None:
        return None
    if (not isinstance(value, list) or not value or len(set(map(str, value))) != len(value)
            or any(kind not in KINDS for kind in value)):
        faults.add(path, f"must be a list of distinct kinds of {', '.join(KINDS)}")
        return None
    return list(value)


def _points_by(faults, path, value, keys, what, strict):
    if not isinstance(value, dict) or not value:
        faults.add(path, f"must map {what} to points")
        return {}
    points = {}
    for key, number in value.items():
        if key not in keys:
            faults.add(_join(path, key), f"is not one of {', '.join(keys)}")
            continue
        number = faults.number(_join(path, key), number, strict=strict)
        if number is not None:
            points[key] = number
    return points


def _bands(faults, path, value):
    if not isinstance(value, list) or not value:
        faults.add(path, "must be a list of {from: yuan, points}, highest first")
        return []
    bands = []
    for position, band in enumerate(value):
        where = f"{path}[{position}]"
        if not isinstance(band, dict):
            faults.add(where, "must be a mapping {from: yuan, points}")
            continue
        faults.unknown_keys(where, band, ("from", "points"))
        low = faults.number(_join(where, "from"), band.get("from"), strict=True)
        points = faults.number(_join(where, "points"), band.get("points"), strict=True)
        if low is not None and points is not None:
            bands.append({"from": low, "points": points})
    if len(bands) == len(value):
        pairs = list(zip(bands, bands[1:]))
        if any(lower["from"] >= higher["from"] for higher, lower in pairs):
            faults.add(path, "must start at strictly lower amounts, highest band first")
        if any(lower["points"] > higher["points"] for higher, lower in pairs):
            faults.add(path, "a lower band may not give more points than a higher one")
    return bands


def _count(faults, path, given, max_points):
    return {"points_each": _points_by(faults, _join(path, "points_each"), given["points_each"],
                                      KINDS, "result kinds", strict=True)}


def _benefit_bands(faults, path, given, max_points):
    return {"bands": _bands(faults, _join(path, "bands"), given["bands"])}


def _points_each(faults, path, given, max_points):
    return {"points_each": faults.number(_join(path, "points_each"), given["points_each"],
                                         strict=True)}


def _sum(faults, path, given, max_points):
    if given["field"] not in SUM_FIELDS:
        faults.add(_join(path, "field"), f"must be one of {', '.join(SUM_FIELDS)}")
    return {"field": given["field"], **_points_each(faults, path, given, max_points)}


def _awarded(faults, path, given, max_points):
    where = _join(path, "points_by_level")
    by_level = _points_by(faults, where, given["points_by_level"], COMPETITION_LEVELS,
                          "competition levels", strict=False)
    ladder = [by_level.get(level, 0.0) for level in COMPETITION_LEVELS]
    if any(higher < lower for lower, higher in zip(ladder, ladder[1:])):
        faults.add(where, "a higher level may not give fewer points than a lower one")
    return {"points_by_level": {level: by_level[level] for level in COMPETITION_LEVELS
                                if level in by_level}}


def _members(faults, path, given, max_points):
    return {"min_members": faults.whole(_join(path, "min_members"), given["min_members"], 1)}


def _years(faults, path, given, max_points):
    return {"min_years": faults.whole(_join(path, "min_years"), given["min_years"], 1)}


def _alliance(faults, path, given, max_points):
    member = faults.number(_join(path, "member_points"), given["member_points"], high=max_points)
    convenor = faults.number(_join(path, "convenor_points"), given["convenor_points"],
                             high=max_points)
    if member is not None and convenor is not None and convenor < member:
        faults.add(_join(path, "convenor_points"), "may not be fewer than member_points")
    return {"member_points": member, "convenor_points": convenor}


def _panel(faults, path, given, max_points):
    drop = given["drop_extremes_from"]
    # Dropping two scores out of fewer than three would leave nothing to average.
    if isinstance(drop, bool) or not isinstance(drop, int) or not (drop == 0 or drop >= 3):
        faults.add(_join(path, "drop_extremes_from"),
                   "must be 0 (never drop) or a whole number of at least 3")
    return {"min_experts": faults.whole(_join(path, "min_experts"), given["min_experts"], 1),
            "drop_extremes_from": drop}


_CHECKS = {COUNT: _count, BENEFIT_BANDS: _benefit_bands, SUM: _sum, CONVERTED: _points_each,
           AWARDED: _awarded, MEMBERS: _members, YEARS_OF_OPERATION: _years, ALLIANCE: _alliance,
           PANEL: _panel}


def _rule(faults, path, rule, max_points):
    """The rule with its defaults, or None; faults for whatever is wrong with it."""
    if not isinstance(rule, dict) or rule.get("kind") not in RULE_KINDS:
        faults.add(_join(path, "kind"), f"must be one of {', '.join(RULE_KINDS)}")
        return None
    kind = rule["kind"]
    params = RULE_KINDS[kind]
    faults.unknown_keys(path, rule, ("kind", *params))
    given = {**params, **{key: value for key, value in rule.items() if key in params}}
    checked = {"kind": kind, **_CHECKS[kind](faults, path, given, max_points)}
    if "result_kinds" in params:
        checked["result_kinds"] = _result_kinds(faults, _join(path, "result_kinds"),
                                                given["result_kinds"])
    return checked


def _code(faults, path, value, seen):
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        faults.add(path, "must be a code of lower-case letters, digits and _ (up to 40)")
    elif value in seen:
        faults.add(path, f"{value} is used twice")
    else:
        seen.add(value)


def _name(faults, path, value):
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        faults.add(path, "must be a name of 1 to 200 characters")


def _list(faults, path, value):
    if not isinstance(value, list) or not value:
        faults.add(path, "must be a non-empty list")
        return []
    return value


def _named(faults, path, value, keys, codes):
    """Checks a category's or an item's keys, code and name; False if it is no mapping."""
    if not isinstance(value, dict):
        faults.add(path, "must be a mapping {" + ", ".join(keys) + "}")
        return False
    faults.unknown_keys(path, value, keys)
    _code(faults, _join(path, "code"), value.get("code"), codes)
    _name(faults, _join(path, "name"), value.get("name"))
    return True


def _overlaps(faults, items):
    """No result kind belongs to two items of the same kind of rule."""
    taken = {}
    for path, rule in items:
        if rule is None or rule["kind"] not in RESULT_RULES:
            continue
        kinds = rule_result_kinds(rule)
        for kind in kinds:
            earlier = taken.setdefault((rule["kind"], kind), path)
            if earlier != path:
                faults.add(path, f"counts {kind} by {rule['kind']} as {earlier} already does")
                break


def rule_result_kinds(rule):
    """The result kinds a rule that reads results takes (every kind when it names none)."""
    if rule["kind"] == COUNT:
        return tuple(rule["points_each"])
    return tuple(rule["result_kinds"] or KINDS)


def rubric_from(configured):
    """The rubric in effect: ``configured`` (a mapping, or None for ``DEFAULT_RUBRIC``), checked,
    with every rule's defaults filled in. Raises RatingConfigError naming every fault."""
    configured = copy.deepcopy(DEFAULT_RUBRIC) if configured is None else configured
    faults = _Faults()
    if not isinstance(configured, dict):
        raise RatingConfigError("STUDIO_RATING_RUBRIC", {"": ["must be a mapping"]})
    faults.unknown_keys("", configured, ("categories",))
    category_codes, item_codes, rules, checked_categories = set(), set(), [], []
    total = 0.0
    categories = _list(faults, "categories", configured.get("categories"))
    for c, category in enumerate(categories):
        where = f"categories[{c}]"
        if not _named(faults, where, category, ("code", "name", "items"), category_codes):
            total = None
            continue
        checked_items = []
        for i, item in enumerate(_list(faults, _join(where, "items"), category.get("items"))):
            path = f"{where}.items[{i}]"
            if not _named(faults, path, item, ("code", "name", "max_points", "rule"), item_codes):
                total = None
                continue
            max_points = faults.number(_join(path, "max_points"), item.get("max_points"),
                                       high=TOTAL_POINTS, strict=True, decimals=2)
            rule = _rule(faults, _join(path, "rule"), item.get("rule"), max_points or TOTAL_POINTS)
            rules.append((path, rule))
            # A total of only the maxima that are valid would mislead.
            total = None if max_points is None or total is None else total + max_points
            checked_items.append({"code": item.get("code"), "name": item.get("name"),
                                  "max_points": max_points, "rule": rule})
        checked_categories.append({"code": category.get("code"), "name": category.get("name"),
                                   "items": checked_items})
    _overlaps(faults, rules)
    if total is not None and categories and round(total, 2) != TOTAL_POINTS:
        faults.add("categories", f"the items' max_points add up to {round(total, 2):g}, "
                                 f"not {TOTAL_POINTS}")
    if faults.found:
        raise RatingConfigError("STUDIO_RATING_RUBRIC", faults.found)
    return {"categories": checked_categories}


def thresholds_from(configured):
    """The thresholds in effect, ``{stars: least points}`` from the most stars down: ``configured``
    (a mapping of stars 1-5, as numbers or digits, to points; None for ``DEFAULT_THRESHOLDS``).
    Raises RatingConfigError naming every fault."""
    configured = DEFAULT_THRESHOLDS if configured is None else configured
    faults = _Faults()
    if not isinstance(configured, dict) or not configured:
        raise RatingConfigError("STUDIO_RATING_THRESHOLDS",
                                {"": ["must map stars (1 to 5) to the least points for them"]})
    thresholds = {}
    for key, points in configured.items():
        stars = int(key) if isinstance(key, str) and key.strip().isdigit() else key
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= MAX_STARS:
            faults.add(str(key), f"stars must be a whole number from 1 to {MAX_STARS}")
            continue
        if stars in thresholds:
            faults.add(str(key), f"{stars} stars are given twice")
        points = faults.number(str(key), points, high=TOTAL_POINTS, strict=True)
        if points is not None:
            thresholds[stars] = points
    ordered = sorted(thresholds.items(), reverse=True)
    for (more, higher), (fewer, lower) in zip(ordered, ordered[1:]):
        if higher <= lower:
            faults.add(str(more), f"{more} stars must need more points than {fewer} "
                                  f"({higher:g} is not more than {lower:g})")
    if faults.found:
        raise RatingConfigError("STUDIO_RATING_THRESHOLDS", faults.found)
    return dict(ordered)
