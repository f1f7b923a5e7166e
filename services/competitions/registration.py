"""Registration: workers enter trade events; organisers approve, reject or withdraw entries.

The ID number is kept only encrypted, with a keyed hash (the person key) for "one entry per worker
per event" and for matching the same person in other services, and a masked copy for display; it
arrives sealed by the gateway (common.personal_id), never in clear on the broker. Of
its digits only the region code stays in clear beside the masked copy: never the birth date, which
together with them would give the number back.
"""
from common.clock import beijing_today
from common.clock import utc_now
from common.errors import BadRequest, Conflict
from common.ids import new_id
from common.personal_id import birth_date, mask_id_number, validate_id_number
from common.schemas import page
from common.validation import load
from services.competitions import access
from services.competitions.api import EntryDecisionSchema, PageSchema, WorkerSchema
from services.competitions.domain import lifecycle
from services.competitions.domain.competition import find_event
from services.competitions.domain.eligibility import check_eligibility, enterprise_quota
from services.competitions.views import entry_view

PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"
# Entries that hold a place in their employer's quota.
HOLDS_PLACE = (PENDING, APPROVED)
# decision -> (entry statuses it applies to, competition statuses it is allowed in, new status)
DECISIONS = {
    "approve": ((PENDING, REJECTED), (lifecycle.REGISTRATION_OPEN, lifecycle.REGISTRATION_CLOSED), APPROVED),
    "reject": ((PENDING, APPROVED), (lifecycle.REGISTRATION_OPEN, lifecycle.REGISTRATION_CLOSED), REJECTED),
    # A no-show: possible until the results are signed off.
    "withdraw": ((PENDING, APPROVED), (lifecycle.REGISTRATION_OPEN, lifecycle.REGISTRATION_CLOSED,
                                       lifecycle.MARKING), WITHDRAWN),
}


def admissible_worker(event, payload, on_date):
    """The worker of ``payload`` (ID number in clear, normalised) if they may enter ``event``:
    the request's shape, the ID number and the event's eligibility rules, checked the same for one
    registration and for every row of a sheet; otherwise a BadRequest naming the fields at fault,
    the ID number's faults beside the others' (a sheet's row answers all it can at once)."""
    problems, message = {}, None
    try:
        worker = load(WorkerSchema(), payload)
    except BadRequest as refused:
        problems, message = refused.fields, refused.message
    try:
        number = validate_id_number(payload.get("id_number") if isinstance(payload, dict) else None)
    except BadRequest as refused:
        problems.setdefault("id_number", refused.fields["id_number"])
        message = message or refused.message
    if problems:
        raise BadRequest(message, problems)
    check_eligibility(event.get("eligibility"), event["trade"],
                      {**worker, "birth_date": birth_date(number)}, on_date)
    return {**worker, "id_number": number}


def open_event(store, caller, competition_id, event_id):
    """``(competition, event)`` of an event the caller organises and that takes registrations."""
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    event = find_event(competition, event_id)
    if not lifecycle.accepts_registrations(competition["status"]):
        raise Conflict("registration is not open for this competition")
    return competition, event


def new_entry(protector, caller, competition_id, event_id, worker):
    """The entry of an admissible worker, its ID number protected."""
    return {
        "_id": new_id("ent"), "competition_id": competition_id, "event_id": event_id,
        "person_key": protector.person_key(worker["id_number"]),
        "id_number_encrypted": protector.encrypt(worker["id_number"]),
        "id_number_masked": mask_id_number(worker["id_number"]),
        # The region code (first six digits) places the worker for regional statistics. The
        # birth date is not kept: the age limit is checked here, once, and with the region and
        # the masked number's last four it would rebuild the whole number.
        "region_code": worker["id_number"][:6],
        "name": worker["name"], "employer": worker["employer"], "trade": worker["trade"],
        "skill_level": worker["skill_level"], "phone": worker.get("phone"),
        "status": PENDING, "marks": {}, "completion_seconds": None, "audit": [],
        "registered_at": utc_now(), "registered_by": caller.subject,
    }


def add_entry(store, event, entry):
    """Store ``entry`` holding a place in its employer's quota; Conflict when the worker is
    already registered in the event or the quota is full, and then nothing is kept."""
    quota = enterprise_quota(event.get("eligibility"))
    if quota:
        store.reserve_quota_place(entry["event_id"], entry["employer"], quota)
    try:
        store.add_entry(entry)
    except Conflict:
        if quota:
            store.release_quota_place(entry["event_id"], entry["employer"])
        raise


def register_entry(store, protector, caller, competition_id, event_id, payload):
    payload = protector.unsealed(payload)
    competition, event = open_event(store, caller, competition_id, event_id)
    # An age limit counts whole years on the day of registration in China, not on the server.
    worker = admissible_worker(event, payload, beijing_today())
    entry = new_entry(protector, caller, competition_id, event_id, worker)
    add_entry(store, event, entry)
    return entry_view(entry, competition["status"])


def list_entries(store, caller, competition_id, event_id, query):
    query = load(PageSchema(), query or {})
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    find_event(competition, event_id)
    statuses = [query["status"]] if query.get("status") else None
    entries = store.entries_of(event_id, statuses, projection={"marks": 0, "audit": 0},
                               limit=query["limit"], offset=query["offset"])
    return page((entry_view(e, competition["status"]) for e in entries),
                store.count_entries(event_id, statuses), query)


def decide_entry(store, caller, competition_id, event_id, entry_id, payload):
    data = load(EntryDecisionSchema(), payload)
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    event = find_event(competition, event_id)
    entry = store.entry(event_id, entry_id)
    from_statuses, competition_statuses, status = DECISIONS[data["decision"]]
    if competition["status"] not in competition_statuses:
        raise Conflict(f"entries cannot be {status} while the competition is {competition['status']}")
    if entry["status"] not in from_statuses:
        raise Conflict(f"an entry that is {entry['status']} cannot be {status}")
    quota = enterprise_quota(event.get("eligibility"))
    regains_place = quota and entry["status"] not in HOLDS_PLACE and status in HOLDS_PLACE
    if regains_place:
        store.reserve_quota_place(event_id, entry["employer"], quota)
    changed = store.set_entry_status(entry_id, entry["status"], status, data.get("reason"), {
        "at": utc_now(), "by": caller.subject, "action": data["decision"], "old": entry["status"],
        "new": status, "reason": data.get("reason")})
    if changed is None:
        if regains_place:
            store.release_quota_place(event_id, entry["employer"])
        raise Conflict("the entry was changed by someone else meanwhile; reload and retry")
    if quota and entry["status"] in HOLDS_PLACE and status not in HOLDS_PLACE:
        store.release_quota_place(event_id, entry["employer"])
    return entry_view(changed, competition["status"])
