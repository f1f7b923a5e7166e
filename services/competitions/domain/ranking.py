"""Ranking an event's entries by total score and a configurable tie-break chain.

Higher total first; entries equal on the total are separated by the tie-break chain, in order:
``"completion_time"`` (shorter first; no recorded time comes last) and ``"component:<key>"`` (higher
first). Entries still equal on every key share a rank, and the next rank skips (1, 1, 3: standard
competition ranking). Within a shared rank the list is ordered by entry code then entry id, only so
that the same input always gives the same list.

Only complete entries are ranked for results. The jury's live board passes ``include_incomplete``:
incomplete entries then follow the complete ones, ranked among themselves on what they have so far.
"""
from dataclasses import dataclass
from typing import Any, NamedTuple

from common.errors import BadRequest

from .scoring import EntryScore

COMPLETION_TIME = "completion_time"
COMPONENT_PREFIX = "component:"
DEFAULT_TIE_BREAK = ("completion_time", "component:practical", "component:theory")


class Scored(NamedTuple):
    """One entry's input to ranking; any object with these attributes, or a 4-tuple in this order, will do."""

    entry_id: Any
    code: str
    score: EntryScore
    completion_seconds: float | None = None


# Not frozen: a frozen dataclass builds itself through object.__setattr__, three times slower,
# and a ranking of 60,000 entries builds 60,000 of these.
@dataclass(slots=True)
class RankedEntry:
    entry_id: Any
    code: str
    rank: int
    total: float
    components: dict
    completion_seconds: float | None
    complete: bool
    flagged: tuple  # aspect ids awaiting review
    shared: bool  # the rank is shared with at least one other entry
    tie_broken_by: str | None  # the tie-break that put this entry below the one above it on equal totals


def validate_tie_break(tie_break, component_keys=None):
    """Check a tie-break chain; with ``component_keys``, also that every named component exists."""
    fields = {}
    if not isinstance(tie_break, (list, tuple)):
        raise BadRequest("the tie-break must be a list", {"tie_break": ["must be a list"]})
    seen = set()
    for i, key in enumerate(tie_break):
        path = f"tie_break.{i}"
        if not isinstance(key, str) or not (key == COMPLETION_TIME or key.startswith(COMPONENT_PREFIX)):
            fields[path] = [f"must be {COMPLETION_TIME!r} or 'component:<key>'"]
        elif key in seen:
            fields[path] = [f"{key!r} is already in the chain"]
        elif key != COMPLETION_TIME:
            component = key[len(COMPONENT_PREFIX):]
            if not component:
                fields[path] = ["name the component, as in 'component:practical'"]
            elif component_keys is not None and component not in component_keys:
                fields[path] = [f"no component {component!r} in the marking scheme"]
        seen.add(key)
    if fields:
        raise BadRequest("the tie-break chain is not valid", fields)


def _unpack(item):
    if isinstance(item, tuple):
        return item
    return item.entry_id, item.code, item.score, item.completion_seconds


_NO_TIME = float("inf")  # no recorded time sorts after every recorded one
_INCOMPLETE = 1e6  # added to an incomplete entry's standing: totals are 0..100


def rank(scores, tie_break=DEFAULT_TIE_BREAK, include_incomplete=False):
    """Rank entries best first; returns a list of RankedEntry. See the module docstring."""
    if tie_break is None:
        tie_break = DEFAULT_TIE_BREAK
    validate_tie_break(tie_break)
    tie_break = tuple(tie_break)
    # Each tie-break as the component it reads, None for the completion time.
    chain = tuple(None if key == COMPLETION_TIME else key[len(COMPONENT_PREFIX):] for key in tie_break)
    depth = len(chain)

    # One flat key per entry: (standing, <tie-break values, smaller is better>, code, entry id,
    # position in the input). Standing and tie-breaks decide the rank; code and id only fix the
    # display order inside a shared rank. The standing is one float, -total for complete entries and
    # far above any of those for incomplete ones, because CPython's sort compares tuples that start
    # with a float several times faster than tuples that start with a bool. The keys hold only
    # numbers and text, so the garbage collector soon stops tracking them.
    items = scores if isinstance(scores, (list, tuple)) else list(scores)
    keys = []
    for position, item in enumerate(items):
        entry_id, code, score, seconds = _unpack(item)
        if score.complete:
            standing = -score.total
        elif include_incomplete:
            standing = _INCOMPLETE - score.total
        else:
            continue
        parts = score.components
        try:
            values = [(_NO_TIME if seconds is None else seconds) if c is None else -parts[c] for c in chain]
        except KeyError as missing:
            path = f"tie_break.{chain.index(missing.args[0])}"
            raise BadRequest(
                f"the tie-break names the component {missing.args[0]!r}, which the scores do not have",
                {path: ["no such component in the marking scheme"]},
            ) from None
        keys.append((standing, *values, str(code), str(entry_id), position))
    keys.sort()

    decided = depth + 1  # the length of the part of a key that decides the rank
    ranks = []
    broken = []
    previous = None
    current = 0
    for position, key in enumerate(keys):
        broken_by = None
        if previous is None or key[0] != previous[0]:
            current = position + 1  # a different total: the common case, decided without slicing
        elif key[:decided] != previous[:decided]:
            # Same completeness and total as the entry above: name the first tie-break that differed.
            current = position + 1
            for i in range(depth):
                if key[1 + i] != previous[1 + i]:
                    broken_by = tie_break[i]
                    break
        ranks.append(current)
        broken.append(broken_by)
        previous = key

    ranks.append(0)  # a sentinel: the entry after the last never shares its rank
    ranked = []
    append = ranked.append
    above = 0
    for position, key in enumerate(keys):
        item = items[key[-1]]
        if isinstance(item, tuple):
            entry_id, code, score, seconds = item
        else:
            entry_id, code, score, seconds = _unpack(item)
        here = ranks[position]
        append(
            RankedEntry(entry_id, code, here, score.total, score.components, seconds, score.complete, score.flagged,
                        here == above or here == ranks[position + 1], broken[position])
        )
        above = here
    return ranked
