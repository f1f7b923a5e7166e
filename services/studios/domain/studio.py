"""A studio: its lead, members, standing and status, as plain rules.

A studio document::

    {"_id": "std-...", "name", "unit" (the union it answers to), "enterprise", "industry_chain",
     "region_code", "level" (enterprise .. national), "founded_on" (ISO date),
     "lead": {"member_id", "honour"},
     "members": [{"member_id", "name", "person_key", "id_number_encrypted", "id_number_masked",
                  "position", "enterprise_head", "joined_on"}],
     "former_members": [... with "left_on"],
     "status": "active" | "suspended" | "revoked", "status_reason",
     "rating": None | {"rating_id", "round_id", "round_name", "year", "stars", "points",
                       "outcome", "effective_at"},
     "revision", "history", "created_at"}

The lead is one of the members. Members are people: they arrive protected (person key, encrypted
and masked number) and are told apart by the person key. A change of lead and the studio's end
(revocation) are explicit steps with a reason; when a rated studio ends, its stars go with it
(自然摘牌), announced as a revocation.
"""
import copy
import datetime

from common.errors import BadRequest, Conflict
from common.ids import new_id
from common.vocabulary import COMPETITION_LEVELS

ACTIVE, SUSPENDED, REVOKED = "active", "suspended", "revoked"
STATUSES = (ACTIVE, SUSPENDED, REVOKED)
LEVELS = COMPETITION_LEVELS
LEVEL_NAMES = {"enterprise": "企业级", "county": "县级", "city": "市级", "provincial": "省级",
               "national": "国家级"}
HONOURS = ("全国劳动模范", "省部级劳动模范", "市级劳动模范", "大国工匠", "省级工匠", "市级工匠",
           "县级工匠", "技能大师", "技术能手")
# Status changes a reviewer may make; a revoked studio has ended for good.
TRANSITIONS = {ACTIVE: (SUSPENDED, REVOKED), SUSPENDED: (ACTIVE, REVOKED), REVOKED: ()}
NATIONAL_MIN_YEARS = 3
# 自然摘牌: the stars of a studio that ends go with it; 自动摘牌: a 复评 below every star.
NATURAL, AUTOMATIC = "natural", "automatic"


def years_between(earlier, later):
    """Whole years from ``earlier`` to ``later`` (ISO dates or dates)."""
    earlier, later = _date(earlier), _date(later)
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years


def _date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def new_member(person, data, today):
    """A member record: ``person`` is what protecting the ID number gave (person key, encrypted
    and masked number), ``data`` the rest of what was asked for."""
    return {"member_id": new_id("mbr"), "name": data["name"], **person,
            "position": data.get("position") or "",
            "enterprise_head": bool(data.get("enterprise_head")),
            "joined_on": data.get("joined_on") or today}


def _check_distinct(members, field="members"):
    seen = {}
    faults = {}
    for position, member in enumerate(members):
        if member["person_key"] in seen:
            faults[f"{field}.{position}.id_number"] = [
                f"the same person as {field}.{seen[member['person_key']]}"]
        seen.setdefault(member["person_key"], position)
    if faults:
        raise BadRequest("a person is listed twice", faults)


def new_studio(data, lead, members, unit, by, now, today):
    """A new studio (not yet stored) registered by ``by`` for the union ``unit``.

    ``lead`` and ``members`` are member records (``new_member``); the lead is a member too.
    """
    founded = _date(data["founded_on"])
    if founded > _date(today):
        raise BadRequest("the founding date is in the future", {"founded_on": ["after today"]})
    if data["level"] == "national" and years_between(founded, today) < NATIONAL_MIN_YEARS:
        raise BadRequest("a national studio needs at least three years of operation",
                         {"level": [f"national needs {NATIONAL_MIN_YEARS} years since founded_on"]})
    everyone = [lead] + list(members)
    _check_distinct(everyone)
    return {
        "_id": new_id("std"), "name": data["name"], "unit": unit,
        "enterprise": data["enterprise"], "industry_chain": data["industry_chain"],
        "region_code": data["region_code"], "level": data["level"],
        "founded_on": founded.isoformat(), "description": data.get("description") or "",
        "lead": {"member_id": lead["member_id"], "honour": data["lead"]["honour"]},
        "members": everyone, "former_members": [],
        "status": ACTIVE, "status_reason": None, "rating": None,
        "revision": 1, "history": [], "created_at": now, "created_by": by,
    }


