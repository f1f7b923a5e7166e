"""The counts the unions publish every year (studios by level and stars, patents, 攻关 problems
solved, results converted, savings, people trained), per studio, alliance, industry chain and
region: plain aggregation over the stored documents.

What it reads, and only that (the repository reads no more)::

    studio    {"_id", "name", "unit", "industry_chain", "region_code", "level", "status",
               "rating": None | {"stars", "revoked", ...}}
    result    {"studio_id", "kind", "year", "status", "people_trained", "converted",
               "economic_benefit": {"cost_saved", "value_created", "confirmation"}}
    alliance  {"_id", "name", "members": [studio ids]}

What counts:

- a studio as it stands now, whatever ``year`` asks: every studio that matches the filters and
  has not ended (a revoked studio is left out, and its results with it); its level, and its stars
  (0 with no rating, or once its stars were revoked);
- a result that is verified, of a counted studio, and of ``year`` when one is given (the
  calendar year it was achieved in);
- money only when the financial department confirmed it; a negative or missing amount counts as
  nothing; sums are kept in fen and answered in yuan, so rows always add up to the fen;
- people trained: the people every verified result trained (名师带徒 results and others alike).

Groupings: ``studio`` (one row per studio), ``industry_chain`` and ``region`` (the studio's region
code) each put every counted studio in exactly one row; ``alliance`` puts a studio in the row of
every alliance it belongs to, and in none when it belongs to none. The totals count every studio
and every result once, whatever the grouping: the alliance rows may add up to more or less.
"""
from common.errors import BadRequest

from .kinds import DESIGN_PATENT, FIVE_SMALL, INVENTION_PATENT, TACKLING, UTILITY_PATENT
from .studio import LEVELS, REVOKED

STUDIO, ALLIANCE, INDUSTRY_CHAIN, REGION = "studio", "alliance", "industry_chain", "region"
GROUPINGS = (STUDIO, ALLIANCE, INDUSTRY_CHAIN, REGION)
GROUPING_NAMES = {STUDIO: "工作室", ALLIANCE: "联盟", INDUSTRY_CHAIN: "产业链", REGION: "地区"}
STARS = tuple(range(6))  # 0 (no star) to 5
PATENTS = {INVENTION_PATENT: "invention", UTILITY_PATENT: "utility", DESIGN_PATENT: "design"}
VERIFIED = "verified"
TOTAL_KEY = "total"
TOTAL_LABEL = "合计"


def stars_now(studio):
    """The stars a studio holds now: 0 with no rating or once they were revoked, at most 5."""
    rating = studio.get("rating") or {}
    if rating.get("revoked"):
        return 0
    stars = rating.get("stars")
    if isinstance(stars, bool) or not isinstance(stars, int):
        return 0
    return max(0, min(STARS[-1], stars))


