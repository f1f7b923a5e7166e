import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import BadRequest
from common.vocabulary import PRIZE_NAMES, PRIZES
from services.competitions.domain.awards import (
    DEFAULT_AWARDS,
    assign_awards,
    band_sizes,
    validate_awards,
    with_defaults,
)
from services.competitions.domain.ranking import RankedEntry


def finalist(entry_id, rank, theory=80.0, practical=80.0, complete=True):
    return RankedEntry(
        entry_id=entry_id, code=f"C{entry_id:03d}", rank=rank, total=0.3 * theory + 0.7 * practical,
        components={"theory": theory, "practical": practical}, completion_seconds=None, complete=complete,
        flagged=(), shared=False, tie_broken_by=None,
    )


def field(*ranks):
    return [finalist(i, r) for i, r in enumerate(ranks, start=1)]


def prizes(awards):
    return [a.prize for a in awards]


COUNTS = {"prizes": {"basis": "count", "bands": [{"prize": "first", "count": 1}, {"prize": "second", "count": 2},
                                                 {"prize": "third", "count": 3}]}}


def test_default_shares_give_10_20_30_percent_of_the_field():
    awards = assign_awards(field(*range(1, 11)))
    assert prizes(awards) == ["first", "second", "second", "third", "third", "third", None, None, None, None]


def test_share_sizes_are_exact_floors():
    shares = DEFAULT_AWARDS["prizes"]
    assert band_sizes(shares, 30) == [3, 6, 9]
    assert band_sizes(shares, 9) == [0, 1, 2]
    assert band_sizes({"basis": "share", "bands": [{"prize": "first", "share": 33.3}]}, 1000) == [333]
    assert band_sizes(COUNTS["prizes"], 2) == [1, 2, 3]


def test_count_bands_take_their_fixed_sizes():
    awards = assign_awards(field(*range(1, 9)), COUNTS)
    assert prizes(awards) == ["first", "second", "second", "third", "third", "third", None, None]


def test_a_tie_group_that_does_not_fit_closes_the_band_and_tries_the_next():
    awards = assign_awards(field(1, 1, 3, 4, 5, 6), COUNTS)
    assert prizes(awards) == ["second", "second", "third", "third", "third", None]


def test_a_tie_group_never_splits_across_bands_or_overfills_one():
    awards = assign_awards(field(1, 2, 3, 3, 3, 6), COUNTS)
    # 2 fits in second (2 places), the tie at 3 needs 3: second is left with 1, so third takes all three.
    assert prizes(awards) == ["first", "second", "third", "third", "third", None]


def test_a_tie_group_too_big_for_every_band_left_ends_the_prizes():
    awards = assign_awards(field(1, 2, 2, 2, 2, 2, 2, 2, 9), COUNTS)
    assert prizes(awards) == ["first"] + [None] * 8


def test_an_empty_band_is_skipped():
    awards = assign_awards(field(1, 2, 3, 4, 5))  # 10% of 5 is 0 first prizes
    assert prizes(awards) == ["second", "third", None, None, None]


def test_honourable_mentions_follow_the_prizes():
    rules = {"prizes": {"basis": "count", "bands": [{"prize": "first", "count": 1}, {"prize": "honourable", "count": 2}]}}
    awards = assign_awards(field(1, 2, 3, 4), rules)
    assert prizes(awards) == ["first", "honourable", "honourable", None]
    assert awards[1].prize_name == "优胜奖"


def test_prizes_have_their_chinese_names():
    assert PRIZE_NAMES == {"first": "一等奖", "second": "二等奖", "third": "三等奖", "honourable": "优胜奖"}
    awards = assign_awards(field(1, 2, 3, 4), COUNTS)
    assert [a.prize_name for a in awards] == ["一等奖", "二等奖", "二等奖", "三等奖"]


def test_no_prize_bands_means_no_prizes():
    awards = assign_awards(field(1, 2), {"prizes": {"basis": "count", "bands": []}})
    assert prizes(awards) == [None, None]