def _require_open(studio):
    if studio["status"] == REVOKED:
        raise Conflict(f"studio {studio['_id']} has ended (revoked): it changes no more")


def member(studio, member_id):
    for found in studio["members"]:
        if found["member_id"] == member_id:
            return found
    raise BadRequest(f"no current member {member_id}", {"member_id": ["not a current member"]})


def lead_of(studio):
    return member(studio, studio["lead"]["member_id"])


def add_members(studio, members):
    """``studio`` with ``members`` (member records) joined."""
    _require_open(studio)
    changed = copy.deepcopy(studio)
    known = {m["person_key"]: m["member_id"] for m in changed["members"]}
    faults = {f"members.{position}.id_number": [f"already member {known[m['person_key']]}"]
              for position, m in enumerate(members) if m["person_key"] in known}
    if faults:
        raise Conflict("already a member of this studio", faults)
    _check_distinct(list(members))
    changed["members"].extend(members)
    return changed


def remove_member(studio, member_id, reason, today):
    """``studio`` without the member ``member_id`` (kept among the former members)."""
    _require_open(studio)
    leaving = member(studio, member_id)
    if member_id == studio["lead"]["member_id"]:
        raise Conflict("the lead cannot leave: change the lead first",
                       {"member_id": ["is the studio's lead"]})
    changed = copy.deepcopy(studio)
    changed["members"] = [m for m in changed["members"] if m["member_id"] != member_id]
    changed["former_members"].append({**leaving, "left_on": today, "left_because": reason})
    return changed


def change_lead(studio, member_id, honour):
    """``studio`` led by its member ``member_id`` (who holds ``honour``)."""
    _require_open(studio)
    member(studio, member_id)
    if member_id == studio["lead"]["member_id"]:
        raise Conflict("this member already leads the studio", {"member_id": ["already the lead"]})
    changed = copy.deepcopy(studio)
    changed["lead"] = {"member_id": member_id, "honour": honour}
    return changed


def change_status(studio, status, reason):
    """``(studio, announcements)`` after a status change; 409 for one its status does not allow.

    Revoking a rated studio (its end) takes its stars with it: announced as a natural revocation.
    """
    if status not in TRANSITIONS[studio["status"]]:
        raise Conflict(f"a {studio['status']} studio cannot become {status}",
                       {"status": [f"allowed from {studio['status']}: "
                                   f"{', '.join(TRANSITIONS[studio['status']]) or 'none'}"]})
    changed = copy.deepcopy(studio)
    changed.update(status=status, status_reason=reason)
    announcements = []
    if status == REVOKED and (studio.get("rating") or {}).get("stars"):
        changed, announcements = revoke_stars(changed, NATURAL, reason)
    return changed, announcements


def revoke_stars(studio, kind, reason):
    """``(studio, announcements)`` with its stars taken away (摘牌) for ``reason``."""
    rating = studio.get("rating")
    if not rating or not rating.get("stars"):
        raise Conflict("the studio holds no stars to revoke", {"kind": ["no rating in effect"]})
    changed = copy.deepcopy(studio)
    changed["rating"] = {**rating, "stars": 0, "revoked": {"kind": kind, "reason": reason}}
    return changed, [{"type": "studio.rating_revoked", "kind": kind, "reason": reason,
                      "stars_before": rating["stars"], "rating_id": rating["rating_id"]}]


def rated(studio, record):
    """``(studio, announcements)`` with the rating ``record`` of a round in effect.

    The same rating again changes nothing (the very same studio comes back). A rating with stars
    is announced as ``studio.rated``; one with none, after stars the studio held, is an automatic
    revocation (自动摘牌, a failed 复评); a first rating with no star is recorded quietly.
    """
    current = studio.get("rating") or {}
    if current.get("rating_id") == record["rating_id"]:
        return studio, []
    # Only the rating changes: a shallow copy leaves the studio given as it was.
    changed = dict(studio)
    held = 0 if current.get("revoked") else current.get("stars") or 0
    if record["stars"]:
        changed["rating"] = dict(record)
        return changed, [{"type": "studio.rated"}]
    reason = (record.get("revocation") or {}).get("reason") or \
        f"{record['round_name']}: {record['points']} points, below every star"
    changed["rating"] = {**record, "revoked": {"kind": AUTOMATIC, "reason": reason}} if held else dict(record)
    if not held:
        return changed, []
    return changed, [{"type": "studio.rating_revoked", "kind": AUTOMATIC, "reason": reason,
                      "stars_before": held, "rating_id": current["rating_id"]}]
