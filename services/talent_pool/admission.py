"""Admission: competition awards in, talents out.

``record_award`` handles one ``competition.contestant_awarded`` v1 envelope. It is idempotent: the
honour it records carries the publication version, and an award already recorded at its version
or later changes nothing, so a redelivery, a replay of a parked message or a relay's resend is
harmless. It raises freely (an unknown version, a malformed payload, a store that keeps changing
under it): the reliable handler retries the message later and, if it keeps failing, parks it.

``record_on_talent`` is how the fact an event brings reaches one person's talent (the studios'
events take it too, studio_records.py), and ``write_talent`` the one way a talent is changed: read
it by person key, apply a pure change, write the whole record conditioned on the revision read,
with its events in the same write; if someone else wrote first (or inserted the same person's
talent first), read again and redo.
"""
from common.clock import utc_datetime
from common.repository import optimistic
from services.talent_pool import events
from services.talent_pool.domain.talent import apply_award


@optimistic(message="the talent kept changing while this change was being made; try again")
def write_talent(store, person_key, change, correlation_id=None):
    """Apply ``change(current_or_None) -> (talent, changes)`` to a person's talent and store it.

    Returns ``(talent, written)``; ``written`` is False when the change found nothing to do (it
    returned the talent it was given).
    """
    current = store.talent_by_person(person_key)
    talent, changes = change(current)
    if talent is current:
        return current, False
    envelopes = [events.announcement(talent, c, correlation_id) for c in changes]
    store.save_talent(current, talent, envelopes)
    return talent, True


def record_on_talent(store, envelope, person_key, apply, now=None):
    """Apply the fact an event brought to one person's talent, once: ``apply(current_or_None,
    now, by=..., event_ref=...) -> (talent, changes)`` is a domain rule that returns the talent it
    was given when the fact is already recorded. Returns what was decided."""
    now = now or utc_datetime()

    def change(current):
        return apply(current, now, by=envelope["source"], event_ref=envelope["event_id"])

    talent, written = write_talent(store, person_key, change, envelope.get("correlation_id"))
    return {"talent_id": talent["_id"] if talent else None, "written": written,
            "status": talent["status"] if talent else None}


def record_award(store, policy, envelope, now=None):
    """Record the award in ``envelope`` on its contestant's talent; returns what was decided."""
    award = events.read_award(envelope)
    return record_on_talent(
        store, envelope, award["person_key"],
        lambda current, when, **ref: apply_award(current, award, policy, when, **ref), now)