def test_titles_go_to_every_rank_up_to_top_including_ties_at_the_edge():
    rules = {"titles": [{"title": "技术能手", "top": 2}, {"title": "岗位能手", "top": 4}]}
    awards = assign_awards(field(1, 2, 2, 4, 5), rules)
    assert [a.titles for a in awards] == [
        ("技术能手", "岗位能手"), ("技术能手", "岗位能手"), ("技术能手", "岗位能手"), ("岗位能手",), (),
    ]


def test_promotions_follow_rank_ranges():
    rules = {"promotions": [{"from_rank": 1, "to_rank": 2, "level": "技师"},
                            {"from_rank": 3, "to_rank": 4, "level": "高级工"}]}
    awards = assign_awards(field(1, 2, 2, 4, 5), rules)
    assert [a.promotion_level for a in awards] == ["技师", "技师", "技师", "高级工", None]


def test_certificates_promotion_level_else_pass_level_else_none():
    rules = {"promotions": [{"from_rank": 1, "to_rank": 2, "level": "技师"}], "certificate": {"pass_mark": 60}}
    entries = [
        finalist(1, 1, theory=70.0),  # promoted: the promotion is the certificate
        finalist(2, 2, theory=58.0, practical=95.0),  # in the range, but theory 58: neither
        finalist(3, 3, theory=60.0, practical=60.0),  # passes exactly on the mark
        finalist(4, 4, theory=90.0, practical=59.9999),  # fails one component
    ]
    awards = assign_awards(entries, rules, certified_level="高级工")
    assert [(a.promotion_level, a.certificate_level, a.passed) for a in awards] == [
        ("技师", "技师", True), (None, None, False), (None, "高级工", True), (None, None, False)]


def test_an_organiser_may_promote_on_rank_alone():
    rules = {"promotions": [{"from_rank": 1, "to_rank": 1, "level": "技师"}], "promotion_requires_pass": False}
    [award] = assign_awards([finalist(1, 1, theory=58.0)], rules, certified_level="高级工")
    assert (award.promotion_level, award.certificate_level, award.passed) == ("技师", "技师", False)
    with pytest.raises(BadRequest) as error:
        validate_awards({"promotion_requires_pass": "yes"})
    assert "promotion_requires_pass" in error.value.fields


def test_the_rules_can_name_the_certificate_level():
    awards = assign_awards(field(1), {"certificate": {"level": "中级工", "pass_mark": 60}}, certified_level="高级工")
    assert awards[0].certificate_level == "中级工"


def test_without_a_certified_level_a_pass_earns_no_certificate():
    [award] = assign_awards(field(1))
    assert award.passed and award.certificate_level is None


def test_an_event_can_issue_no_certificates_at_all():
    rules = {"promotions": [{"from_rank": 1, "to_rank": 1, "level": "技师"}], "certificate": {"issue": False}}
    awards = assign_awards(field(1, 2), rules, certified_level="高级工")
    assert [(a.promotion_level, a.certificate_level, a.passed) for a in awards] == [
        ("技师", None, True), (None, None, True)]
    with pytest.raises(BadRequest) as error:
        validate_awards({"certificate": {"issue": "no"}})
    assert "certificate.issue" in error.value.fields


def test_only_complete_entries_are_finalists():
    entries = [finalist(1, 1), finalist(2, 2, complete=False)]
    awards = assign_awards(entries, COUNTS)
    assert [(a.entry_id, a.prize) for a in awards] == [(1, "first")]


def test_awards_need_the_ranked_order():
    with pytest.raises(ValueError):
        assign_awards(field(2, 1))


def test_missing_rules_take_the_defaults():
    merged = with_defaults({"titles": [{"title": "技术能手", "top": 5}], "certificate": {"level": "技师"}})
    assert merged["prizes"] == DEFAULT_AWARDS["prizes"]
    assert merged["promotions"] == []
    assert merged["certificate"] == {"level": "技师", "pass_mark": 60}
    assert with_defaults(None) == DEFAULT_AWARDS


