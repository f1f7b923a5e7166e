from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import BadRequest
from services.competitions.domain.ranking import DEFAULT_TIE_BREAK, Scored, rank, validate_tie_break
from services.competitions.domain.scoring import EntryScore


def entry(entry_id, total, practical=50.0, theory=50.0, seconds=None, complete=True, code=None, flagged=()):
    score = EntryScore(total, {"theory": theory, "practical": practical}, complete, tuple(flagged), () if complete else ("X",))
    return Scored(entry_id, code or f"C{entry_id:03d}", score, seconds)


def ranks(ranked):
    return [(r.entry_id, r.rank) for r in ranked]


def test_higher_totals_rank_first():
    ranked = rank([entry(1, 70.0), entry(2, 90.0), entry(3, 80.0)])
    assert ranks(ranked) == [(2, 1), (3, 2), (1, 3)]


def test_full_ties_share_a_rank_and_the_next_rank_skips():
    ranked = rank([entry(1, 90.0, seconds=100), entry(2, 90.0, seconds=100), entry(3, 80.0, seconds=100)])
    assert ranks(ranked) == [(1, 1), (2, 1), (3, 3)]
    assert [r.shared for r in ranked] == [True, True, False]
    assert [r.tie_broken_by for r in ranked] == [None, None, None]


def test_shorter_completion_time_breaks_a_tie_first():
    ranked = rank([entry(1, 90.0, seconds=300, practical=99), entry(2, 90.0, seconds=200, practical=10)])
    assert ranks(ranked) == [(2, 1), (1, 2)]
    assert ranked[1].tie_broken_by == "completion_time"


def test_no_completion_time_is_the_worst_time():
    ranked = rank([entry(1, 90.0, seconds=None, practical=99), entry(2, 90.0, seconds=5000, practical=10)])
    assert ranks(ranked) == [(2, 1), (1, 2)]


def test_then_the_higher_practical_then_the_higher_theory():
    ranked = rank(
        [
            entry(1, 90.0, seconds=100, practical=80, theory=99),
            entry(2, 90.0, seconds=100, practical=85, theory=10),
            entry(3, 90.0, seconds=100, practical=80, theory=100),
        ]
    )
    assert ranks(ranked) == [(2, 1), (3, 2), (1, 3)]
    assert [r.tie_broken_by for r in ranked] == [None, "component:practical", "component:theory"]


def test_the_chain_is_configurable():
    scores = [entry(1, 90.0, seconds=100, theory=90), entry(2, 90.0, seconds=50, theory=80)]
    assert ranks(rank(scores, ["component:theory"])) == [(1, 1), (2, 2)]
    assert ranks(rank(scores, [])) == [(1, 1), (2, 1)]


def test_the_default_chain_is_time_practical_theory():
    assert list(DEFAULT_TIE_BREAK) == ["completion_time", "component:practical", "component:theory"]
    assert rank([entry(1, 1.0)], None)[0].rank == 1


def test_a_shared_rank_is_listed_by_code():
    ranked = rank([entry(1, 90.0, code="B"), entry(2, 90.0, code="A")])
    assert [r.code for r in ranked] == ["A", "B"]


def test_incomplete_entries_are_left_out_of_results():
    ranked = rank([entry(1, 90.0, complete=False), entry(2, 50.0)])
    assert ranks(ranked) == [(2, 1)]


def test_the_live_board_lists_incomplete_entries_after_complete_ones():
    ranked = rank([entry(1, 90.0, complete=False), entry(2, 50.0), entry(3, 95.0, complete=False)],
                  include_incomplete=True)
    assert ranks(ranked) == [(2, 1), (3, 2), (1, 3)]
    assert [r.complete for r in ranked] == [True, False, False]


def test_flags_are_carried_to_the_board():
    ranked = rank([entry(1, 90.0, flagged=["A2.1"])])
    assert ranked[0].flagged == ("A2.1",)
    assert ranked[0].components == {"theory": 50.0, "practical": 50.0}


def test_plain_tuples_and_objects_are_accepted():
    score = EntryScore(80.0, {"theory": 1.0, "practical": 2.0}, True)
    as_object = SimpleNamespace(entry_id="e2", code="B", score=score, completion_seconds=10.0)
    ranked = rank([("e1", "A", score, 20.0), as_object])
    assert [(r.entry_id, r.rank, r.completion_seconds) for r in ranked] == [("e2", 1, 10.0), ("e1", 2, 20.0)]


def test_a_tie_break_on_a_component_the_scores_lack_is_a_bad_request():
    with pytest.raises(BadRequest) as raised:
        rank([entry(1, 1.0)], ["completion_time", "component:oral"])
    assert "tie_break.1" in raised.value.fields


