"""Organising a competition: its trade events and their rules, officials and lifecycle.

Each use case loads its input, reads the competition, checks that the caller may do this, applies
the rule (domain/competition.py) and saves the new competition with a line of its history.
"""
from common.clock import utc_now
from common.errors import BadRequest
from common.repository import optimistic
from common.schemas import page
from common.validation import load
from services.competitions import access
from services.competitions.api import (CompetitionSchema, OfficialsSchema, PageSchema,
                                       StatusChangeSchema, TradeEventPatchSchema, TradeEventSchema)
from services.competitions.domain import competition as rules
from services.competitions.domain import lifecycle
from services.competitions.views import competition_view


def _load(schema, payload):
    # The gateway checked the same schema, but RPC is an interface of its own.
    return load(schema(), payload)


def create_competition(store, caller, payload):
    data = _load(CompetitionSchema, payload)
    unit = data.get("organising_unit") or caller.unit
    if not caller.is_admin and unit != caller.unit:
        raise BadRequest("organisers create competitions for their own unit",
                         {"organising_unit": ["must be your own organising unit"]})
    if not unit:
        raise BadRequest("name the organising unit", {"organising_unit": ["required"]})
    now = utc_now()
    competition = rules.new_competition(data, unit, caller.subject, now)
    stored = store.add_competition(competition, rules.record(caller, "create", now))
    return competition_view(stored, caller)


def list_competitions(store, caller, query):
    query = _load(PageSchema, query or {})
    # What the caller may see: their unit's competitions, and everything published.
    total, found = store.visible_competitions(None if caller.is_admin else caller.unit,
                                              caller.is_admin, query.get("status"),
                                              query["limit"], query["offset"])
    return page((competition_view(c, caller, summary=True) for c in found), total, query)


def get_competition(store, caller, competition_id):
    competition = access.visible_competition(store, caller, competition_id, with_history=True)
    return competition_view(competition, caller)


@optimistic
def add_event(store, caller, competition_id, payload):
    data = _load(TradeEventSchema, payload)
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    changed, event = rules.add_event(competition, data)
    stored = store.save_competition(competition, changed, rules.record(
        caller, "add_event", utc_now(), event_id=event["id"]))
    return competition_view(stored, caller)


@optimistic
def update_event(store, caller, competition_id, event_id, payload):
    data = _load(TradeEventPatchSchema, payload)
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    changed = rules.update_event(competition, event_id, data)
    stored = store.save_competition(competition, changed, rules.record(
        caller, "update_event", utc_now(), event_id=event_id, fields=sorted(data)))
    return competition_view(stored, caller)


@optimistic
def set_officials(store, caller, competition_id, payload):
    data = _load(OfficialsSchema, payload)
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    changed = rules.set_officials(competition, data)
    stored = store.save_competition(competition, changed, rules.record(
        caller, "set_officials", utc_now(), officials=changed["officials"]))
    return competition_view(stored, caller)


@optimistic
def change_status(store, caller, competition_id, payload):
    data = _load(StatusChangeSchema, payload)
    competition = store.competition(competition_id)
    action = data["action"]
    if action == lifecycle.REOPEN_MARKING:
        access.require_official(caller, competition)
    else:
        access.require_organiser(caller, competition)
    changed = rules.take_action(competition, action)
    stored = store.save_competition(competition, changed, rules.record(
        caller, action, utc_now(), reason=data.get("reason"), previous=competition["status"],
        status=changed["status"]))
    return competition_view(stored, caller)
