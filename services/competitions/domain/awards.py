"""Prizes, titles, skill-level promotions and certificates from a ranked list of finalists.

Rules::

    {"prizes": {"basis": "share", "bands": [{"prize": "first", "share": 10}, ...]},
                # or {"basis": "count", "bands": [{"prize": "first", "count": 1}, ...]}
     "titles": [{"title": "技术能手", "top": 5}],            # ranks 1..top get the title
     "promotions": [{"from_rank": 1, "to_rank": 5, "level": "技师"}, ...],
     "certificate": {"level": "高级工", "pass_mark": 60,    # level None: the level the event certifies
                     "issue": True},                      # False: this event issues no certificates
     "promotion_requires_pass": True}                     # False: a rank promotes even without a pass

Missing keys take their value from ``DEFAULT_AWARDS``. Finalists are the complete entries of the
ranking. Prize bands are filled in rank order; a group of tied entries enters the current band only
if the whole group fits in what is left of it, otherwise that band closes and the group tries the
next one. So no band ever holds more than its size, tied entries always get the same prize, and a
worse rank never gets a better prize. A band of a share holds floor(share% x finalists) entries.

A promotion, like a certificate, needs the pass mark in every component (theory and practical):
a finalist ranked within a promotion range who failed theory is neither promoted nor certified,
unless the organiser sets ``promotion_requires_pass`` to false.
"""
import copy
from fractions import Fraction
from typing import Any, NamedTuple

from common.errors import BadRequest
from common.vocabulary import PRIZE_NAMES, PRIZES, SKILL_LEVELS, is_skill_level, level_rank

_PRIZE_ORDER = {prize: i for i, prize in enumerate(PRIZES)}

SHARE = "share"
COUNT = "count"

# The level an event certifies when its organiser names none: 高级工, the first level of the
# high-skill ladder (高技能人才), is what a city or county skills competition usually certifies.
DEFAULT_CERTIFIED_LEVEL = "高级工"

DEFAULT_AWARDS = {
    "prizes": {
        "basis": SHARE,
        "bands": [{"prize": "first", "share": 10}, {"prize": "second", "share": 20}, {"prize": "third", "share": 30}],
    },
    "titles": [],
    "promotions": [],
    "certificate": {"level": None, "pass_mark": 60},
    "promotion_requires_pass": True,
}


# A named tuple rather than a dataclass: it holds only text, numbers and a tuple of titles, so
# the garbage collector stops tracking it, and a big event builds one per finalist.
class Award(NamedTuple):
    entry_id: Any
    code: str
    rank: int
    prize: str | None  # one of PRIZES
    prize_name: str | None  # its Chinese name, as printed on the certificate
    titles: tuple
    promotion_level: str | None
    certificate_level: str | None
    passed: bool  # every component score reached the pass mark


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def with_defaults(rules):
    """The rules with every missing key taken from DEFAULT_AWARDS."""
    rules = rules or {}
    # Copies of the defaults, so that a caller changing its rules never changes DEFAULT_AWARDS.
    merged = {key: rules[key] if key in rules else copy.deepcopy(default) for key, default in DEFAULT_AWARDS.items()}
    merged["certificate"] = {**DEFAULT_AWARDS["certificate"], **(merged["certificate"] or {})}
    return merged


def validate_awards(rules):
    """Check award rules; raise BadRequest naming every field at fault."""
    rules = with_defaults(rules)
    fields = {}

    def fail(path, problem):
        fields.setdefault(path, []).append(problem)

    prizes = rules["prizes"] or {}
    basis = prizes.get("basis")
    if basis not in (SHARE, COUNT):
        fail("prizes.basis", f"must be {SHARE!r} or {COUNT!r}")
    previous = -1
    share_sum = 0
    for i, band in enumerate(prizes.get("bands") or ()):
        path = f"prizes.bands.{i}"
        prize = band.get("prize")
        if prize not in _PRIZE_ORDER:
            fail(f"{path}.prize", f"must be one of {', '.join(PRIZES)}")
        elif _PRIZE_ORDER[prize] <= previous:
            # Bands are filled in order, so listing them best first is what keeps prizes monotone.
            fail(f"{path}.prize", "list each prize once, best first (first, second, third, honourable)")
        else:
            previous = _PRIZE_ORDER[prize]
        if basis == SHARE:
            share = band.get("share")
            if not _is_number(share) or not 0 < share <= 100:
                fail(f"{path}.share", "must be a percentage greater than 0 and at most 100")
            else:
                share_sum += Fraction(str(share))
        elif basis == COUNT:
            if not _is_int(band.get("count")) or band["count"] <= 0:
                fail(f"{path}.count", "must be a whole number greater than 0")
    if share_sum > 100:
        fail("prizes.bands", f"the shares add up to {float(share_sum):g}%, more than the whole field")

    names = set()
    for i, title in enumerate(rules["titles"] or ()):
        name = title.get("title")
        if not isinstance(name, str) or not name.strip():
            fail(f"titles.{i}.title", "must be a non-empty text")
        elif name in names:
            fail(f"titles.{i}.title", f"the title {name!r} appears twice")
        names.add(name)
        if not _is_int(title.get("top")) or title["top"] < 1:
            fail(f"titles.{i}.top", "must be a whole number of at least 1")

    ranges = []
    for i, promotion in enumerate(rules["promotions"] or ()):
        path = f"promotions.{i}"
        low, high, level = promotion.get("from_rank"), promotion.get("to_rank"), promotion.get("level")
        ok = _is_int(low) and low >= 1
        if not ok:
            fail(f"{path}.from_rank", "must be a whole number of at least 1")
        if not _is_int(high) or high < (low if ok else 1):
            fail(f"{path}.to_rank", "must be a whole number no smaller than from_rank")
            ok = False
        if not is_skill_level(level):
            fail(f"{path}.level", f"must be one of {' '.join(SKILL_LEVELS)}")
            ok = False
        if ok:
            ranges.append((low, high, level, i))
    ranges.sort()
    for (low_a, high_a, level_a, _a), (low_b, _high_b, level_b, i_b) in zip(ranges, ranges[1:]):
        if low_b <= high_a:
            fail(f"promotions.{i_b}.from_rank", f"ranks {low_b}-{high_a} fall in two promotion ranges")
        # A better place never earns a lower level than a worse one.
        elif level_rank(level_b) > level_rank(level_a):
            fail(f"promotions.{i_b}.level", f"ranks from {low_b} cannot earn more than the level of better ranks")

    certificate = rules["certificate"]
    if certificate.get("level") is not None and not is_skill_level(certificate["level"]):
        fail("certificate.level", f"must be one of {' '.join(SKILL_LEVELS)}")
    pass_mark = certificate.get("pass_mark")
    if not _is_number(pass_mark) or not 0 <= pass_mark <= 100:
        fail("certificate.pass_mark", "must be a score from 0 to 100")
    if not isinstance(certificate.get("issue", True), bool):
        fail("certificate.issue", "must be true or false")
    if not isinstance(rules["promotion_requires_pass"], bool):
        fail("promotion_requires_pass", "must be true or false")

    if fields:
        raise BadRequest("the award rules are not valid", fields)


