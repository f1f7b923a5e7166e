"""Awards, envelopes and callers for the talent pool's tests."""
import datetime
import itertools
import uuid

from common.auth import Principal
from common.events import make_event

NOW = datetime.datetime(2026, 6, 1, 8, 0, tzinfo=datetime.timezone.utc)
UNIT = "jianhu-union"
_people = itertools.count(1)


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
        "region_code": "320925", "skill_level": "中级工", "rank": 1, "finalists": 42, "total": 93.35,
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
    return make_event("competition.contestant_awarded", data, source="competitions",
                      version=version, event_id=event_id or str(uuid.uuid4()),
                      correlation_id="req-test")


def reviewer(subject="reviewer-1"):
    return Principal(subject=subject, role="reviewer", name=subject)


def admin(subject="admin-1"):
    return Principal(subject=subject, role="admin")


def organiser(unit=UNIT, subject="org-1"):
    return Principal(subject=subject, role="organizer", unit=unit)


def judge(subject="judge-1"):
    return Principal(subject=subject, role="judge")
