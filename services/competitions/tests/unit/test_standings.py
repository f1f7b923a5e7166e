import gc

import pytest

from services.competitions.domain.awards import assign_awards
from services.competitions.domain.ranking import rank
from services.competitions.domain.scheme import SchemeIndex
from services.competitions.domain.scoring import score_entry
from services.competitions.domain.standings import standings
from common.testing.factories import marking_scheme

RULES = {"prizes": {"basis": "count", "bands": [{"prize": "first", "count": 1}]}}


def entries():
    def marks(level, paper):
        judged = {f"J{n}": level for n in range(1, 6)}
        return {"T1.1": {"J1": paper}, "A1.1": {"J1": 25.0}, "A2.1": judged, "A2.2": dict(judged)}
    return [("e1", "AAA", marks(2, 70), 3600.0), ("e2", "BBB", marks(3, 90), 4000.0),
            ("e3", "CCC", {"T1.1": {"J1": 50}}, None)]


def test_standings_are_the_steps_run_one_after_another():
    index = SchemeIndex(marking_scheme())
    ranked, awards = standings(index, entries(), awards=RULES, include_incomplete=True)

    by_hand = rank([(i, c, score_entry(index, m), s) for i, c, m, s in entries()],
                   include_incomplete=True)
    assert ranked == by_hand
    assert awards == assign_awards(by_hand, RULES)
    assert [(a.code, a.prize) for a in awards] == [("BBB", "first"), ("AAA", None)]


def test_the_collector_runs_again_afterwards_even_on_failure():
    index = SchemeIndex(marking_scheme())
    with pytest.raises(TypeError):
        standings(index, [("e1", "AAA", {"A2.1": {"J1": "bad"}}, None)])
    assert gc.isenabled()
