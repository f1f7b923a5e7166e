"""Curation: manual nominations and their review, and curators' explicit status changes.

A nomination stores the ID number only encrypted, with the person key (to find the same person's
talent) and the masked number for display. Passing its last stage admits the worker: the
nomination is closed as ``admitted`` first, then its talent is admitted or updated (idempotent
per nomination), then the nomination records the talent. A crash in between leaves the nomination
admitted but not yet applied, and ``resume_admissions`` (on a timer) finishes it.
"""
from common.clock import utc_datetime
from common.errors import Conflict
from common.ids import new_id
from common.schemas import page
from common.validation import load
from services.talent_pool import access
from services.talent_pool.admission import write_talent
from services.talent_pool.api import (NominationQuerySchema, NominationReviewSchema,
                                      NominationSchema, TalentStatusChangeSchema)
from services.talent_pool.domain.nomination import ADMITTED, open_nomination, review
from services.talent_pool.domain.status import change_status
from services.talent_pool.domain.talent import apply_nomination
from services.talent_pool.views import nomination_view, talent_view


def change_talent_status(store, policy, caller, talent_id, payload, correlation_id=None):
    data = load(TalentStatusChangeSchema(), payload)
    talent = store.talent(talent_id)
    access.require_curator_of(caller, talent)
    now = utc_datetime()

    def change(current):
        if current is None or current["_id"] != talent_id:
            raise Conflict(f"talent {talent_id} changed meanwhile; reload it")
        return change_status(current, data["status"], data["reason"], policy, now, by=caller.subject)

    changed, _ = write_talent(store, talent["person_key"], change, correlation_id)
    return talent_view(changed)


def nominate(store, protector, caller, payload):
    access.require_curator(caller)
    data = load(NominationSchema(), protector.unsealed(payload))  # the gateway sealed the number
    protected = protector.protect(data["id_number"])
    facts = {**protected, "region_code": data["id_number"].strip()[:6],
             **{key: data[key] for key in ("name", "employer", "industry_chain", "trade",
                                           "skill_level", "reason")}}
    nomination = open_nomination(facts, caller.subject, utc_datetime(), new_id("nom"))
    store.add_nomination(nomination)
    return nomination_view(nomination)


def list_nominations(store, caller, query):
    access.require_curator(caller)
    query = load(NominationQuerySchema(), query or {})
    condition = {key: query[key] for key in ("status", "stage") if query.get(key)}
    found = store.find_nominations(condition, query["limit"], query["offset"])
    return page((nomination_view(n) for n in found), store.count_nominations(condition), query)


def get_nomination(store, caller, nomination_id):
    nomination = store.nomination(nomination_id)
    access.require_nomination_visible(caller, nomination)
    return nomination_view(nomination)


def review_nomination(store, policy, caller, nomination_id, payload, correlation_id=None):
    data = load(NominationReviewSchema(), payload)
    nomination = store.nomination(nomination_id)
    access.require_nomination_visible(caller, nomination)
    reviewed = review(nomination, data["decision"], data["comment"], caller.subject, utc_datetime(),
                      data.get("stage"))
    store.save_nomination(nomination, reviewed)
    if reviewed["status"] == ADMITTED:
        reviewed = admit_nominee(store, policy, reviewed, correlation_id)
    return nomination_view(reviewed)


def admit_nominee(store, policy, nomination, correlation_id=None):
    """Admit (or update) the talent of a nomination that passed; safe to run again."""
    now = utc_datetime()
    by = nomination["reviews"][-1]["by"] if nomination["reviews"] else "talent_pool"

    def change(current):
        return apply_nomination(current, nomination, policy, now, by=by)

    talent, _ = write_talent(store, nomination["person_key"], change, correlation_id)
    store.mark_nomination_applied(nomination["_id"], talent["_id"])
    return {**nomination, "talent_applied": True, "talent_id": talent["_id"]}


def resume_admissions(store, policy):
    """Finish every admission a crash left between the nomination and its talent."""
    for nomination in store.nominations_to_apply():
        admit_nominee(store, policy, nomination)
