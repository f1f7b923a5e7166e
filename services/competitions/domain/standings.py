"""An event's standings: every entry scored, ranked and awarded in one pass.

This is the batch the service runs at sign-off (and for the jury's live ranking), so it is where
the cost of a 60,000-entry event is paid. Python's cyclic garbage collector is paused for the pass:
the scores and ranked entries kept alive here form no cycles, yet without the pause they trigger
several full collections, each walking every stored mark (a third of the pass's time, measured).
"""
from common.collector import collector_paused

from .awards import assign_awards
from .ranking import DEFAULT_TIE_BREAK, rank
from .scoring import score_entry


def standings(index, entries, judging=None, tie_break=DEFAULT_TIE_BREAK, awards=None,
              certified_level=None, include_incomplete=False):
    """``entries``: (entry_id, code, marks, completion_seconds) with marks as
    ``{aspect_id: {judge_id: raw value}}``. Returns (ranked entries, their awards); awards are
    given to complete entries only, in the ranked order."""
    with collector_paused():
        scored = [(entry_id, code, score_entry(index, marks, judging), seconds)
                  for entry_id, code, marks, seconds in entries]
        ranked = rank(scored, tie_break, include_incomplete=include_incomplete)
        return ranked, assign_awards(ranked, awards, certified_level)