def _fen(amount):
    """A non-negative amount of yuan, in whole fen (0 for anything else)."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not amount > 0:
        return 0
    return round(amount * 100)


def _count(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return 0
    return value


class _Tally:
    """The counts of one row, added up as studios and results come."""

    __slots__ = ("studios", "levels", "stars", "results", "patents", "tackling", "five_small",
                 "converted", "cost_saved", "value_created", "people_trained")

    def __init__(self):
        self.studios = 0
        self.levels = dict.fromkeys(LEVELS, 0)
        self.stars = dict.fromkeys(STARS, 0)
        self.results = self.tackling = self.five_small = self.converted = 0
        self.patents = dict.fromkeys(PATENTS.values(), 0)
        self.cost_saved = self.value_created = self.people_trained = 0

    def add_studio(self, studio):
        self.studios += 1
        if studio.get("level") in self.levels:
            self.levels[studio["level"]] += 1
        self.stars[stars_now(studio)] += 1

    def add_results(self, tally):
        """Add the result counts of ``tally`` (one studio's) to this row's."""
        self.results += tally.results
        self.tackling += tally.tackling
        self.five_small += tally.five_small
        self.converted += tally.converted
        for kind, count in tally.patents.items():
            self.patents[kind] += count
        self.cost_saved += tally.cost_saved
        self.value_created += tally.value_created
        self.people_trained += tally.people_trained

    def add_result(self, result):
        self.results += 1
        kind = result.get("kind")
        if kind in PATENTS:
            self.patents[PATENTS[kind]] += 1
        elif kind == TACKLING:
            self.tackling += 1
        elif kind == FIVE_SMALL:
            self.five_small += 1
        if result.get("converted") is True:
            self.converted += 1
        benefit = result.get("economic_benefit") or {}
        if benefit.get("confirmation"):
            self.cost_saved += _fen(benefit.get("cost_saved"))
            self.value_created += _fen(benefit.get("value_created"))
        self.people_trained += _count(result.get("people_trained"))

    def row(self, key, label):
        return {
            "key": key, "label": label, "studios": self.studios,
            "studios_by_level": dict(self.levels),
            "studios_by_stars": {str(stars): count for stars, count in self.stars.items()},
            "verified_results": self.results,
            "patents": sum(self.patents.values()), "patents_by_kind": dict(self.patents),
            "problems_solved": self.tackling, "five_small": self.five_small,
            "results_converted": self.converted,
            "cost_saved": self.cost_saved / 100, "value_created": self.value_created / 100,
            "people_trained": self.people_trained,
        }


def _counted_studios(studios, filters):
    unit, chain = filters.get("unit"), filters.get("industry_chain")
    return {studio["_id"]: studio for studio in studios
            if studio.get("status") != REVOKED
            and (unit is None or studio.get("unit") == unit)
            and (chain is None or studio.get("industry_chain") == chain)}


def _result_tallies(counted, results, year):
    """One tally of results per counted studio (studios without results have an empty one)."""
    tallies = {studio_id: _Tally() for studio_id in counted}
    for result in results:
        tally = tallies.get(result.get("studio_id"))
        if tally is None or result.get("status", VERIFIED) != VERIFIED:
            continue
        if year is not None and result.get("year") != year:
            continue
        tally.add_result(result)
    return tallies


def _groups(grouping, counted, alliances):
    """``{key: (label, [studio ids])}`` of ``grouping`` over the counted studios."""
    groups = {}
    if grouping == ALLIANCE:
        for alliance in alliances:
            members = [s for s in dict.fromkeys(alliance.get("members") or ()) if s in counted]
            if members:
                groups[alliance["_id"]] = (alliance.get("name") or alliance["_id"], members)
        return groups
    for studio_id, studio in counted.items():
        if grouping == STUDIO:
            key, label = studio_id, studio.get("name") or studio_id
        else:
            key = studio.get("region_code" if grouping == REGION else grouping) or ""
            label = key
        groups.setdefault(key, (label, []))[1].append(studio_id)
    return groups


def studio_report(studios, results, alliances, group_by=GROUPINGS, filters=None):
    """The report: ``{"filters", "group_by", "groupings": [{"group_by", "rows"}], "totals"}``.

    ``filters`` may hold ``unit``, ``year`` and ``industry_chain``; rows are ordered by label,
    then key. ``results`` may be any iterable (it is read once).
    """
    filters = {key: value for key, value in (filters or {}).items() if value is not None}
    unknown = [grouping for grouping in group_by if grouping not in GROUPINGS]
    if unknown or not group_by:
        raise BadRequest("unknown grouping", {"group_by": [f"choose from {', '.join(GROUPINGS)}"]})
    group_by = list(dict.fromkeys(group_by))
    counted = _counted_studios(studios, filters)
    tallies = _result_tallies(counted, results, filters.get("year"))
    totals = _Tally()
    for studio_id, studio in counted.items():
        totals.add_studio(studio)
        totals.add_results(tallies[studio_id])
    groupings = []
    for grouping in group_by:
        rows = []
        for key, (label, members) in _groups(grouping, counted, alliances).items():
            tally = _Tally()
            for studio_id in members:
                tally.add_studio(counted[studio_id])
                tally.add_results(tallies[studio_id])
            rows.append(tally.row(key, label))
        rows.sort(key=lambda row: (row["label"], row["key"]))
        groupings.append({"group_by": grouping, "rows": rows})
    return {"filters": filters, "group_by": group_by, "groupings": groupings,
            "totals": totals.row(TOTAL_KEY, TOTAL_LABEL)}
