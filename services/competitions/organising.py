"""Organising a competition: its trade events and their rules, officials and lifecycle."""
from common.errors import BadRequest, Conflict, NotFound
from common.events import utc_now
from common.ids import new_id
from common.repository import optimistic
from common.schemas import page
from common.validation import load
from services.competitions import access
from services.competitions.domain import lifecycle
from services.competitions.domain.awards import DEFAULT_CERTIFIED_LEVEL, validate_awards
from services.competitions.domain.eligibility import validate_eligibility_rules
from services.competitions.domain.ranking import DEFAULT_TIE_BREAK, validate_tie_break
from services.competitions.domain.scheme import DEFAULT_COMPONENTS, SchemeIndex
from services.competitions.domain.scoring import validate_judging_rules
from services.competitions.api import (CompetitionSchema, OfficialsSchema, PageSchema,
                                       StatusChangeSchema, TradeEventPatchSchema, TradeEventSchema)
from services.competitions.views import competition_view

EVENT_RULES = ("eligibility", "marking_scheme", "judging", "ranking", "awards")


def _load(schema, payload, **kwargs):
    # The gateway checked the same schema, but RPC is an interface of its own.
    return load(schema(**kwargs), payload)


def prefixed(error, prefix):
    return BadRequest(error.message, {f"{prefix}.{k}": v for k, v in error.fields.items()})


def check_event_rules(event, prefix="event"):
    """Semantic checks of an event's rules, beyond their shape."""
    checks = {
        "eligibility": validate_eligibility_rules,
        "judging": validate_judging_rules,
        "awards": validate_awards,
    }
    for key, check in checks.items():
        if event.get(key):
            try:
                check(event[key])
            except BadRequest as error:
                raise prefixed(error, f"{prefix}.{key}") from None
    if event.get("marking_scheme"):
        try:
            index = SchemeIndex(event["marking_scheme"])
        except BadRequest as error:
            raise prefixed(error, f"{prefix}.marking_scheme") from None
        try:
            validate_tie_break((event.get("ranking") or {}).get("tie_break", DEFAULT_TIE_BREAK),
                               index.component_keys)
        except BadRequest as error:
            raise prefixed(error, f"{prefix}.ranking") from None


def new_event(data):
    event = {"id": new_id("evt"), "trade": data["trade"], "name": data.get("name") or data["trade"],
             "skill_level": data.get("skill_level") or DEFAULT_CERTIFIED_LEVEL, "judges": []}
    for key in EVENT_RULES:
        event[key] = data.get(key) or {}
    if event["marking_scheme"] and not event["marking_scheme"].get("components"):
        event["marking_scheme"]["components"] = [dict(c) for c in DEFAULT_COMPONENTS]
    return event


def require_scheme(event):
    """The event's marking scheme; Conflict naming it while the organiser has not set one."""
    if not event.get("marking_scheme"):
        raise Conflict(f"the event {event['trade']} has no marking scheme yet",
                       {f"events.{event['id']}.marking_scheme": ["set the marking scheme first"]})
    return event["marking_scheme"]


def history_entry(caller, action, **details):
    return {"at": utc_now(), "by": caller.subject, "role": caller.role, "action": action, **details}


def find_event(competition, event_id):
    for event in competition["events"]:
        if event["id"] == event_id:
            return event
    raise NotFound(f"no event {event_id} in competition {competition['_id']}")


def create_competition(store, caller, payload):
    data = _load(CompetitionSchema, payload)
    unit = data.get("organising_unit") or caller.unit
    if not caller.is_admin and unit != caller.unit:
        raise BadRequest("organisers create competitions for their own unit",
                         {"organising_unit": ["must be your own organising unit"]})
    if not unit:
        raise BadRequest("name the organising unit", {"organising_unit": ["required"]})
    events = [new_event(event) for event in data.get("events", [])]
    for position, event in enumerate(events):
        check_event_rules(event, f"events.{position}")
    now = utc_now()
    competition = {
        "_id": new_id("cmp"), "name": data["name"], "level": data["level"],
        "industry_chain": data["industry_chain"], "organising_unit": unit,
        "year": data.get("year"), "description": data.get("description", ""),
        "status": lifecycle.DRAFT, "events": events, "officials": {}, "sign_offs": {},
        "publication": None, "revision": 1, "created_at": now, "created_by": caller.subject,
        "history": [history_entry(caller, "create")],
    }
    store.add_competition(competition)
    return competition_view(competition, caller)


