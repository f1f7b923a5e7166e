"""The register of studios and alliances: registration, members, lead, status, 摘牌.

Each use case loads its input, reads the document, checks that the caller may do this, applies
the rule (domain/studio.py, domain/alliance.py) and saves the new state with a line of history
and its events in one write.
"""
from common.clock import beijing_today, utc_now
from common.errors import BadRequest, NotFound
from common.repository import history_entry, optimistic
from common.schemas import page
from common.validation import load
from services.studios import access, events
from services.studios.api import (AllianceQuerySchema, AllianceSchema, AllianceStudioSchema,
                                  JointProjectSchema, LeadChangeSchema, MemberLeavingSchema,
                                  NewMembersSchema, StarRevocationSchema, StudioQuerySchema,
                                  StudioSchema, StudioStatusSchema)
from services.studios.domain import alliance as alliances
from services.studios.domain import studio as rules
from services.studios.views import alliance_view, public_studio_view, studio_view

ORDERED = "ordered"


def _opened(protector, payload):
    """``payload`` with the sealed ID numbers of its lead and members opened (a number that
    arrived in clear is refused), ready for its schema."""
    if not isinstance(payload, dict):
        return payload
    opened = dict(payload)
    if isinstance(opened.get("lead"), dict):
        opened["lead"] = protector.unsealed(opened["lead"])
    if isinstance(opened.get("members"), list):
        opened["members"] = [protector.unsealed(m) if isinstance(m, dict) else m
                             for m in opened["members"]]
    return opened


def _members(protector, people, field):
    """Member records of ``people``, their ID numbers stored protected."""
    today = beijing_today().isoformat()
    return [rules.new_member(protector.protect(person["id_number"], field=f"{field}.id_number"
                                               if field == "lead" else f"{field}.{i}.id_number"),
                             person, today)
            for i, person in enumerate(people)]


def register_studio(store, protector, caller, payload):
    access.require_union(caller, "only union reviewers and admins register studios")
    data = load(StudioSchema(), _opened(protector, payload))
    lead = _members(protector, [data["lead"]], "lead")[0]
    members = _members(protector, data["members"], "members")
    now = utc_now()
    studio = rules.new_studio(data, lead, members, data["unit"], caller.subject, now,
                              beijing_today().isoformat())
    stored = store.add_studio(studio, history_entry(caller, "register", now))
    return studio_view(stored, caller)


def list_studios(store, caller, query):
    query = load(StudioQuerySchema(), query or {})
    condition = access.studio_scope(caller)
    if "studio_id" in condition:
        condition = {"_id": condition.pop("studio_id")}
    if not access.within(condition, query):
        return page((), 0, query)
    for key in ("unit", "level", "status", "industry_chain"):
        if key in query:
            condition[key] = query[key]
    if "min_stars" in query:
        condition["rating.stars"] = {"$gte": query["min_stars"]}
    total, found = store.find_studios(condition, query["limit"], query["offset"])
    return page((studio_view(s, caller, summary=True) for s in found), total, query)


def public_studios(store, query):
    """Rated studios, as the public sees them."""
    query = load(StudioQuerySchema(), query or {})
    condition = {"rating.stars": {"$gte": query.get("min_stars", 1)}, "status": rules.ACTIVE}
    for key in ("unit", "level", "industry_chain"):
        if key in query:
            condition[key] = query[key]
    total, found = store.find_studios(condition, query["limit"], query["offset"])
    return page((public_studio_view(s) for s in found), total, query)


def get_studio(store, caller, studio_id):
    studio = store.studio(studio_id)
    access.require_studio_visible(caller, studio)
    return studio_view(studio, caller)


def _save(store, caller, current, changed, action, reason=None, announcements=(),
          correlation_id=None, **details):
    now = utc_now()
    envelopes = [events.rating_revoked(changed, change, now, correlation_id)
                 for change in announcements]
    record = history_entry(caller, action, now, reason=reason, details=details or None)
    return studio_view(store.save_studio(current, changed, record, envelopes), caller)


@optimistic
def add_members(store, protector, caller, studio_id, payload):
    studio = store.studio(studio_id)
    access.require_lead_or_union(caller, studio)
    data = load(NewMembersSchema(), _opened(protector, payload))
    members = _members(protector, data["members"], "members")
    changed = rules.add_members(studio, members)
    return _save(store, caller, studio, changed, "add_members",
                 member_ids=[m["member_id"] for m in members])


@optimistic
def remove_member(store, caller, studio_id, member_id, payload):
    studio = store.studio(studio_id)
    access.require_lead_or_union(caller, studio)
    data = load(MemberLeavingSchema(), payload)
    changed = rules.remove_member(studio, member_id, data["reason"], beijing_today().isoformat())
    return _save(store, caller, studio, changed, "remove_member", data["reason"], member_id=member_id)