def test_valid_rules_pass():
    validate_awards(None)
    validate_awards(DEFAULT_AWARDS)
    validate_awards(
        {
            "prizes": {"basis": "count", "bands": [{"prize": "first", "count": 1}, {"prize": "second", "count": 2},
                                                   {"prize": "third", "count": 5}, {"prize": "honourable", "count": 10}]},
            "titles": [{"title": "技术能手", "top": 5}],
            "promotions": [{"from_rank": 1, "to_rank": 5, "level": "技师"}, {"from_rank": 6, "to_rank": 15, "level": "高级工"}],
            "certificate": {"level": "高级工", "pass_mark": 60},
        }
    )


def share_bands(*bands):
    return {"prizes": {"basis": "share", "bands": [dict(zip(("prize", "share"), b)) for b in bands]}}


@pytest.mark.parametrize(
    "rules, path",
    [
        ({"prizes": {"basis": "percent", "bands": []}}, "prizes.basis"),
        ({"prizes": None}, "prizes.basis"),
        (share_bands(("gold", 10)), "prizes.bands.0.prize"),
        (share_bands(("second", 10), ("first", 10)), "prizes.bands.1.prize"),
        (share_bands(("first", 10), ("first", 10)), "prizes.bands.1.prize"),
        (share_bands(("first", 0)), "prizes.bands.0.share"),
        (share_bands(("first", 101)), "prizes.bands.0.share"),
        (share_bands(("first", "10")), "prizes.bands.0.share"),
        (share_bands(("first", 50), ("second", 30), ("third", 30)), "prizes.bands"),
        ({"prizes": {"basis": "count", "bands": [{"prize": "first", "count": 0}]}}, "prizes.bands.0.count"),
        ({"prizes": {"basis": "count", "bands": [{"prize": "first", "count": 1.5}]}}, "prizes.bands.0.count"),
        ({"titles": [{"title": "", "top": 5}]}, "titles.0.title"),
        ({"titles": [{"title": "技术能手", "top": 5}, {"title": "技术能手", "top": 3}]}, "titles.1.title"),
        ({"titles": [{"title": "技术能手", "top": 0}]}, "titles.0.top"),
        ({"promotions": [{"from_rank": 0, "to_rank": 5, "level": "技师"}]}, "promotions.0.from_rank"),
        ({"promotions": [{"from_rank": 6, "to_rank": 5, "level": "技师"}]}, "promotions.0.to_rank"),
        ({"promotions": [{"from_rank": 1, "to_rank": "5", "level": "技师"}]}, "promotions.0.to_rank"),
        ({"promotions": [{"from_rank": 1, "to_rank": 5, "level": "大师"}]}, "promotions.0.level"),
        (
            {"promotions": [{"from_rank": 1, "to_rank": 5, "level": "技师"}, {"from_rank": 5, "to_rank": 9, "level": "高级工"}]},
            "promotions.1.from_rank",
        ),
        (
            {"promotions": [{"from_rank": 6, "to_rank": 9, "level": "技师"}, {"from_rank": 1, "to_rank": 5, "level": "高级工"}]},
            "promotions.0.level",
        ),
        ({"certificate": {"level": "大师"}}, "certificate.level"),
        ({"certificate": {"pass_mark": 101}}, "certificate.pass_mark"),
        ({"certificate": {"pass_mark": None}}, "certificate.pass_mark"),
    ],
)
def test_invalid_rules_name_the_field_at_fault(rules, path):
    with pytest.raises(BadRequest) as raised:
        validate_awards(rules)
    assert path in raised.value.fields


def test_the_certified_level_must_be_on_the_ladder():
    with pytest.raises(BadRequest) as raised:
        assign_awards(field(1), certified_level="大师")
    assert "certified_level" in raised.value.fields


def test_assigning_checks_the_rules_first():
    with pytest.raises(BadRequest):
        assign_awards(field(1), share_bands(("first", 0)))


