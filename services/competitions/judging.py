"""Judging: judges assigned per event mark the entries they may mark, every change audited.

A judge never marks an entry from their own enterprise, and sees entries only by blind code.
"""
from common.clock import utc_now
from common.errors import Conflict, Forbidden, JiangxinError, NotFound
from common.repository import MAX_ATTEMPTS, optimistic
from common.validation import load
from services.competitions import access
from services.competitions.api import CompletionTimeSchema, JudgeSchema, MarkSchema, SheetSchema
from services.competitions.domain import competition as rules
from services.competitions.domain import lifecycle
from services.competitions.domain import sheet as sheets
from services.competitions.domain.competition import find_event, require_scheme
from services.competitions.domain.scheme import SchemeIndex
from services.competitions.registration import APPROVED
from services.competitions.repository import field_key, from_field_key

MARK = MarkSchema()
SHEET = SheetSchema()
COMPLETION_TIME = CompletionTimeSchema()
JUDGE = JudgeSchema()


# Every mark checks its value against the event's scheme: index it once per competition revision
# (any change to the competition bumps the revision, so a stale index is never used).
_indexes = {}
MAX_INDEXES = 256


def scheme_index(competition, event):
    key = (competition["_id"], competition["revision"], event["id"])
    index = _indexes.get(key)
    if index is None:
        if len(_indexes) >= MAX_INDEXES:
            _indexes.clear()
        index = _indexes[key] = SchemeIndex(require_scheme(event), validate=False)
    return index


@optimistic
def assign_judge(store, caller, competition_id, event_id, payload):
    judge = load(JUDGE, payload)
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    changed = rules.assign_judge(competition, event_id, judge)
    store.save_competition(competition, changed, rules.record(
        caller, "assign_judge", utc_now(), event_id=event_id, judge_id=judge["judge_id"]))
    return judge


def _marking_judge(caller, competition, event):
    """The caller's assignment on ``event``, once they are shown to be a judge of it while the
    competition accepts marks."""
    assignment = access.require_judge(caller, competition, event)
    if not lifecycle.accepts_marks(competition["status"]):
        raise Conflict(f"marks are accepted only while marking is in progress, not while "
                       f"the competition is {competition['status']}")
    return assignment


def _require_markable(entry, assignment):
    if entry["status"] != APPROVED:
        raise Conflict(f"entry {entry['code']} is {entry['status']}, not approved for marking")
    if entry["employer"] == assignment["enterprise"]:
        raise Forbidden("a judge never marks an entry from their own enterprise")


def _markable_entry(store, caller, competition, event, code):
    """The entry behind ``code``, once the caller is shown to be allowed to mark it."""
    assignment = _marking_judge(caller, competition, event)
    entry = store.entry_by_code(event["id"], code)
    _require_markable(entry, assignment)
    return entry


def _audit_record(caller, what, old, new, reason):
    return {"at": utc_now(), "by": caller.subject, **what, "old": old, "new": new, "reason": reason}


def _audited_set(store, caller, entry, path, old, new, what, reason):
    """Set one value of an entry if it still holds ``old``, with an audit record in the same write."""
    if not store.set_entry_value(entry["_id"], path, old, new, _audit_record(caller, what, old, new, reason)):
        raise Conflict("this mark was changed by someone else meanwhile; reload and retry")


def _value_to_store(index, mark, old):
    """What ``mark`` stores where the judge's mark on its aspect is now ``old``: BadRequest when
    outside the aspect's range, Conflict for a change without a reason."""
    index.mark_value(mark["aspect_id"], mark["value"])
    value = mark["value"]
    if index.aspect(mark["aspect_id"]).kind == "judgement":
        value = int(value)
    if old is not None and old != value and not mark.get("reason"):
        raise Conflict("changing a mark needs a reason", {"reason": ["required to change a mark"]})
    return value


def submit_mark(store, caller, competition_id, event_id, payload):
    mark = load(MARK, payload)
    competition = access.visible_competition(store, caller, competition_id)
    event = find_event(competition, event_id)
    entry = _markable_entry(store, caller, competition, event, mark["entry_code"])
    index = scheme_index(competition, event)
    aspect_key, judge_key = field_key(mark["aspect_id"]), field_key(caller.subject)
    old = entry["marks"].get(aspect_key, {}).get(judge_key)
    value = _value_to_store(index, mark, old)
    if old == value:
        return {"entry_code": entry["code"], "aspect_id": mark["aspect_id"], "value": value,
                "changed": False}
    _audited_set(store, caller, entry, f"marks.{aspect_key}.{judge_key}", old, value,
                 {"aspect_id": mark["aspect_id"], "judge_id": caller.subject}, mark.get("reason"))
    return {"entry_code": entry["code"], "aspect_id": mark["aspect_id"], "value": value,
            "changed": True}


HELD_BACK_MESSAGE = "not taken: another mark of this entry was refused, and an entry's marks are taken together"