@pytest.mark.parametrize(
    "chain, path",
    [
        (["fastest"], "tie_break.0"),
        (["completion_time", "completion_time"], "tie_break.1"),
        (["component:"], "tie_break.0"),
        ([3], "tie_break.0"),
        ("completion_time", "tie_break"),
    ],
)
def test_an_invalid_chain_names_the_key_at_fault(chain, path):
    with pytest.raises(BadRequest) as raised:
        validate_tie_break(chain)
    assert path in raised.value.fields


def test_rank_refuses_a_chain_given_as_one_text():
    with pytest.raises(BadRequest) as raised:
        rank([entry(1, 1.0)], "completion_time")
    assert "tie_break" in raised.value.fields


def test_components_are_checked_against_the_scheme_when_given():
    validate_tie_break(["component:practical"], ["theory", "practical"])
    with pytest.raises(BadRequest) as raised:
        validate_tie_break(["component:oral"], ["theory", "practical"])
    assert "tie_break.0" in raised.value.fields


# Property tests: few distinct values so that ties of every depth are common.
CHAINS = st.sampled_from(
    [DEFAULT_TIE_BREAK, ("component:theory",), (), ("component:practical", "completion_time")]
)


@st.composite
def fields(draw):
    n = draw(st.integers(0, 25))
    return [
        entry(
            i,
            draw(st.sampled_from([60.0, 75.5, 90.0])),
            practical=draw(st.sampled_from([40.0, 80.0])),
            theory=draw(st.sampled_from([40.0, 80.0])),
            seconds=draw(st.sampled_from([None, 100.0, 200.0])),
            complete=draw(st.booleans()),
            code=draw(st.sampled_from(["A", "B", "C"])) + str(i),
        )
        for i in range(n)
    ]


def merit(item, chain):
    """What the rules compare, written independently of the module: bigger is better."""
    values = [item.score.complete, item.score.total]
    for key in chain:
        if key == "completion_time":
            values.append(-(item.completion_seconds if item.completion_seconds is not None else float("inf")))
        else:
            values.append(item.score.components[key.split(":", 1)[1]])
    return values


@settings(max_examples=150, deadline=None)
@given(fields(), CHAINS, st.booleans())
def test_rank_is_one_plus_the_number_of_strictly_better_entries(scores, chain, live):
    ranked = rank(scores, chain, include_incomplete=live)
    considered = [s for s in scores if live or s.score.complete]
    by_id = {s.entry_id: s for s in considered}
    assert sorted(r.entry_id for r in ranked) == sorted(by_id)
    for r in ranked:
        mine = merit(by_id[r.entry_id], chain)
        assert r.rank == 1 + sum(merit(other, chain) > mine for other in considered)


@settings(max_examples=150, deadline=None)
@given(fields(), CHAINS)
def test_entries_share_a_rank_exactly_when_equal_on_every_key(scores, chain):
    ranked = rank(scores, chain, include_incomplete=True)
    by_id = {s.entry_id: s for s in scores}
    for a in ranked:
        for b in ranked:
            same = merit(by_id[a.entry_id], chain) == merit(by_id[b.entry_id], chain)
            assert (a.rank == b.rank) == same
    for r in ranked:
        assert r.shared == (sum(o.rank == r.rank for o in ranked) > 1)


@settings(max_examples=150, deadline=None)
@given(fields(), CHAINS, st.randoms())
def test_the_order_is_total_and_the_same_for_any_input_order(scores, chain, rnd):
    ranked = rank(scores, chain, include_incomplete=True)
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    assert rank(shuffled, chain, include_incomplete=True) == ranked
    assert [r.rank for r in ranked] == sorted(r.rank for r in ranked)
    assert [r.complete for r in ranked] == sorted((r.complete for r in ranked), reverse=True)
    for above, below in zip(ranked, ranked[1:]):
        if above.rank == below.rank:
            assert above.code <= below.code


@settings(max_examples=100, deadline=None)
@given(fields(), CHAINS)
def test_tie_broken_by_names_the_first_key_that_separated_equal_totals(scores, chain):
    ranked = rank(scores, chain, include_incomplete=True)
    by_id = {s.entry_id: s for s in scores}
    for above, below in zip(ranked, ranked[1:]):
        a, b = merit(by_id[above.entry_id], chain), merit(by_id[below.entry_id], chain)
        if below.tie_broken_by is None:
            assert a[:2] != b[:2] or a == b
        else:
            position = 2 + list(chain).index(below.tie_broken_by)
            assert a[:position] == b[:position] and a[position] > b[position]
