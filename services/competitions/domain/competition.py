"""A competition as organisers and officials change it: its trade events and their rules, judges,
officials, lifecycle, signatures and publication.

Each change is a function that takes the competition (a plain dict) and the input, and returns
the new competition, never changing the one it was given; it raises Conflict when the change is
not allowed in the competition's present state, BadRequest when the input breaks the rules.
What was done, by whom and when (``record``) is kept beside the change by the use case, which
also stores it.
"""
import copy

from common.errors import BadRequest, Conflict, NotFound
from common.ids import new_id

from . import lifecycle
from .awards import DEFAULT_CERTIFIED_LEVEL, validate_awards
from .eligibility import validate_eligibility_rules
from .ranking import DEFAULT_TIE_BREAK, validate_tie_break
from .scheme import DEFAULT_COMPONENTS, SchemeIndex
from .scoring import validate_judging_rules

EVENT_RULES = ("eligibility", "marking_scheme", "judging", "ranking", "awards")
OFFICIALS = ("chief_judge", "supervisor")


def prefixed(error, prefix):
    """``error`` with every field it names placed under ``prefix``."""
    return BadRequest(error.message, {f"{prefix}.{k}": v for k, v in error.fields.items()})


def record(caller, action, now, **details):
    """One line of a competition's history: who did what, when, with what."""
    return {"at": now, "by": caller.subject, "role": caller.role, "action": action, **details}


# --- trade events


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


def _with_default_components(event):
    if event["marking_scheme"] and not event["marking_scheme"].get("components"):
        event["marking_scheme"] = {**event["marking_scheme"],
                                   "components": [dict(c) for c in DEFAULT_COMPONENTS]}
    return event


def new_event(data):
    """A trade event as the organiser describes it, its rules checked."""
    event = {"id": new_id("evt"), "trade": data["trade"], "name": data.get("name") or data["trade"],
             "skill_level": data.get("skill_level") or DEFAULT_CERTIFIED_LEVEL, "judges": []}
    for key in EVENT_RULES:
        event[key] = copy.deepcopy(data.get(key)) or {}
    return _with_default_components(event)


def find_event(competition, event_id):
    for event in competition["events"]:
        if event["id"] == event_id:
            return event
    raise NotFound(f"no event {event_id} in competition {competition['_id']}")


def require_scheme(event):
    """The event's marking scheme; Conflict naming it while the organiser has not set one."""
    if not event.get("marking_scheme"):
        raise Conflict(f"the event {event['trade']} has no marking scheme yet",
                       {f"events.{event['id']}.marking_scheme": ["set the marking scheme first"]})
    return event["marking_scheme"]


def _replacing_event(competition, event_id, change):
    find_event(competition, event_id)
    events = [change(copy.deepcopy(e)) if e["id"] == event_id else e for e in competition["events"]]
    return {**competition, "events": events}


# --- changes


def new_competition(data, unit, by, now):
    """A draft competition of ``unit``, with the trade events ``data`` describes."""
    events = [new_event(event) for event in data.get("events", [])]
    for position, event in enumerate(events):
        check_event_rules(event, f"events.{position}")
    return {
        "_id": new_id("cmp"), "name": data["name"], "level": data["level"],
        "industry_chain": data["industry_chain"], "organising_unit": unit,
        "year": data.get("year"), "description": data.get("description", ""),
        "status": lifecycle.DRAFT, "events": events, "officials": {}, "sign_offs": {},
        "publication": None, "revision": 1, "created_at": now, "created_by": by,
    }


def add_event(competition, data):
    """``(competition, event)``: the competition with one more trade event."""
    if competition["status"] != lifecycle.DRAFT:
        raise Conflict("trade events can only be added while the competition is a draft")
    event = new_event(data)
    check_event_rules(event)
    return {**competition, "events": [*competition["events"], event]}, event


def update_event(competition, event_id, changes):
    """The competition with the rules ``changes`` names replaced in one event."""
    find_event(competition, event_id)
    if not lifecycle.is_editable_scheme(competition["status"]):
        raise Conflict("an event's rules are fixed once marking has started")

    def change(event):
        event = _with_default_components({**event, **copy.deepcopy(changes)})
        check_event_rules(event)
        return event

    return _replacing_event(competition, event_id, change)


def set_officials(competition, officials):
    if lifecycle.results_locked(competition["status"]) or competition["status"] == lifecycle.SIGNED_OFF:
        raise Conflict("officials cannot change once results are signed off")
    return {**competition, "officials": {**competition.get("officials", {}), **officials}}


def take_action(competition, action):
    """The competition after a lifecycle ``action`` (open or close registration, start marking,
    reopen marking, cancel)."""
    status = lifecycle.next_status(competition["status"], action)
    if action == lifecycle.OPEN_REGISTRATION:
        _require_ready_for_registration(competition)
    changed = {**competition, "status": status}
    if action == lifecycle.REOPEN_MARKING:
        changed["sign_offs"] = {}  # a re-mark needs fresh signatures
    return changed


def _require_ready_for_registration(competition):
    problems = {}
    if not competition["events"]:
        problems["events"] = ["add at least one trade event first"]
    for position, event in enumerate(competition["events"]):
        if not event.get("marking_scheme"):
            problems[f"events.{position}.marking_scheme"] = ["set the marking scheme first"]
    if problems:
        raise Conflict("the competition is not ready to open registration", problems)


def assign_judge(competition, event_id, judge):
    if competition["status"] in (lifecycle.SIGNED_OFF, lifecycle.PUBLISHED, lifecycle.CANCELLED):
        raise Conflict(f"judges cannot be assigned once the competition is {competition['status']}")
    if any(j["judge_id"] == judge["judge_id"] for j in find_event(competition, event_id)["judges"]):
        raise Conflict(f"{judge['judge_id']} already judges this event")
    return _replacing_event(competition, event_id,
                            lambda event: {**event, "judges": [*event["judges"], dict(judge)]})


def official_role(competition, subject):
    """Which signature ``subject`` gives: the chief judge's or the supervisor's."""
    return "chief_judge" if subject == competition["officials"].get("chief_judge") else "supervisor"


def sign_off(competition, role, by, now):
    """The competition with ``role``'s signature; signed off once both officials have signed."""
    lifecycle.next_status(competition["status"], lifecycle.SIGN_OFF)  # 409 unless marking
    if role in competition.get("sign_offs", {}):
        raise Conflict(f"the {role.replace('_', ' ')} has already signed off")
    signatures = {**competition.get("sign_offs", {}), role: {"by": by, "at": now}}
    changed = {**competition, "sign_offs": signatures}
    if all(official in signatures for official in OFFICIALS):
        changed["status"] = lifecycle.SIGNED_OFF
    return changed


def publish(competition, published_at, correlation_id, correction_reason=None):
    """The competition with its results published (again, after a correction) as the next
    version, its contestants' announcements pending."""
    action = lifecycle.CORRECT if correction_reason is not None else lifecycle.PUBLISH
    status = lifecycle.next_status(competition["status"], action)
    if action == lifecycle.CORRECT and competition.get("fanout_pending") is not None:
        raise Conflict("the previous publication is still being announced; retry shortly")
    version = ((competition.get("publication") or {}).get("version") or 0) + 1
    return {**competition, "status": status, "fanout_pending": version,
            "publication": {"version": version, "published_at": published_at,
                            "correlation_id": correlation_id, "correction_reason": correction_reason}}
