"""From the judges' marks to an entry's score.

An entry's marks are stored as the judges entered them: ``{aspect_id: {judge_id: raw_value}}``,
each raw value already checked by ``scheme.mark_value`` when it was entered.

Judging rules (``DEFAULT_JUDGING``)::

    {"drop_extremes_from": 5,  # with at least this many judges on a judgement aspect, drop one
                               # highest and one lowest level and average the rest; 0 disables
     "max_spread": 1,          # flag a judgement aspect for review when its levels spread wider
     "min_judges": 1}          # a judgement aspect with fewer judges counts as missing

A measurement aspect normally has one judge; when several entered it and their marks differ, it is
flagged and the lower median of their marks counts (the benefit of a doubt goes to no one).
"""
import statistics
from math import floor
from dataclasses import dataclass

from common.errors import BadRequest

from .scheme import BANDED, JUDGED, MAX_LEVEL

DEFAULT_JUDGING = {"drop_extremes_from": 5, "max_spread": 1, "min_judges": 1}


@dataclass(slots=True)
class EntryScore:
    total: float  # weighted, 0..100
    components: dict  # component key -> 0..100
    complete: bool  # every aspect has its marks
    flagged: tuple = ()  # aspect ids to review, in scheme order
    missing: tuple = ()  # aspect ids without (enough) marks, in scheme order


@dataclass(frozen=True, slots=True)
class AspectResult:
    """How one aspect of one entry was scored, for showing the jury why."""

    aspect_id: str
    component: str
    max_mark: float
    values: tuple  # what the judges entered, in judge order
    counted: tuple  # the marks or levels that counted, after dropping extremes
    awarded: float  # the mark this aspect contributes
    level: float | None  # the averaged level, for a judgement aspect
    flagged: bool
    missing: bool


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def validate_judging_rules(rules):
    """Check judging rules; raise BadRequest naming every rule at fault."""
    rules = rules or {}
    fields = {}
    drop = rules.get("drop_extremes_from", DEFAULT_JUDGING["drop_extremes_from"])
    # Dropping two levels out of fewer than three would leave nothing to average.
    if not _is_int(drop) or not (drop == 0 or drop >= 3):
        fields["drop_extremes_from"] = ["must be 0 (never drop) or a whole number of at least 3"]
    spread = rules.get("max_spread", DEFAULT_JUDGING["max_spread"])
    if isinstance(spread, bool) or not isinstance(spread, (int, float)) or not 0 <= spread <= MAX_LEVEL:
        fields["max_spread"] = [f"must be a number from 0 to {MAX_LEVEL}"]
    min_judges = rules.get("min_judges", DEFAULT_JUDGING["min_judges"])
    if not _is_int(min_judges) or min_judges < 1:
        fields["min_judges"] = ["must be a whole number of at least 1"]
    if fields:
        raise BadRequest("the judging rules are not valid", fields)


def _settings(rules):
    if not rules:
        return DEFAULT_JUDGING["drop_extremes_from"], DEFAULT_JUDGING["max_spread"], DEFAULT_JUDGING["min_judges"]
    return (
        rules.get("drop_extremes_from", DEFAULT_JUDGING["drop_extremes_from"]),
        rules.get("max_spread", DEFAULT_JUDGING["max_spread"]),
        rules.get("min_judges", DEFAULT_JUDGING["min_judges"]),
    )


_DEFAULT_SETTINGS = _settings(None)


