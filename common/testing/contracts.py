"""Example payloads of every event contract, as their publishers send them.

Consumers' tests start from these rather than from payloads of their own, and
tests/test_contracts.py loads every example through its publisher's contract schema, so an
example cannot drift from the contract it stands for.
"""
import datetime
import itertools
import uuid

from common.events import make_event
from common.testing.callers import UNIT

NOW = datetime.datetime(2026, 6, 1, 8, 0, tzinfo=datetime.timezone.utc)
_people = itertools.count(1)

CONTESTANT_AWARDED = "competition.contestant_awarded"
RESULTS_PUBLISHED = "competition.results_published"


def person_key(n=None):
    return f"{n if n is not None else next(_people):032x}"


def award(**overrides):
    """The data of a competition.contestant_awarded v1 event: a city-level first prize."""
    data = {
        "competition_id": "cmp-3f2a9c1d7b4e", "competition_name": "2026年建湖县数控车工职业技能竞赛",
        "level": "city", "industry_chain": "装备制造", "organising_unit": UNIT, "year": 2026,
        "publication_version": 1, "correction": False, "correction_reason": None,
        "event_id": "evt-9a8b7c6d5e4f", "trade": "数控车工", "entry_id": "ent-0a1b2c3d4e5f",
        "person_key": "5d41402abc4b2a76b9719d911017c592", "name": "王建国", "employer": "江苏建湖机床厂",
        "region_code": "320925", "id_number_masked": "320***********123X", "skill_level": "中级工",
        "rank": 1, "finalists": 42, "total": 93.35,
        "components": {"theory": 88.0, "practical": 95.64}, "prize": "first", "prize_name": "一等奖",
        "titles": ["技术能手"], "promotion_level": "技师", "certificate_level": "技师",
    }
    data.update(overrides)
    if data["publication_version"] > 1 and "correction" not in overrides:
        data["correction"] = True
        data["correction_reason"] = data["correction_reason"] or "marks corrected"
    return data


def nothing(**overrides):
    """An award a correction took away: no prize, title, promotion or certificate."""
    return award(**{"prize": None, "prize_name": None, "titles": [], "promotion_level": None,
                    "certificate_level": None, **overrides})


def certified_only(**overrides):
    return award(**{"prize": None, "prize_name": None, "titles": [], "promotion_level": None,
                    "certificate_level": "高级工", **overrides})


def envelope(data, event_id=None, version=1):
    """``data`` (an award) in the envelope the competitions service sends it in."""
    return make_event(CONTESTANT_AWARDED, data, source="competitions", version=version,
                      event_id=event_id or str(uuid.uuid4()), correlation_id="req-test")


def results_published(**overrides):
    """The data of a competition.results_published v1 event: one event's results are out."""
    data = {
        "competition_id": "cmp-3f2a9c1d7b4e", "competition_name": "2026年建湖县数控车工职业技能竞赛",
        "level": "city", "industry_chain": "装备制造", "organising_unit": UNIT, "year": 2026,
        "publication_version": 1, "correction": False, "correction_reason": None,
        "published_at": "2026-06-01T08:00:00.000+00:00",
        "events": [{"event_id": "evt-9a8b7c6d5e4f", "trade": "数控车工", "finalists": 42,
                    "prizes": {"first": 4, "second": 8, "third": 12}, "certified": 30,
                    "podium": [{"rank": 1, "name": "王建国", "employer": "江苏建湖机床厂",
                                "total": 93.35, "prize": "first"}]}],
    }
    data.update(overrides)
    return data


def _talent(**overrides):
    data = {
        "talent_id": "tal-3f2a9c1d7b4e8a05c6d2", "person_key": "5d41402abc4b2a76b9719d911017c592",
        "name": "王建国", "employer": "江苏建湖机床厂", "region_code": "320925",
        "industry_chains": ["装备制造"], "trades": ["数控车工"], "skill_level": "技师",
        "certificates": [{"level": "技师", "trade": "数控车工", "competition_id": "cmp-3f2a9c1d7b4e",
                          "event_id": "evt-9a8b7c6d5e4f",
                          "competition_name": "2026年建湖县数控车工职业技能竞赛", "year": 2026}],
        "honours": [{"competition_id": "cmp-3f2a9c1d7b4e",
                     "competition_name": "2026年建湖县数控车工职业技能竞赛", "level": "city",
                     "organising_unit": UNIT, "year": 2026, "industry_chain": "装备制造",
                     "event_id": "evt-9a8b7c6d5e4f", "trade": "数控车工", "rank": 1, "finalists": 42,
                     "prize": "first", "prize_name": "一等奖", "titles": ["技术能手"],
                     "promotion_level": "技师", "certificate_level": "技师",
                     "publication_version": 1}],
        "status": "active", "status_reason": None, "admitted_at": "2026-06-01T08:00:00.000+00:00",
        "review_date": "2029-06-01", "needs_review": False, "revision": 1,
    }
    data.update(overrides)
    return data


def talent_admitted(**overrides):
    """The data of a talent.admitted v1 event: a prize winner admitted automatically."""
    return _talent(**{"reason": "一等奖, 2026年建湖县数控车工职业技能竞赛 (市级)",
                      "source": {"kind": "competition", "competition_id": "cmp-3f2a9c1d7b4e",
                                 "event_id": "evt-9a8b7c6d5e4f", "publication_version": 1},
                      "readmission": False, "previous_status": "new", **overrides})


def talent_updated(**overrides):
    """The data of a talent.updated v1 event: a curator expired a talent."""
    return _talent(**{"status": "expired", "status_reason": "left the trade",
                      "action": "expired", "reason": "left the trade",
                      "source": {"kind": "curator", "by": "reviewer-1"},
                      "previous_status": "active", "changes": ["status", "status_reason"],
                      "revision": 2, **overrides})


# event type -> (publishing service, example data): every contract the services publish.
EXAMPLES = {
    RESULTS_PUBLISHED: ("competitions", results_published),
    CONTESTANT_AWARDED: ("competitions", award),
    "talent.admitted": ("talent_pool", talent_admitted),
    "talent.updated": ("talent_pool", talent_updated),
}
