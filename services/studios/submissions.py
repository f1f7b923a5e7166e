"""Innovation results: the lead writes and submits them, reviewers verify them.

A result is written by its studio's lead as a draft, submitted when its kind's rules hold, and
reviewed step by step by union reviewers (never of their own enterprise). At submission the
near duplicates among every stored result are found and kept on the result, so the submitter
sees them in the answer and the reviewer on the result. A verified result is announced
(``result.verified``) in the same write that verifies it.
"""
from common.clock import beijing_today, utc_now
from common.errors import Conflict, NotFound
from common.repository import history_entry, optimistic
from common.schemas import page
from common.validation import load
from services.studios import access, events
from services.studios.api import (MAX_EVIDENCE, EvidenceSchema, ResultQuerySchema, ResultSchema,
                                  ReviewSchema)
from services.studios.domain import results as rules
from services.studios.views import result_view

# One instance, as a lead writes results all day: building a schema copies all its declared
# fields, and its nested schemas are built once per instance.
RESULT = ResultSchema()


def _open_studio(store, caller, studio_id):
    studio = store.studio(studio_id)
    access.require_studio_visible(caller, studio)
    access.require_lead(caller, studio_id)
    if studio["status"] != "active":
        raise Conflict(f"a {studio['status']} studio submits no results",
                             {"studio_id": [f"the studio is {studio['status']}"]})
    return studio


def _readable_result(store, caller, result_id):
    result = store.result(result_id)
    access.require_result_visible(caller, result)
    return result


def create_result(store, caller, studio_id, payload):
    studio = _open_studio(store, caller, studio_id)
    data = load(RESULT, payload)
    authors = rules.authors_of(studio, data["authors"])
    now = utc_now()
    result = rules.new_result(data, studio, authors, now)
    stored = store.add_result(result, history_entry(caller, "create", now))
    return result_view(stored, caller)


@optimistic
def edit_result(store, caller, result_id, payload):
    result = _readable_result(store, caller, result_id)
    studio = _open_studio(store, caller, result["studio_id"])
    data = load(RESULT, payload)
    changed = rules.edit(result, data, rules.authors_of(studio, data["authors"]))
    stored = store.save_result(result, changed, history_entry(caller, "edit", utc_now()))
    return result_view(stored, caller)


@optimistic
def submit_result(store, settings, caller, result_id):
    result = _readable_result(store, caller, result_id)
    studio = _open_studio(store, caller, result["studio_id"])
    changed = rules.submit(result, studio, beijing_today(), settings.submission_window_years)
    changed["near_duplicates"] = store.similar_results(changed["title"], exclude=result["_id"])
    action = "submit" if changed["status"] == rules.SUBMITTED else "resubmit"
    stored = store.save_result(result, changed, history_entry(caller, action, utc_now()))
    return result_view(stored, caller)


@optimistic
def review_result(store, caller, result_id, payload, correlation_id=None):
    result = _readable_result(store, caller, result_id)
    access.require_union(caller, "only union reviewers review results")
    data = load(ReviewSchema(), payload)
    duplicate_of = data.get("duplicate_of")
    if duplicate_of:
        # The result it duplicates must exist: a pointer to nothing helps nobody.
        store.result(duplicate_of)
    now = utc_now()
    step = data["action"]
    changed, announcements = rules.review(result, step, data["comment"], caller.to_dict(), now,
                                          duplicate_of)
    if step == rules.START_REVIEW:
        # The reviewer sees the near duplicates as the store holds them now.
        changed["near_duplicates"] = store.similar_results(result["title"], exclude=result["_id"])
    envelopes = [events.result_verified(changed, correlation_id) for _ in announcements]
    stored = store.save_result(result, changed, history_entry(caller, step, now,
                                                              reason=data["comment"]), envelopes)
    return result_view(stored, caller)


def list_results(store, caller, query):
    query = load(ResultQuerySchema(), query or {})
    condition = access.studio_scope(caller)
    for key in ("status", "kind", "studio_id", "year"):
        if key in query:
            if key == "studio_id" and condition.get("studio_id", query[key]) != query[key]:
                # A lead asking for another studio's results finds none.
                return page((), 0, query)
            condition[key] = query[key]
    total, found = store.find_results(condition, query["limit"], query["offset"])
    return page((result_view(r, caller) for r in found), total, query)


def get_result(store, caller, result_id):
    return result_view(_readable_result(store, caller, result_id), caller)


@optimistic
def add_evidence(store, files, caller, result_id, payload):
    """An evidence file of a result its lead is still writing (a draft, or returned for rework):
    stored once by its checksum, recorded on the result."""
    result = _readable_result(store, caller, result_id)
    _open_studio(store, caller, result["studio_id"])
    data = load(EvidenceSchema(), payload)
    if result["status"] not in rules.EDITABLE:
        raise Conflict(f"a {result['status']} result takes no more evidence",
                       {"file": [f"only {' or '.join(rules.EDITABLE)} results take evidence"]})
    if len(result["evidence"]) >= MAX_EVIDENCE:
        raise Conflict(f"a result holds at most {MAX_EVIDENCE} evidence files",
                       {"file": [f"already {MAX_EVIDENCE} files"]})
    record = files.save(data["file"], uploaded_by=caller.subject)
    changed = {**result, "evidence": result["evidence"] + [record]}
    store.save_result(result, changed, history_entry(caller, "add_evidence", utc_now(),
                                                     details={"file_id": record["file_id"]}))
    return record


def evidence_file(store, files, caller, result_id, file_id):
    """The bytes of one evidence file, for whoever may see its result."""
    result = _readable_result(store, caller, result_id)
    for record in result["evidence"]:
        if record["file_id"] == file_id:
            return files.download(record)
    raise NotFound(f"no evidence file {file_id} on result {result_id}")
