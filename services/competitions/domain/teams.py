"""Team events: teams ranked on their members' totals, prizes to teams, each member carrying
the team's result.

A team event's rules::

    "teams": {"score": "sum",   # or "mean": a team's total and components from its members'
              "size": 3}        # members a team must have to be ranked (every one complete)

A team is ranked once every one of its ``size`` members is completely marked; its total and each
component are the sum (or mean) of its members', rounded to four decimals as an entry's are; its
completion time, for the tie-break, is its slowest member's (a team has finished when its last
member has). Teams are then ranked and awarded by the same rules as entries: tie-break chain,
shared ranks, prize bands that never split a tie. Each member's result is the team's.
"""
import statistics
from collections import defaultdict

from common.errors import BadRequest

from .awards import assign_awards
from .ranking import rank
from .scoring import EntryScore

SUM, MEAN = "sum", "mean"
MAX_TEAM_SIZE = 10


def validate_team_rules(rules):
    """Check a team event's rules; raise BadRequest naming every rule at fault."""
    fields = {}
    if rules.get("score", SUM) not in (SUM, MEAN):
        fields["score"] = [f"must be {SUM!r} or {MEAN!r}"]
    size = rules.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 2 <= size <= MAX_TEAM_SIZE:
        fields["size"] = [f"must be a whole number from 2 to {MAX_TEAM_SIZE}"]
    if fields:
        raise BadRequest("the team rules are not valid", fields)


def _round(value):
    return round(value + 0.0, 4)


def team_scores(members, rules):
    """``[(team, code, EntryScore, completion seconds)]`` from ``members``: ``(team, RankedEntry)``
    for every entry of the event, incomplete ones too. A team short of members, or with a member
    not completely marked, is incomplete."""
    combine = sum if rules.get("score", SUM) == SUM else statistics.fmean
    by_team = defaultdict(list)
    for team, entry in members:
        by_team[team].append(entry)
    scored = []
    for team, entries in sorted(by_team.items()):
        complete = len(entries) == rules["size"] and all(e.complete for e in entries)
        keys = sorted({key for e in entries for key in e.components})
        components = {key: _round(combine([e.components.get(key, 0.0) for e in entries])) for key in keys}
        times = [e.completion_seconds for e in entries]
        seconds = None if None in times else max(times)
        flagged = tuple(sorted({aspect for e in entries for aspect in e.flagged}))
        score = EntryScore(_round(combine([e.total for e in entries])), components, complete, flagged)
        scored.append((team, team, score, seconds))
    return scored


def team_standings(members, rules, tie_break=None, awards=None, certified_level=None,
                   include_incomplete=False):
    """(ranked teams, their awards) as ``standings`` gives them for entries, a team in the place
    of an entry (its ``entry_id`` and ``code`` are the team's name)."""
    ranked = rank(team_scores(members, rules), tie_break, include_incomplete=include_incomplete)
    return ranked, assign_awards(ranked, awards, certified_level)