def submit_sheet(store, caller, competition_id, event_id, payload):
    """Many marks of one judge in one request, each exactly as valid as sent alone and audited
    the same way, applied entry by entry: one write per entry, all its marks or none."""
    sheet = load(SHEET, payload)
    competition = access.visible_competition(store, caller, competition_id)
    event = find_event(competition, event_id)
    # Not the judge of this event, or not marking: nothing of the sheet could be taken, so the
    # whole sheet is refused as a single mark would be.
    assignment = _marking_judge(caller, competition, event)
    index = scheme_index(competition, event)
    groups = sheets.by_entry(sheet["marks"])
    entries = {entry["code"]: entry for entry in store.entries_by_codes(event_id, groups)}
    taken, refused = [], []
    for code, marks in groups.items():
        for mark, outcome, detail in _sheet_entry(store, caller, assignment, index, event_id,
                                                  entries.get(code), marks):
            receipt = {"client_id": mark["client_id"], "entry_code": code,
                       "aspect_id": mark["aspect_id"]}
            if outcome in (sheets.TAKEN, sheets.UNCHANGED, sheets.ALREADY_TAKEN):
                taken.append({**receipt, "value": detail, "outcome": outcome})
            elif outcome == sheets.HELD_BACK:
                refused.append({**receipt, "error": outcome, "message": HELD_BACK_MESSAGE})
            else:
                refused.append({**receipt, "error": outcome, "message": detail.message})
    return {"competition_id": competition_id, "event_id": event_id, "taken": taken, "refused": refused}


def _sheet_entry(store, caller, assignment, index, event_id, entry, marks):
    """The outcome of each of the sheet's ``marks`` for one entry, after at most one write of it;
    planned again from a fresh read when someone else changed the entry meanwhile."""
    judge_key = field_key(caller.subject)
    for _ in range(MAX_ATTEMPTS):
        try:
            if entry is None:
                raise NotFound(f"no entry with code {marks[0]['entry_code']} in event {event_id}")
            _require_markable(entry, assignment)
        except JiangxinError as error:
            return [(mark, error.code, error) for mark in marks]
        marked, held = entry["marks"], entry.get("client_ids", {})
        outcomes, changes = sheets.plan_entry(
            marks,
            lambda mark: marked.get(field_key(mark["aspect_id"]), {}).get(judge_key),
            lambda mark: held.get(field_key(mark["aspect_id"]), {}).get(judge_key),
            lambda mark, old: _value_to_store(index, mark, old))
        if not changes or store.set_entry_values(entry["_id"], *_sheet_write(caller, held, changes)):
            return outcomes
        fresh = store.entries_by_codes(event_id, [entry["code"]])
        entry = fresh[0] if fresh else None
    error = Conflict("this entry's marks kept changing meanwhile; send them again")
    return [(mark, error.code, error) for mark in marks]


def _sheet_write(caller, held, changes):
    """The one write of an entry's changed marks: ``(expected old values, new values, audits)``,
    each mark's client id kept beside it."""
    judge_key = field_key(caller.subject)
    expected, values, audits = {}, {}, []
    for mark, old, new in changes:
        aspect_key = field_key(mark["aspect_id"])
        path = f"marks.{aspect_key}.{judge_key}"
        expected[path], values[path] = old, new
        values[f"client_ids.{aspect_key}.{judge_key}"] = sheets.with_client_id(
            held.get(aspect_key, {}).get(judge_key), mark["client_id"])
        audits.append(_audit_record(caller, {"aspect_id": mark["aspect_id"], "judge_id": caller.subject,
                                             "client_id": mark["client_id"]}, old, new, mark.get("reason")))
    return expected, values, audits


def record_completion_time(store, caller, competition_id, event_id, payload):
    data = load(COMPLETION_TIME, payload)
    competition = access.visible_competition(store, caller, competition_id)
    event = find_event(competition, event_id)
    entry = _markable_entry(store, caller, competition, event, data["entry_code"])
    old = entry.get("completion_seconds")
    if old is not None and old != data["seconds"] and not data.get("reason"):
        raise Conflict("changing a completion time needs a reason", {"reason": ["required"]})
    _audited_set(store, caller, entry, "completion_seconds", old, data["seconds"],
                 {"aspect_id": "completion_time", "judge_id": caller.subject}, data.get("reason"))
    return {"entry_code": entry["code"], "completion_seconds": data["seconds"]}


def marking_sheet(store, caller, competition_id, event_id):
    """What one judge marks: the scheme, and the entries they may mark with their own marks so far."""
    competition = access.visible_competition(store, caller, competition_id)
    event = find_event(competition, event_id)
    assignment = access.require_judge(caller, competition, event)
    judge_key = field_key(caller.subject)
    entries = store.entries_of(event_id, [APPROVED],
                               projection={"code": 1, "employer": 1, "marks": 1, "completion_seconds": 1})
    sheet = []
    for entry in entries:
        if entry["employer"] == assignment["enterprise"]:
            continue  # conflicts of interest are not even shown
        sheet.append({
            "entry_code": entry["code"],
            "marks": {from_field_key(aspect): by_judge[judge_key]
                      for aspect, by_judge in entry.get("marks", {}).items() if judge_key in by_judge},
            "completion_seconds": entry.get("completion_seconds"),
        })
    sheet.sort(key=lambda row: row["entry_code"])
    return {"competition_id": competition_id, "event_id": event_id, "status": competition["status"],
            "marking_scheme": event["marking_scheme"], "entries": sheet}


def mark_history(store, caller, competition_id, event_id, entry_code):
    competition = access.visible_competition(store, caller, competition_id)
    event = find_event(competition, event_id)
    access.require_jury(caller, competition, event)
    entry = store.entry_by_code(event_id, entry_code, with_audit=True)
    if entry["employer"] == access.hidden_enterprise(caller, competition, event):
        # As if there were no such entry: even a refusal would tie the code to the enterprise.
        raise NotFound(f"no entry with code {entry_code} in event {event_id}")
    return {"entry_code": entry_code, "history": entry.get("audit", [])}
