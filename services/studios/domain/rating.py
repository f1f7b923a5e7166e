"""The star rating (星级评定) of one studio for one period, its 复评, and revocation (摘牌).

``rate_studio`` computes every item of the rubric (``rubric.py``) from the studio, its verified
results and the panel's scores, and returns the points, the stars and the breakdown item by item
with the results each item counted: the answer to "why has this studio 4 stars".

What counts:

- only results achieved inside the period (``achieved_on`` from ``period["from"]`` to
  ``period["to"]``, both days included) and of one of the kinds of ``kinds.py``;
- a result counts only in the items that take its kind, and at most once per measure (the
  rubric's rules guarantee it): once as output in the ``count`` item of its kind, once for its
  money, once if converted, once for the people it trained, once for the award it won;
- money only when the financial department confirmed it (``economic_benefit.confirmed``); cost
  saved and value created add up, a negative amount counts as nothing.

Rounding, so that the breakdown adds up to what is shown: every item's points are rounded half up
to 0.01 (and never exceed the item's maximum), a category's points are the sum of its items'
rounded to 0.01, and the total is the sum of the categories' rounded half up to 0.1. The stars are
given on that total, as it is shown in the public notice (79.96 shows as 80.0 and makes 4 stars).

Who is rated is the service's business (a studio's status and level, which results are
verified): of the studio the rating reads only ``members``, ``founded_on`` (whole years to the
end of the period), ``alliances`` and ``convenes``.

A panel item without (enough) expert scores scores 0, says so in its basis, and leaves the rating
incomplete (``complete`` false, the item in ``missing_panel``): such a rating can be shown while the
panel is still at work, but ``require_complete`` refuses to propose it.
"""
import datetime
import math
from decimal import ROUND_HALF_UP, Decimal

from common.errors import BadRequest, Conflict
from common.vocabulary import COMPETITION_LEVEL_NAMES

from .kinds import KIND_NAMES, KINDS
from .rubric import (ALLIANCE, AWARDED, BENEFIT_BANDS, CONVERTED, COUNT, MAX_STARS, MEMBERS,
                     PANEL, SUM, YEARS_OF_OPERATION)

# The same codes as the studio.rating_revoked contract (events.py).
ORDERED, AUTOMATIC, NATURAL = "ordered", "automatic", "natural"
REVOCATION_KINDS = (ORDERED, AUTOMATIC, NATURAL)
REVOCATION_NAMES = {ORDERED: "责令摘牌", AUTOMATIC: "自动摘牌", NATURAL: "自然摘牌"}
MAX_REASON = 500

OUTCOMES = ("first", "kept", "raised", "lowered", "revoked")
OUTCOME_NAMES = {"first": "首次评定", "kept": "保持", "raised": "升星", "lowered": "降星",
                 "revoked": "摘牌"}

_FIELD_NAMES = {"people_trained": "people trained"}
_QUANTA = {1: Decimal("0.1"), 2: Decimal("0.01")}


def round_half_up(value, places):
    """``value`` rounded half up (not to even) at ``places`` decimals, as people round: 89.95 -> 90.0."""
    return float(Decimal(repr(value)).quantize(_QUANTA[places], ROUND_HALF_UP))


def trimmed_mean(scores, drop_extremes_from=5):
    """The mean of ``scores``; with at least ``drop_extremes_from`` of them (0: never), one
    highest and one lowest are dropped first. Always within the lowest and highest score."""
    if not scores:
        raise BadRequest("there are no scores to average", {"scores": ["must not be empty"]})
    kept = sorted(scores)
    if drop_extremes_from and len(kept) >= drop_extremes_from:
        kept = kept[1:-1]
    mean = math.fsum(kept) / len(kept)
    return min(max(mean, kept[0]), kept[-1])  # a float division may land a hair outside


def stars_for(points, thresholds):
    """The stars ``points`` earn under ``thresholds`` (from ``thresholds_from``); 0: no star."""
    for stars, least in sorted(thresholds.items(), reverse=True):
        if points >= least:
            return stars
    return 0


def _iso_day(value, path):
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise BadRequest("the rating period is not valid", {path: ["must be a date"]}) from None


def _period(period):
    if not isinstance(period, dict):
        raise BadRequest("the rating period is not valid", {"period": ["must be {from, to}"]})
    start = _iso_day(period.get("from"), "period.from")
    end = _iso_day(period.get("to"), "period.to")
    if start > end:
        raise BadRequest("the rating period is not valid",
                         {"period.to": [f"must not be before {start}"]})
    return start, end


