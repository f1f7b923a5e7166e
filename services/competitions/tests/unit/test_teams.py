"""Team events: teams ranked on the sum or mean of their members, prizes to whole teams."""
import pytest

from common.errors import BadRequest
from services.competitions.domain.ranking import RankedEntry
from services.competitions.domain.teams import team_scores, team_standings, validate_team_rules


def member(entry_id, total, theory, practical, seconds=None, complete=True):
    return RankedEntry(entry_id, f"C{entry_id}", 0, total, {"theory": theory, "practical": practical},
                       seconds, complete, (), False, None)


MEMBERS = [("红队", member(1, 90.0, 90.0, 90.0, 3000)), ("红队", member(2, 70.0, 70.0, 70.0, 3300)),
           ("蓝队", member(3, 85.0, 80.0, 87.14, 3100)), ("蓝队", member(4, 80.0, 80.0, 80.0, 3200)),
           ("绿队", member(5, 99.0, 99.0, 99.0, 2000))]  # one member short


def test_teams_rank_on_the_sum_of_their_members_and_a_team_short_of_members_is_not_ranked():
    ranked, awards = team_standings(MEMBERS, {"score": "sum", "size": 2},
                                    awards={"prizes": {"basis": "count", "bands": [{"prize": "first", "count": 1}]}})
    assert [(t.entry_id, t.rank, t.total) for t in ranked] == [("蓝队", 1, 165.0), ("红队", 2, 160.0)]
    assert ranked[0].components == {"practical": 167.14, "theory": 160.0}
    assert [(a.entry_id, a.prize) for a in awards] == [("蓝队", "first"), ("红队", None)]


def test_the_mean_ranks_teams_of_any_size_alike_and_the_slowest_member_is_the_teams_time():
    scored = {team: (score, seconds) for team, _code, score, seconds in team_scores(MEMBERS, {"score": "mean", "size": 2})}
    assert scored["红队"][0].total == 80.0 and scored["蓝队"][0].total == 82.5
    assert scored["红队"][1] == 3300 and not scored["绿队"][0].complete


def test_equal_teams_share_a_rank_and_a_prize_unless_the_tie_break_separates_them():
    tied = [("甲", member(1, 80.0, 80.0, 80.0)), ("甲", member(2, 80.0, 80.0, 80.0)),
            ("乙", member(3, 80.0, 80.0, 80.0)), ("乙", member(4, 80.0, 80.0, 80.0))]
    ranked, awards = team_standings(tied, {"size": 2}, tie_break=[],
                                    awards={"prizes": {"basis": "count", "bands": [{"prize": "first", "count": 2}]}})
    assert [t.rank for t in ranked] == [1, 1] and {a.prize for a in awards} == {"first"}


def test_team_rules_are_checked():
    validate_team_rules({"size": 3, "score": "mean"})
    with pytest.raises(BadRequest) as refused:
        validate_team_rules({"size": 1, "score": "best"})
    assert set(refused.value.fields) == {"size", "score"}
