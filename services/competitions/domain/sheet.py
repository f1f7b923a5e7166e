"""A judge's sheet: many marks in one request, applied entry by entry.

Each mark of a sheet carries a client id, made by the judge's device, so that a sheet resent after
a dropped connection changes nothing: the entry keeps, per judge and aspect, the client ids of the
last few marks that changed it, and a mark whose client id is among them is already taken.

All the sheet's marks for one entry are taken together or not at all: one mark refused holds the
others of its entry back, so that an entry is never left half marked from one sheet.
"""
from common.errors import JiangxinError

MAX_SHEET_MARKS = 500
# Per judge and aspect: a mark changes a handful of times at most, so this bounds the entry's
# size while still knowing a late resend of a mark a later one replaced.
KEPT_CLIENT_IDS = 10

TAKEN, UNCHANGED, ALREADY_TAKEN = "taken", "unchanged", "already_taken"
HELD_BACK = "held_back"


def by_entry(marks):
    """The sheet's marks grouped by entry code, each group and the groups in the sheet's order."""
    groups = {}
    for mark in marks:
        groups.setdefault(mark["entry_code"], []).append(mark)
    return groups


def already_applied(held, client_id):
    """Whether ``client_id`` is among the client ids ``held`` for one judge's mark on an entry."""
    return client_id in (held or ())


def with_client_id(held, client_id):
    """The client ids to hold after the mark ``client_id`` changed: the newest last, bounded."""
    return [*(held or ()), client_id][-KEPT_CLIENT_IDS:]


def plan_entry(marks, old_value, held_ids, value_of):
    """What the sheet's ``marks`` for one entry do, as ``(outcomes, changes)``.

    ``old_value(mark)`` and ``held_ids(mark)`` are this judge's current value and client ids for
    the mark's aspect; ``value_of(mark, old)`` is the value to store, or raises the error that the
    same mark sent alone would get. ``outcomes`` holds ``(mark, status, value or error)`` per mark
    in order; ``changes`` the ``(mark, old, new)`` to write, none when any mark was refused (the
    marks that would have changed are then HELD_BACK)."""
    outcomes, changes, refused = [], [], False
    for mark in marks:
        old = old_value(mark)
        if already_applied(held_ids(mark), mark["client_id"]):
            outcomes.append((mark, ALREADY_TAKEN, old))
            continue
        try:
            value = value_of(mark, old)
        except JiangxinError as error:
            outcomes.append((mark, error.code, error))
            refused = True
            continue
        if value == old:
            outcomes.append((mark, UNCHANGED, value))
        else:
            outcomes.append((mark, TAKEN, value))
            changes.append((mark, old, value))
    if refused:  # what would have changed is held back; what is already so stays reported so
        return [(mark, HELD_BACK, None) if status == TAKEN else (mark, status, result)
                for mark, status, result in outcomes], []
    return outcomes, changes