def _panel_scores(panel_scores, rubric):
    """The panel's scores as lists, checked against the rubric's panel items."""
    maxima = {item["code"]: item["max_points"] for category in rubric["categories"]
              for item in category["items"] if item["rule"]["kind"] == PANEL}
    if panel_scores is None:
        return {}
    if not isinstance(panel_scores, dict):
        raise BadRequest("the panel scores are not valid",
                         {"panel_scores": ["must map panel items to the experts' scores"]})
    faults, checked = {}, {}
    for code, scores in panel_scores.items():
        path = f"panel_scores.{code}"
        if code not in maxima:
            faults[path] = [f"is not a panel item of the rubric ({', '.join(maxima) or 'none'})"]
            continue
        scores = list(scores.values()) if isinstance(scores, dict) else scores
        if not isinstance(scores, (list, tuple)):
            faults[path] = ["must be a list of the experts' scores"]
            continue
        high = maxima[code]
        for position, score in enumerate(scores):
            if (isinstance(score, bool) or not isinstance(score, (int, float))
                    or not 0 <= score <= high):
                faults[f"{path}[{position}]"] = [f"must be a number from 0 to {high:g}"]
        checked[code] = scores
    if faults:
        raise BadRequest("the panel scores are not valid", faults)
    return checked


class _Studio:
    """What the rules read, gathered once per studio: its results in the period by kind."""

    __slots__ = ("studio", "by_kind", "panel_scores", "end", "missing")

    def __init__(self, studio, results, panel_scores, start, end):
        self.studio = studio
        self.panel_scores = panel_scores
        self.end = end
        self.missing = []
        by_kind = {}
        for result in results:
            day = result.get("achieved_on")
            if day.__class__ is not str:
                day = day.isoformat() if day else ""
            if start <= day[:10] <= end:
                group = by_kind.get(result.get("kind"))
                if group is None:
                    by_kind[result.get("kind")] = [result]
                else:
                    group.append(result)
        self.by_kind = by_kind

    def results(self, rule):
        """The results in the period of the kinds ``rule`` takes (every kind if it names none)."""
        by_kind = self.by_kind
        for kind in rule["result_kinds"] or KINDS:
            yield from by_kind.get(kind, ())


def _many(count, noun):
    return f"{count:g} {noun}" + ("" if count == 1 else "s")


def _capped(raw, max_points, expression):
    if raw > max_points:
        return max_points, f"{expression} = {raw:g}, capped at {max_points:g}"
    return raw, f"{expression} = {raw:g}"


def _count(rule, max_points, code, facts):
    raw, parts, counted = 0.0, [], []
    for kind, each in rule["points_each"].items():
        group = facts.by_kind.get(kind)
        if group:
            raw += len(group) * each
            parts.append(f"{len(group)} {KIND_NAMES[kind]} × {each:g}")
            counted.extend(result["_id"] for result in group)
    if not counted:
        return 0.0, f"no {'、'.join(KIND_NAMES[k] for k in rule['points_each'])} in the period", []
    return (*_capped(raw, max_points, " + ".join(parts)), counted)


def _benefit_bands(rule, max_points, code, facts):
    total, counted, unconfirmed = 0.0, [], 0
    for result in facts.results(rule):
        benefit = result.get("economic_benefit")
        if not benefit:
            continue
        amount = max(benefit.get("cost_saved") or 0, 0) + max(benefit.get("value_created") or 0, 0)
        if not amount:
            continue
        if benefit.get("confirmed") is not True:
            unconfirmed += 1
            continue
        total += amount
        counted.append(result["_id"])
    left_out = f"; {unconfirmed} unconfirmed not counted" if unconfirmed else ""
    if not counted:
        return 0.0, f"no confirmed economic benefit in the period{left_out}", []
    bands = rule["bands"]
    said = f"confirmed benefit ¥{total:,.0f} of {_many(len(counted), 'result')}"
    for band in bands:
        if total >= band["from"]:
            points = band["points"] * max_points / bands[0]["points"]
            return (points, f"{said} ≥ ¥{band['from']:,.0f}: {band['points']:g} of "
                            f"{bands[0]['points']:g}, scaled to {points:g}{left_out}", counted)
    return 0.0, f"{said}, below ¥{bands[-1]['from']:,.0f}{left_out}", counted


def _sum(rule, max_points, code, facts):
    field, total, counted = rule["field"], 0, []
    for result in facts.results(rule):
        number = result.get(field) or 0
        if number > 0:
            total += number
            counted.append(result["_id"])
    if not counted:
        return 0.0, f"no {_FIELD_NAMES[field]} in the period", []
    expression = f"{total:g} {_FIELD_NAMES[field]} × {rule['points_each']:g}"
    return (*_capped(total * rule["points_each"], max_points, expression), counted)