def _stable_round(value):
    """Round a 0..100 score to 4 decimal places, the same way for every float-noise variant of it.

    Rounding to 9 places first folds the noise (about 1e-14) of summing equal marks in a different
    order into one value, so that two equal performances cannot land on opposite sides of a
    4th-decimal half (a component score of k/32, such as 12.03125, sits exactly on one). Halves go
    up, as on a printed results sheet. Integer arithmetic: round(round(v, 9), 4) costs twice as much.
    """
    return ((floor(value * 1e9 + 0.5) + 50_000) // 100_000) / 1e4


def _banded(measured, nominal, bands):
    off = abs(measured - nominal)
    for deviation, mark in bands:
        if off <= deviation:
            return mark
    return 0.0


# drop_extremes_from -> {levels in judge order: (averaged level, spread, judges)}. Judges give
# whole levels 0..3, so five judges can only produce 4**5 = 1024 different tuples: looking the
# aggregate up is twice as fast as sorting and averaging the levels for every aspect of every
# entry. Bounded (4**8 tuples per rule, a few MB) so that large panels cannot grow it for ever.
_LEVEL_SUMMARIES = {}
_SUMMARY_LIMIT = 4**8


def _summarise(levels, drop_from):
    """(averaged level, spread between judges, number of judges) of one aspect's levels."""
    ordered = sorted(levels)
    if drop_from and len(ordered) >= drop_from:
        counted = ordered[1:-1]
    else:
        counted = ordered
    return sum(counted) / len(counted), ordered[-1] - ordered[0], len(ordered)


def score_entry(index, marks, rules=None):
    """Score one entry from its judges' marks against a SchemeIndex; see the module docstring."""
    if rules is None:
        drop_from, max_spread, min_judges = _DEFAULT_SETTINGS
    else:
        drop_from, max_spread, min_judges = _settings(rules)
    summaries = _LEVEL_SUMMARIES.get(drop_from)
    if summaries is None:
        summaries = _LEVEL_SUMMARIES.setdefault(drop_from, {})
    sums = [0.0] * len(index.score_parts)
    flagged = []
    missing = []
    get = marks.get
    judgement, banded = JUDGED, BANDED  # locals: read for every aspect
    # This runs for every aspect of tens of thousands of entries: one flat loop over the
    # precomputed plan, with no per-mark work beyond building one tuple of the judges' levels.
    for aspect_id, mode, position, max_mark, per_level, nominal, bands in index.plan:
        judged = get(aspect_id)
        if not judged:
            missing.append(aspect_id)
            continue
        if mode == judgement:
            levels = tuple(judged.values())
            try:
                level, spread, n = summaries[levels]
            except KeyError:
                level, spread, n = _summarise(levels, drop_from)
                if len(summaries) < _SUMMARY_LIMIT:
                    summaries[levels] = level, spread, n
            sums[position] += level * per_level
            if spread > max_spread:
                flagged.append(aspect_id)
            if n < min_judges:
                missing.append(aspect_id)
        elif len(judged) == 1:
            (value,) = judged.values()
            sums[position] += _banded(value, nominal, bands) if mode == banded else value
        else:
            if mode == banded:
                values = [_banded(value, nominal, bands) for value in judged.values()]
            else:
                values = list(judged.values())
            low = min(values)
            if low != max(values):
                flagged.append(aspect_id)
                low = statistics.median_low(values)
            sums[position] += low

    components = {}
    total = 0.0
    for (key, weight, factor), got in zip(index.score_parts, sums):
        score = ((floor(got * factor + 0.5) + 50_000) // 100_000) / 1e4  # _stable_round, inlined
        components[key] = score
        total += weight * score
    total = ((floor(total * 1e7 + 0.5) + 50_000) // 100_000) / 1e4  # _stable_round(total / 100)
    # Tuples, not the lists built above: the garbage collector soon stops tracking a tuple of ids,
    # which matters when an event keeps 60,000 scores alive.
    flagged = tuple(flagged) if flagged else ()
    missing = tuple(missing) if missing else ()
    return EntryScore(total, components, not missing, flagged, missing)


def aspect_results(index, marks, rules=None):
    """Per-aspect detail of one entry's score, in scheme order (slower than score_entry; for display)."""
    drop_from, max_spread, min_judges = _settings(rules)
    results = []
    for aspect_id, mode, _position, max_mark, per_level, nominal, bands in index.plan:
        component = index.aspects[aspect_id].component
        values = tuple((marks.get(aspect_id) or {}).values())
        if not values:
            results.append(AspectResult(aspect_id, component, max_mark, (), (), 0.0, None, False, True))
            continue
        if mode == JUDGED:
            levels = sorted(values)
            counted = tuple(levels[1:-1]) if drop_from and len(levels) >= drop_from else tuple(levels)
            level, spread, _n = _summarise(values, drop_from)
            awarded = level * per_level  # the same arithmetic as score_entry, to the last bit
            flagged = spread > max_spread
            results.append(
                AspectResult(aspect_id, component, max_mark, values, counted, awarded, level, flagged,
                             len(values) < min_judges)
            )
            continue
        awarded_each = [_banded(v, nominal, bands) if mode == BANDED else v for v in values]
        flagged = min(awarded_each) != max(awarded_each)
        awarded = statistics.median_low(awarded_each) if flagged else awarded_each[0]
        results.append(
            AspectResult(aspect_id, component, max_mark, values, tuple(awarded_each), awarded, None, flagged, False)
        )
    return results