@optimistic
def change_lead(store, caller, studio_id, payload):
    studio = store.studio(studio_id)
    access.require_union_of(caller, studio)
    data = load(LeadChangeSchema(), payload)
    changed = rules.change_lead(studio, data["member_id"], data["honour"])
    return _save(store, caller, studio, changed, "change_lead", data["reason"],
                 previous=studio["lead"]["member_id"], lead=data["member_id"])


@optimistic
def change_status(store, caller, studio_id, payload, correlation_id=None):
    studio = store.studio(studio_id)
    access.require_union_of(caller, studio)
    data = load(StudioStatusSchema(), payload)
    changed, announcements = rules.change_status(studio, data["status"], data["reason"])
    return _save(store, caller, studio, changed, f"status_{data['status']}", data["reason"],
                 announcements, correlation_id)


@optimistic
def revoke_stars(store, caller, studio_id, payload, correlation_id=None):
    """责令摘牌: the union orders a studio's stars off."""
    studio = store.studio(studio_id)
    access.require_union_of(caller, studio)
    data = load(StarRevocationSchema(), payload)
    changed, announcements = rules.revoke_stars(studio, ORDERED, data["reason"])
    return _save(store, caller, studio, changed, "revoke_stars", data["reason"], announcements,
                 correlation_id)


# alliances


def _member_studios(store, caller, studio_ids, field):
    """The studios ``studio_ids``, each visible to ``caller`` and open, or a 400 naming them."""
    faults = {}
    for position, studio_id in enumerate(studio_ids):
        try:
            studio = store.studio(studio_id)
            access.require_studio_visible(caller, studio)
        except NotFound:
            faults[f"{field}.{position}"] = [f"no studio {studio_id}"]
            continue
        if studio["status"] == rules.REVOKED:
            faults[f"{field}.{position}"] = [f"studio {studio_id} has ended"]
    if faults:
        raise BadRequest("an alliance's members are existing, open studios", faults)


def create_alliance(store, caller, payload):
    access.require_union(caller, "only union reviewers and admins form alliances")
    data = load(AllianceSchema(), payload)
    _member_studios(store, caller, data["members"], "members")
    now = utc_now()
    alliance = alliances.new_alliance(data, data["unit"], now)
    stored = store.add_alliance(alliance, history_entry(caller, "create", now))
    return alliance_view(stored, caller)


def list_alliances(store, caller, query):
    query = load(AllianceQuerySchema(), query or {})
    condition = access.studio_scope(caller)
    if "studio_id" in condition:
        condition = {"members": condition.pop("studio_id")}
    if not access.within(condition, query):
        return page((), 0, query)
    if "unit" in query:
        condition["unit"] = query["unit"]
    total, found = store.find_alliances(condition, query["limit"], query["offset"])
    return page((alliance_view(a, caller) for a in found), total, query)


def get_alliance(store, caller, alliance_id):
    alliance = store.alliance(alliance_id)
    access.require_alliance_visible(caller, alliance)
    return alliance_view(alliance, caller)


def _change_alliance(store, caller, alliance_id, action, change):
    alliance = store.alliance(alliance_id)
    access.require_alliance_visible(caller, alliance)
    access.require_union(caller, "only union reviewers and admins change an alliance")
    changed, details = change(alliance)
    record = history_entry(caller, action, utc_now(), details=details)
    return alliance_view(store.save_alliance(alliance, changed, record), caller)


@optimistic
def join_alliance(store, caller, alliance_id, payload):
    data = load(AllianceStudioSchema(), payload)
    _member_studios(store, caller, [data["studio_id"]], "studio_id")
    return _change_alliance(store, caller, alliance_id, "join",
                            lambda a: (alliances.join(a, data["studio_id"]), data))


@optimistic
def leave_alliance(store, caller, alliance_id, payload):
    data = load(AllianceStudioSchema(), payload)
    return _change_alliance(store, caller, alliance_id, "leave",
                            lambda a: (alliances.leave(a, data["studio_id"]), data))


@optimistic
def rotate_convenor(store, caller, alliance_id, payload):
    data = load(AllianceStudioSchema(), payload)
    now = utc_now()
    return _change_alliance(store, caller, alliance_id, "rotate_convenor",
                            lambda a: (alliances.rotate_convenor(a, data["studio_id"], now), data))


@optimistic
def add_joint_project(store, caller, alliance_id, payload):
    data = load(JointProjectSchema(), payload)

    def change(alliance):
        changed, project = alliances.add_project(alliance, data)
        return changed, {"project_id": project["project_id"], "title": project["title"]}

    return _change_alliance(store, caller, alliance_id, "add_project", change)