def _converted(rule, max_points, code, facts):
    counted = [result["_id"] for result in facts.results(rule) if result.get("converted") is True]
    if not counted:
        return 0.0, "no result converted (成果转化) in the period", []
    expression = f"{_many(len(counted), 'result')} converted × {rule['points_each']:g}"
    return (*_capped(len(counted) * rule["points_each"], max_points, expression), counted)


def _awarded(rule, max_points, code, facts):
    by_level, counted = rule["points_by_level"], []
    won = dict.fromkeys(by_level, 0)
    for result in facts.results(rule):
        level = result.get("award_level")
        if by_level.get(level):
            won[level] += 1
            counted.append(result["_id"])
    if not counted:
        return 0.0, "no result that won an award in the period", []
    raw = sum(won[level] * by_level[level] for level in won)
    expression = " + ".join(f"{COMPETITION_LEVEL_NAMES[level]} {won[level]} × {by_level[level]:g}"
                            for level in reversed(by_level) if won[level])
    return (*_capped(raw, max_points, expression), counted)


def _members(rule, max_points, code, facts):
    count, least = len(facts.studio.get("members") or ()), rule["min_members"]
    if count >= least:
        return max_points, f"{count} members, at least {least}", []
    return 0.0, f"{count} members, fewer than {least}", []


def _years(rule, max_points, code, facts):
    founded, least = facts.studio.get("founded_on"), rule["min_years"]
    try:
        founded = datetime.date.fromisoformat(str(founded)[:10])
    except ValueError:
        return 0.0, "no founding date", []
    end = datetime.date.fromisoformat(facts.end)
    years = max(0, end.year - founded.year - ((end.month, end.day) < (founded.month, founded.day)))
    said = f"founded {founded.isoformat()}: {years} whole years by {facts.end}"
    if years >= least:
        return max_points, f"{said}, at least {least}", []
    return 0.0, f"{said}, fewer than {least}", []


def _alliance(rule, max_points, code, facts):
    convenes = facts.studio.get("convenes") or 0
    member_of = len(facts.studio.get("alliances") or ())
    if convenes > 0:
        return (min(rule["convenor_points"], max_points),
                f"convenes {_many(convenes, 'alliance')} (盟主), member of {member_of}", [])
    if member_of:
        return min(rule["member_points"], max_points), f"member of {_many(member_of, 'alliance')}", []
    return 0.0, "member of no alliance", []


def _panel(rule, max_points, code, facts):
    scores, least = facts.panel_scores.get(code) or (), rule["min_experts"]
    if len(scores) < least:
        facts.missing.append(code)
        if not scores:
            return 0.0, "no panel scores", []
        return 0.0, f"only {_many(len(scores), 'expert score')}, {least} needed", []
    drop = rule["drop_extremes_from"]
    mean = round_half_up(trimmed_mean(scores, drop), 2)
    if drop and len(scores) >= drop:
        return (mean, f"{len(scores)} experts: highest {max(scores):g} and lowest {min(scores):g} "
                      f"dropped, mean of the other {len(scores) - 2} = {mean:g}", [])
    why = f" (fewer than {drop} experts)" if drop else ""
    return mean, f"{_many(len(scores), 'expert')}, none dropped{why}: mean = {mean:g}", []


_RULES = {COUNT: _count, BENEFIT_BANDS: _benefit_bands, SUM: _sum, CONVERTED: _converted,
          AWARDED: _awarded, MEMBERS: _members, YEARS_OF_OPERATION: _years, ALLIANCE: _alliance,
          PANEL: _panel}


def result_facts(result):
    """What ``rate_studio`` reads of a verified result (a result document of ``results.py``)."""
    benefit = result["economic_benefit"]
    return {"_id": result["_id"], "kind": result["kind"], "title": result["title"],
            "achieved_on": result["achieved_on"], "people_trained": result["people_trained"],
            "converted": result["converted"], "award_level": result.get("prior_award_level"),
            "economic_benefit": {"cost_saved": benefit["cost_saved"],
                                 "value_created": benefit["value_created"],
                                 "confirmed": benefit["confirmation"] is not None}}