def list_competitions(store, caller, query):
    query = _load(PageSchema, query or {})
    condition = {}
    if not caller.is_admin:
        # What the caller may see: their unit's competitions, and everything published.
        visible = [{"status": lifecycle.PUBLISHED}]
        if caller.unit:
            visible.append({"organising_unit": caller.unit})
        condition["$or"] = visible
    if query.get("status"):
        condition["status"] = query["status"]
    found = store.find_competitions(condition, query["limit"], query["offset"])
    return page((competition_view(c, caller, summary=True) for c in found),
                store.count_competitions(condition), query)


def get_competition(store, caller, competition_id):
    competition = access.visible_competition(store, caller, competition_id, with_history=True)
    return competition_view(competition, caller)


@optimistic
def add_event(store, caller, competition_id, payload):
    data = _load(TradeEventSchema, payload)
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    if competition["status"] != lifecycle.DRAFT:
        raise Conflict("trade events can only be added while the competition is a draft")
    event = new_event(data)
    check_event_rules(event)
    changed = store.update_competition(competition, {
        "$push": {"events": event, "history": history_entry(caller, "add_event", event_id=event["id"])}})
    return competition_view(changed, caller)


@optimistic
def update_event(store, caller, competition_id, event_id, payload):
    data = _load(TradeEventPatchSchema, payload)
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    position = competition["events"].index(find_event(competition, event_id))
    if not lifecycle.is_editable_scheme(competition["status"]):
        raise Conflict("an event's rules are fixed once marking has started")
    event = {**competition["events"][position], **data}
    if data.get("marking_scheme") and not data["marking_scheme"].get("components"):
        event["marking_scheme"]["components"] = [dict(c) for c in DEFAULT_COMPONENTS]
    check_event_rules(event)
    changed = store.update_competition(competition, {
        "$set": {f"events.{position}": event},
        "$push": {"history": history_entry(caller, "update_event", event_id=event_id,
                                           fields=sorted(data))}})
    return competition_view(changed, caller)


@optimistic
def set_officials(store, caller, competition_id, payload):
    data = _load(OfficialsSchema, payload)
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    if lifecycle.results_locked(competition["status"]) or competition["status"] == lifecycle.SIGNED_OFF:
        raise Conflict("officials cannot change once results are signed off")
    officials = {**competition.get("officials", {}), **data}
    changed = store.update_competition(competition, {
        "$set": {"officials": officials},
        "$push": {"history": history_entry(caller, "set_officials", officials=officials)}})
    return competition_view(changed, caller)


@optimistic
def change_status(store, caller, competition_id, payload):
    data = _load(StatusChangeSchema, payload)
    competition = store.competition(competition_id)
    action = data["action"]
    if action == lifecycle.REOPEN_MARKING:
        access.require_official(caller, competition)
    else:
        access.require_organiser(caller, competition)
    status = lifecycle.next_status(competition["status"], action)
    if action == lifecycle.OPEN_REGISTRATION:
        _require_ready_for_registration(competition)
    update = {"$set": {"status": status},
              "$push": {"history": history_entry(caller, action, reason=data.get("reason"),
                                                 previous=competition["status"], status=status)}}
    if action == lifecycle.REOPEN_MARKING:
        update["$set"]["sign_offs"] = {}  # a re-mark needs fresh signatures
    changed = store.update_competition(competition, update)
    return competition_view(changed, caller)


def _require_ready_for_registration(competition):
    problems = {}
    if not competition["events"]:
        problems["events"] = ["add at least one trade event first"]
    for position, event in enumerate(competition["events"]):
        if not event.get("marking_scheme"):
            problems[f"events.{position}.marking_scheme"] = ["set the marking scheme first"]
    if problems:
        raise Conflict("the competition is not ready to open registration", problems)
