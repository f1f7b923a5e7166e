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
from operator import itemgetter
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


@dataclass(frozen=True, slots=True)
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
        entry_id, code, score, seconds = item
        return entry_id, code, score, seconds
    return item.entry_id, item.code, item.score, item.completion_seconds


_NO_TIME = (1, 0.0)  # sorts after every recorded time


def rank(scores, tie_break=DEFAULT_TIE_BREAK, include_incomplete=False):
    """Rank entries best first; returns a list of RankedEntry. See the module docstring."""
    tie_break = tuple(DEFAULT_TIE_BREAK if tie_break is None else tie_break)
    validate_tie_break(tie_break)
    components = [key[len(COMPONENT_PREFIX):] for key in tie_break if key != COMPLETION_TIME]
    # Key layout: (incomplete?, -total, <tie-break values...>, code, entry id). Everything before
    # the code decides the rank; code and id only fix the display order inside a shared rank.
    rows = []
    for item in scores:
        entry_id, code, score, seconds = _unpack(item)
        if not score.complete and not include_incomplete:
            continue
        parts = score.components
        try:
            by_component = {key: -parts[key] for key in components}
        except KeyError as missing:
            path = f"tie_break.{tie_break.index(COMPONENT_PREFIX + missing.args[0])}"
            raise BadRequest(
                f"the tie-break names the component {missing.args[0]!r}, which the scores do not have",
                {path: ["no such component in the marking scheme"]},
            ) from None
        values = []
        for key in tie_break:
            if key == COMPLETION_TIME:
                values.append(_NO_TIME if seconds is None else (0, seconds))
            else:
                values.append(by_component[key[len(COMPONENT_PREFIX):]])
        rank_key = (not score.complete, -score.total, *values)
        rows.append(((rank_key, str(code), str(entry_id)), entry_id, code, score, seconds))
    rows.sort(key=itemgetter(0))

    ranked = []
    previous_key = None
    current_rank = 0
    for position, ((rank_key, _code, _id), entry_id, code, score, seconds) in enumerate(rows):
        broken_by = None
        if rank_key != previous_key:
            current_rank = position + 1
            if previous_key is not None and previous_key[:2] == rank_key[:2]:
                # Same completeness and total as the entry above: name the first key that differed.
                for name, above, here in zip(tie_break, previous_key[2:], rank_key[2:]):
                    if above != here:
                        broken_by = name
                        break
        ranked.append((rank_key, current_rank, broken_by, entry_id, code, score, seconds))
        previous_key = rank_key

    # A rank is shared when the group has more than one member; count members per rank first.
    members = {}
    for row in ranked:
        members[row[1]] = members.get(row[1], 0) + 1
    return [
        RankedEntry(
            entry_id=entry_id,
            code=code,
            rank=position_rank,
            total=score.total,
            components=score.components,
            completion_seconds=seconds,
            complete=score.complete,
            flagged=tuple(score.flagged),
            shared=members[position_rank] > 1,
            tie_broken_by=broken_by,
        )
        for _key, position_rank, broken_by, entry_id, code, score, seconds in ranked
    ]