# Property tests over random fields (ranks with ties of every size) and random rules.
@st.composite
def ranked_fields(draw):
    gaps = draw(st.lists(st.integers(1, 4), max_size=40))  # size of each tie group
    entries, position = [], 1
    for size in gaps:
        for _ in range(size):
            entries.append(
                finalist(len(entries) + 1, position,
                         theory=draw(st.sampled_from([50.0, 60.0, 90.0])), practical=draw(st.sampled_from([59.0, 75.0])))
            )
        position += size
    return entries


@st.composite
def award_rules(draw):
    chosen = sorted(draw(st.sets(st.sampled_from(PRIZES), min_size=0, max_size=4)), key=PRIZES.index)
    if draw(st.booleans()):
        shares = [draw(st.integers(1, 25)) for _ in chosen]
        prizes_rule = {"basis": "share", "bands": [{"prize": p, "share": s} for p, s in zip(chosen, shares)]}
    else:
        prizes_rule = {"basis": "count", "bands": [{"prize": p, "count": draw(st.integers(1, 6))} for p in chosen]}
    tops = draw(st.lists(st.integers(1, 20), max_size=2, unique=True))
    cut = draw(st.integers(1, 10))
    return {
        "prizes": prizes_rule,
        "titles": [{"title": f"title{top}", "top": top} for top in tops],
        "promotions": [{"from_rank": 1, "to_rank": cut, "level": "技师"},
                       {"from_rank": cut + 1, "to_rank": cut + 10, "level": "高级工"}],
        "certificate": {"level": None, "pass_mark": 60},
    }


@settings(max_examples=200, deadline=None)
@given(ranked_fields(), award_rules())
def test_award_invariants(entries, rules):
    awards = assign_awards(entries, rules, certified_level="中级工")
    assert [a.entry_id for a in awards] == [e.entry_id for e in entries]
    sizes = dict(zip((b["prize"] for b in rules["prizes"]["bands"]), band_sizes(rules["prizes"], len(entries))))

    # No band holds more than its size.
    for prize, size in sizes.items():
        assert sum(a.prize == prize for a in awards) <= size

    # Tied entries get the same of everything that depends on the rank.
    by_rank = {}
    for a in awards:
        by_rank.setdefault(a.rank, set()).add((a.prize, a.titles))
    assert all(len(outcomes) == 1 for outcomes in by_rank.values())

    # Prizes are monotone: never a better prize for a worse rank.
    order = [PRIZES.index(a.prize) if a.prize else len(PRIZES) for a in awards]
    assert order == sorted(order)

    # Titles, promotions and certificates follow the ranks and component scores.
    for a, e in zip(awards, entries):
        assert a.titles == tuple(t["title"] for t in rules["titles"] if e.rank <= t["top"])
        assert a.passed == (min(e.components.values()) >= 60)
        # Within a promotion range, a pass in every component promotes (by default).
        in_range = next((p["level"] for p in rules["promotions"] if p["from_rank"] <= e.rank <= p["to_rank"]), None)
        expected = in_range if a.passed else None
        assert a.promotion_level == expected
        assert a.certificate_level == (expected or ("中级工" if a.passed else None))
        assert a.prize_name == PRIZE_NAMES.get(a.prize)


@settings(max_examples=100, deadline=None)
@given(ranked_fields(), award_rules())
def test_a_tie_group_left_without_a_prize_fitted_in_no_open_band(entries, rules):
    """The other side of "no band exceeds its size": prizes stop only when a group cannot fit."""
    awards = assign_awards(entries, rules)
    sizes = band_sizes(rules["prizes"], len(entries))
    if not sizes or all(a.prize for a in awards):
        return
    first_without = next(i for i, a in enumerate(awards) if a.prize is None)
    group = sum(a.rank == awards[first_without].rank for a in awards)
    names = [b["prize"] for b in rules["prizes"]["bands"]]
    given_before = [a.prize for a in awards[:first_without]]
    last_band = max((names.index(p) for p in given_before), default=0)
    for band in range(last_band, len(sizes)):
        room = sizes[band] - given_before.count(names[band])
        assert group > room
