"""Registration by spreadsheet: an organiser's sheet of workers previewed, then confirmed.

The gateway reads the file and sends its rows, ID numbers sealed (api.sheet_workers). Every row is
checked as one registration is (registration.admissible_worker), and against the rest of the
sheet and the event: the same worker twice in the sheet, a worker already registered, an
employer's quota. A preview answers every row's errors and changes nothing; a confirmation
registers the rows without errors. Confirming the same sheet again registers nothing twice: the
workers already registered are answered as such (one entry per worker and event is the
repository's unique index, so this holds for concurrent confirmations too).
"""
import functools

from common.clock import beijing_today
from common.errors import BadRequest, Conflict
from common.validation import load
from services.competitions.api import COLUMN_OF_FIELD, EntrySheetSchema
from services.competitions.domain.eligibility import enterprise_quota
from services.competitions.registration import add_entry, admissible_worker, new_entry, open_event

ID_COLUMN = COLUMN_OF_FIELD["id_number"]
EMPLOYER_COLUMN = COLUMN_OF_FIELD["employer"]
ALREADY_REGISTERED = "already registered in this event"
# What a preview shows of a valid row (the ID number masked on the way out).
PREVIEWED = ("name", "id_number", "employer", "trade", "skill_level")


def row_errors(row, refused):
    """``{row, column, message}`` of each message of a BadRequest about one row."""
    return [{"row": row, "column": COLUMN_OF_FIELD.get(field, field), "message": message}
            for field, messages in refused.fields.items() for message in messages]


def check_rows(rows, event, person_key, registered, places_taken, on_date):
    """Every row of a sheet checked for ``event``: ``(admitted, errors, already)``.

    ``rows`` are ``{"row", field: text}`` with ID numbers in clear; ``person_key(number)`` the
    worker's key, ``registered`` the keys already in the event, ``places_taken`` the places each
    employer already holds in its quota. ``admitted`` lists ``(row, worker)`` that may be
    registered, ``errors`` ``{row, column, message}``, ``already`` the rows of workers registered
    before. A row at fault answers all it can: every field of its own, then the sheet's checks.
    """
    quota = enterprise_quota(event.get("eligibility"))
    admitted, errors, already = [], [], []
    first_row_of = {}
    taken = dict(places_taken)
    for fields in rows:
        row = fields["row"]
        try:
            worker = admissible_worker(event, {k: v for k, v in fields.items() if k != "row"}, on_date)
        except BadRequest as refused:
            errors.extend(row_errors(row, refused))
            continue
        key = person_key(worker["id_number"])
        if key in first_row_of:
            errors.append({"row": row, "column": ID_COLUMN,
                           "message": f"the same worker as in row {first_row_of[key]}"})
            continue
        first_row_of[key] = row
        if key in registered:
            already.append(row)
            continue
        employer = worker["employer"]
        if quota and taken.get(employer, 0) >= quota:
            errors.append({"row": row, "column": EMPLOYER_COLUMN,
                           "message": f"{employer} would pass its quota of {quota} entries in this event"})
            continue
        taken[employer] = taken.get(employer, 0) + 1
        admitted.append((row, worker))
    return admitted, errors, already


def _checked(store, protector, caller, competition_id, event_id, payload):
    sheet = load(EntrySheetSchema(), payload)
    rows = [protector.unsealed(fields) for fields in sheet["workers"]]
    competition, event = open_event(store, caller, competition_id, event_id)
    # Each key is computed once: first to ask the store which workers are registered already.
    person_key = functools.lru_cache(maxsize=None)(protector.person_key)
    candidates = []
    for fields in rows:
        try:
            candidates.append(person_key(fields.get("id_number")))
        except BadRequest:
            pass  # answered with the row's other errors by check_rows
    employers = {fields["employer"] for fields in rows if fields.get("employer")}
    admitted, errors, already = check_rows(rows, event, person_key,
                                           store.registered_person_keys(event_id, candidates),
                                           store.quota_places_taken(event_id, employers),
                                           beijing_today())
    return competition, event, len(rows), admitted, errors, already


def _by_row(errors):
    return sorted(errors, key=lambda error: error["row"])


def preview_entry_sheet(store, protector, caller, competition_id, event_id, payload):
    _, _, count, admitted, errors, already = _checked(store, protector, caller, competition_id,
                                                      event_id, payload)
    errors += [{"row": row, "column": ID_COLUMN, "message": ALREADY_REGISTERED} for row in already]
    return {"rows": count, "valid": len(admitted), "errors": _by_row(errors),
            "workers": [{"row": row, "worker": {key: worker[key] for key in PREVIEWED}}
                        for row, worker in admitted]}


def import_entry_sheet(store, protector, caller, competition_id, event_id, payload):
    _, event, count, admitted, errors, already = _checked(store, protector, caller, competition_id,
                                                          event_id, payload)
    registered = []
    for row, worker in admitted:
        try:
            add_entry(store, event, new_entry(protector, caller, competition_id, event_id, worker))
        except Conflict as refused:
            # Registered or a quota filled meanwhile, by someone else: the same answers as above.
            if "id_number" in refused.fields:
                already.append(row)
            else:
                errors.extend(row_errors(row, refused))
            continue
        registered.append(row)
    return {"rows": count, "registered_rows": registered, "already_registered_rows": sorted(already),
            "errors": _by_row(errors)}