def band_sizes(prizes, finalists):
    """How many entries each prize band may hold, in band order."""
    bands = prizes.get("bands") or ()
    if prizes.get("basis") == COUNT:
        return [band["count"] for band in bands]
    # Exact arithmetic: 10% of 30 must be 3, not 2 because 0.1 * 30 came out as 2.9999999999999996.
    return [int(Fraction(str(band["share"])) * finalists / 100) for band in bands]


def _tie_groups(finalists):
    """(start, end) index ranges of entries sharing a rank."""
    start = 0
    for i in range(1, len(finalists) + 1):
        if i == len(finalists) or finalists[i].rank != finalists[start].rank:
            yield start, i
            start = i


def _prizes(prizes, finalists):
    """The prize of each finalist (None for none), filling the bands in rank order."""
    bands = prizes.get("bands") or ()
    sizes = band_sizes(prizes, len(finalists))
    awarded = [None] * len(finalists)
    band = 0
    room = sizes[0] if sizes else 0
    for start, end in _tie_groups(finalists):
        # The whole tie group fits in this band or the band closes: never split a tie.
        while band < len(sizes) and end - start > room:
            band += 1
            room = sizes[band] if band < len(sizes) else 0
        if band == len(sizes):
            break  # every band is closed: no one further down gets a prize
        room -= end - start
        awarded[start:end] = [bands[band]["prize"]] * (end - start)
    return awarded


def assign_awards(ranked, rules=None, certified_level=None):
    """Awards for the complete entries of ``ranked`` (best first, as ``ranking.rank`` returns it).

    ``certified_level`` is the skill level the event certifies; it is the certificate level when the
    rules leave it as None. With ``"issue": False`` in the certificate rule nobody gets a certificate,
    not even for a promotion (which is still awarded). Returns one Award per finalist, in the
    ranked order.
    """
    validate_awards(rules)
    if certified_level is not None and not is_skill_level(certified_level):
        raise BadRequest(
            f"unknown skill level {certified_level!r}",
            {"certified_level": [f"must be one of {' '.join(SKILL_LEVELS)}"]},
        )
    rules = with_defaults(rules)
    finalists = [entry for entry in ranked if entry.complete]
    if any(a.rank > b.rank for a, b in zip(finalists, finalists[1:])):
        raise ValueError("awards need the entries in rank order, best first")

    prizes = _prizes(rules["prizes"] or {}, finalists)

    titles = [(t["title"], t["top"]) for t in rules["titles"] or ()]
    promotions = [(p["from_rank"], p["to_rank"], p["level"]) for p in rules["promotions"] or ()]
    certificate = rules["certificate"]
    pass_mark = certificate["pass_mark"]
    passing_level = certificate["level"] if certificate["level"] is not None else certified_level
    issued = certificate.get("issue", True)
    requires_pass = rules["promotion_requires_pass"]

    # Titles and promotions reach only the top places: below the last rank they name, nobody has one.
    reach = max([top for _name, top in titles] + [high for _low, high, _level in promotions], default=0)
    awards = []
    position = None
    held = ()
    promotion = None
    for entry, prize in zip(finalists, prizes):
        if entry.rank != position:
            # Titles and promotions depend on the rank only: work them out once per tie group.
            position = entry.rank
            if position <= reach:
                held = tuple(name for name, top in titles if position <= top)
                promotion = next((level for low, high, level in promotions if low <= position <= high), None)
            else:
                held, promotion = (), None
        passed = min(entry.components.values()) >= pass_mark
        promoted = promotion if passed or not requires_pass else None
        # A promotion is itself a certified level; otherwise a pass earns the event's level.
        certificate_level = (promoted or (passing_level if passed else None)) if issued else None
        awards.append(
            Award(entry.entry_id, entry.code, position, prize, PRIZE_NAMES.get(prize), held, promoted,
                  certificate_level, passed)
        )
    return awards
