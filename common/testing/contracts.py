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
        "studio_honours": [{"studio_id": "std-4e5f6a7b8c9d", "studio_name": "王建国劳模创新工作室",
                            "level": "city", "enterprise": "江苏建湖机床厂", "industry_chain": "装备制造",
                            "unit": UNIT, "lead_honour": "劳模",
                            "rating_id": "rtg-rnd-1a2b3c4d5e6f-std-4e5f6a7b8c9d",
                            "round_id": "rnd-1a2b3c4d5e6f", "round_name": "2026年度建湖县创新工作室星级评定",
                            "year": 2026, "stars": 4, "outcome": "first",
                            "effective_at": "2026-06-08T16:00:00.000+00:00", "status": "rated",
                            "revocation_kind": None, "revocation_reason": None, "revoked_at": None}],
        "innovation_results": [{"result_id": "res-0f1e2d3c4b5a", "kind": "tackling", "kind_name": "技术攻关",
                                "title": "数控车床主轴温升控制技术攻关", "achieved_on": "2026-03-15",
                                "year": 2026, "studio_id": "std-4e5f6a7b8c9d",
                                "studio_name": "王建国劳模创新工作室", "patent_number": None,
                                "economic_benefit": {"cost_saved": 1200000.0, "value_created": 300000.0,
                                                     "confirmed": True},
                                "people_trained": 0, "author_position": 1,
                                "verified_at": "2026-05-20T03:00:00.000+00:00"}],
        "studio_memberships": [{"studio_id": "std-4e5f6a7b8c9d", "studio_name": "王建国劳模创新工作室",
                                "role": "lead"}],
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


STUDIO_RATED = "studio.rated"
RATING_REVOKED = "studio.rating_revoked"
RESULT_VERIFIED = "result.verified"
LEAD_KEY = "7c4a8d09ca3762af61e59520943dc264"


def _studio(**overrides):
    data = {"studio_id": "std-4e5f6a7b8c9d", "studio_name": "王建国劳模创新工作室", "level": "city",
            "enterprise": "江苏建湖机床厂", "industry_chain": "装备制造", "region_code": "320925",
            "unit": UNIT}
    data.update(overrides)
    return data


def _lead(**overrides):
    return {"person_key": LEAD_KEY, "name": "王建国", "id_number_masked": "320***********123X",
            "honour": "劳模", **overrides}


def studio_rated(**overrides):
    """The data of a studio.rated v1 event: a first rating of four stars took effect."""
    return _studio(**{
        "lead": _lead(), "rating_id": "rtg-rnd-1a2b3c4d5e6f-std-4e5f6a7b8c9d",
        "round_id": "rnd-1a2b3c4d5e6f", "round_name": "2026年度建湖县创新工作室星级评定",
        "year": 2026, "stars": 4, "previous_stars": None, "outcome": "first", "points": 84.5,
        "categories": [{"category": "output", "name": "创新成果", "points": 27.0, "max_points": 30.0},
                       {"category": "benefit", "name": "效益", "points": 22.5, "max_points": 25.0}],
        "effective_at": "2026-06-08T16:00:00.000+00:00", **overrides})


def rating_revoked(**overrides):
    """The data of a studio.rating_revoked v1 event: the stars ordered off (责令摘牌)."""
    return _studio(**{
        "lead": _lead(), "rating_id": "rtg-rnd-1a2b3c4d5e6f-std-4e5f6a7b8c9d", "stars_before": 4,
        "kind": "ordered", "reason": "安全生产事故", "revoked_at": "2026-09-01T02:00:00.000+00:00",
        **overrides})


def result_verified(**overrides):
    """The data of a result.verified v1 event: a 技术攻关 with certified savings, two authors."""
    return _studio(**{
        "result_id": "res-0f1e2d3c4b5a", "kind": "tackling", "kind_name": "技术攻关",
        "title": "数控车床主轴温升控制技术攻关", "achieved_on": "2026-03-15", "year": 2026,
        "patent_number": None,
        "economic_benefit": {"cost_saved": 1200000.0, "value_created": 300000.0, "confirmed": True},
        "people_trained": 0,
        "authors": [{"person_key": LEAD_KEY, "name": "王建国", "id_number_masked": "320***********123X"},
                    {"person_key": "9e107d9d372bb6826bd81d3542a419d6", "name": "李红梅",
                     "id_number_masked": "320***********2021"}],
        "verified_at": "2026-05-20T03:00:00.000+00:00", **overrides})


def studio_envelope(event_type, data, event_id=None, version=1):
    """``data`` in the envelope the studios service sends ``event_type`` in."""
    return make_event(event_type, data, source="studios", version=version,
                      event_id=event_id or str(uuid.uuid4()), correlation_id="req-test")


# event type -> (publishing service, example data): every contract the services publish.
EXAMPLES = {
    RESULTS_PUBLISHED: ("competitions", results_published),
    CONTESTANT_AWARDED: ("competitions", award),
    "talent.admitted": ("talent_pool", talent_admitted),
    "talent.updated": ("talent_pool", talent_updated),
    STUDIO_RATED: ("studios", studio_rated),
    RATING_REVOKED: ("studios", rating_revoked),
    RESULT_VERIFIED: ("studios", result_verified),
}
