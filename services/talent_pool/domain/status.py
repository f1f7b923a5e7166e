"""Explicit status changes by curators: expiry and removal with a reason, and re-activation.

Allowed changes (anything else is refused, and so is a change to the status a talent already has)::

    active  -> expired | removed
    expired -> active (re-activation) | removed
    removed -> active (re-activation)
    candidate -> removed   (e.g. someone who must not be admitted automatically)

A candidate was never admitted, so it cannot be re-activated: it enters the pool by the admission
policy or through a nomination. Re-activation starts a new review period. Any explicit change
clears the ``needs_review`` flag: the curator has looked.
"""
from common.errors import Conflict
from .talent import ACTIVE, CANDIDATE, EXPIRED, REMOVED, begin_change, finish_change, review_date

# new status -> the statuses it may be reached from
TRANSITIONS = {
    ACTIVE: (EXPIRED, REMOVED),   # re-activation
    EXPIRED: (ACTIVE,),
    REMOVED: (CANDIDATE, ACTIVE, EXPIRED),
}


def change_status(talent, status, reason, policy, now, *, by):
    """A curator's explicit status change with its reason; Conflict if it is not allowed.

    Re-activation starts a new review period. A candidate was never admitted, so it cannot be
    re-activated: it enters the pool by the policy or through a nomination.
    """
    current = talent["status"]
    if status == current:
        raise Conflict(f"the talent is already {status}")
    if status not in TRANSITIONS or current not in TRANSITIONS[status]:
        raise Conflict(f"a talent that is {current} cannot become {status}")
    if status == ACTIVE and not talent.get("admitted_at"):
        raise Conflict("this person was never admitted: nominate them instead")
    talent, before, _ = begin_change(talent, talent["person_key"], now)
    talent.update(status=status, status_reason=reason, needs_review=None)
    if status == ACTIVE:
        talent["review_date"] = review_date(now, policy["review_years"])
    action = {ACTIVE: "reactivated", EXPIRED: "expired", REMOVED: "removed"}[status]
    return finish_change(talent, before, current, now, by, action, reason, {}, "status_changed",
                         {"kind": "curator", "by": by})