def rate_studio(studio, results, panel_scores, rubric, thresholds, period):
    """The rating of ``studio`` for ``period`` ({from, to}: dates or ISO dates).

    ``results`` are its verified results as ``result_facts`` gives them (any period: those
    outside it are left out),
    ``panel_scores`` ``{item code: [each expert's score, 0..the item's max]}`` (or None), ``rubric``
    and ``thresholds`` from ``rubric_from`` and ``thresholds_from``. Returns::

        {"studio_id", "points": total (0.1), "stars": 0..5, "complete": bool,
         "missing_panel": [panel item codes without enough scores],
         "categories": [{"category", "name", "points", "max_points"}],
         "items": [{"category", "item", "name", "points", "max_points", "basis",
                    "counted": [ids of the results the item counted]}]}

    Items and categories come in the rubric's order; an item's ``counted`` lists the results in
    the order of the kinds it takes (as the rubric lists them), then as given, including those
    beyond its cap (the basis says where it was capped).

    Raises BadRequest for a period that is no period, or panel scores for an item that is not a
    panel item or out of its range. Changes nothing it is given.
    """
    start, end = _period(period)
    facts = _Studio(studio, results, _panel_scores(panel_scores, rubric), start, end)
    categories, items = [], []
    for category in rubric["categories"]:
        code, subtotal, top = category["code"], 0.0, 0.0
        for item in category["items"]:
            rule, max_points = item["rule"], item["max_points"]
            points, basis, counted = _RULES[rule["kind"]](rule, max_points, item["code"], facts)
            points = min(round_half_up(points, 2), max_points)
            subtotal += points
            top += max_points
            items.append({"category": code, "item": item["code"], "name": item["name"],
                          "points": points, "max_points": max_points, "basis": basis,
                          "counted": counted})
        categories.append({"category": code, "name": category["name"],
                           "points": round_half_up(subtotal, 2), "max_points": round(top, 2)})
    total = round_half_up(sum(category["points"] for category in categories), 1)
    return {"studio_id": studio.get("_id"), "points": total, "stars": stars_for(total, thresholds),
            "complete": not facts.missing, "missing_panel": facts.missing,
            "categories": categories, "items": items}


def require_complete(rating):
    """Refuse (Conflict) to propose a rating with panel items the panel has not scored."""
    if rating["missing_panel"]:
        raise Conflict("the panel has not scored every panel item of this rating",
                       {f"panel_scores.{code}": ["not enough expert scores"]
                        for code in rating["missing_panel"]})


def _stars(value, path, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STARS:
        raise BadRequest("stars must be a whole number from 0 to 5",
                         {path: [f"must be a whole number from 0 to {MAX_STARS}"]})


def revocation(kind, reason, stars_before=None):
    """A revocation (摘牌) of ``kind`` (``REVOCATION_KINDS``) for ``reason``:
    ``{"kind", "name", "reason", "stars_before"}``. Conflict for a studio without stars."""
    fields = {}
    if kind not in REVOCATION_KINDS:
        fields["kind"] = [f"must be one of {', '.join(REVOCATION_KINDS)}"]
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > MAX_REASON:
        fields["reason"] = [f"must say why, in 1 to {MAX_REASON} characters"]
    if fields:
        raise BadRequest("the revocation is not valid", fields)
    _stars(stars_before, "stars_before", allow_none=True)
    if stars_before == 0:
        raise Conflict("the studio has no stars to revoke")
    return {"kind": kind, "name": REVOCATION_NAMES[kind], "reason": reason,
            "stars_before": stars_before}


def re_evaluation(previous_stars, new_stars, points=None, thresholds=None):
    """The outcome of a rating against the stars the studio had (None: never rated).

    Returns ``{"outcome", "name", "previous_stars", "stars", "revocation"}``: ``first`` for a
    studio never rated (whatever its stars, 0 included), ``revoked`` when a studio that had stars
    gets none (an automatic 摘牌, whose ``revocation`` says by how many points it fell short when
    ``points`` and ``thresholds`` are given), else ``raised``, ``lowered`` or ``kept`` (a studio
    without stars that still gets none keeps none). ``revocation`` is None but for ``revoked``.
    """
    _stars(previous_stars, "previous_stars", allow_none=True)
    _stars(new_stars, "stars")
    revoked = None
    if previous_stars is None:
        outcome = "first"
    elif new_stars == 0 and previous_stars > 0:
        outcome = "revoked"
        reason = "复评 below the lowest threshold (automatic after a failed re-evaluation)"
        if points is not None and thresholds:
            reason = f"复评 {points:g} points, below the {min(thresholds.values()):g} of the lowest star"
        revoked = revocation(AUTOMATIC, reason, stars_before=previous_stars)
    elif new_stars > previous_stars:
        outcome = "raised"
    elif new_stars < previous_stars:
        outcome = "lowered"
    else:
        outcome = "kept"
    return {"outcome": outcome, "name": OUTCOME_NAMES[outcome], "previous_stars": previous_stars,
            "stars": new_stars, "revocation": revoked}
