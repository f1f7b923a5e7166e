"""Innovation results: what each kind requires, who may submit them, and their review.

A result document::

    {"_id": "res-...", "studio_id", "studio_name", "enterprise", "industry_chain", "region_code",
     "unit", "kind", "title", "description", "achieved_on", "year",
     "authors": [{"member_id", "name", "person_key", "id_number_masked"}],   # members, in order
     "details": {...the kind's own fields...}, "patent_number" (patents, normalised),
     "economic_benefit": {"cost_saved", "value_created", "confirmation": None | {...}},
     "people_trained", "converted", "prior_award_level", "ip_dispute",
     "evidence": [{"file_id", "filename", "media_type", "size", "sha256", ...}],
     "status", "reviews": [{"at", "by", "action", "comment", ...}], "duplicate_of",
     "near_duplicates": [...], "revision", "history", "created_at"}

Lifecycle: draft -> submitted -> under review -> verified / returned for rework (-> resubmitted
-> under review ...) / rejected. The lead edits and submits; reviewers take every review step,
each with a comment, and never for a studio of their own enterprise. A step the present status
does not allow is a Conflict (409).
"""
import copy
import datetime

from common.errors import BadRequest, Conflict, Forbidden
from common.ids import new_id

from . import titles
from .kinds import (FIVE_SMALL, FIVE_SMALL_KINDS, KIND_NAMES, OPERATING_METHOD, PATENT_KINDS,
                    RATIONALISATION, STANDARD, TACKLING, TRAINING)

DRAFT, SUBMITTED, UNDER_REVIEW = "draft", "submitted", "under_review"
VERIFIED, RETURNED, RESUBMITTED, REJECTED = "verified", "returned", "resubmitted", "rejected"
STATUSES = (DRAFT, SUBMITTED, UNDER_REVIEW, VERIFIED, RETURNED, RESUBMITTED, REJECTED)
EDITABLE = (DRAFT, RETURNED)
OPEN = (SUBMITTED, RESUBMITTED, UNDER_REVIEW)

# Review steps: the statuses each is allowed from, and where it leads.
START_REVIEW, VERIFY, RETURN, REJECT, DUPLICATE = "start_review", "verify", "return", "reject", "duplicate"
REVIEW_STEPS = {
    START_REVIEW: ((SUBMITTED, RESUBMITTED), UNDER_REVIEW),
    VERIFY: ((UNDER_REVIEW,), VERIFIED),
    RETURN: ((UNDER_REVIEW,), RETURNED),
    REJECT: ((UNDER_REVIEW,), REJECTED),
    # A result found to be a duplicate of another is refused with a pointer to it.
    DUPLICATE: ((SUBMITTED, RESUBMITTED, UNDER_REVIEW), REJECTED),
}
LEAD_ACTIONS = {DRAFT: ("edit", "submit"), RETURNED: ("edit", "resubmit")}

# A kind's own fields, required at submission (a draft may lack them).
REQUIRED_DETAILS = {
    FIVE_SMALL: ("five_small_kind",),
    TACKLING: ("problem",),
    OPERATING_METHOD: ("applied_since",),
    RATIONALISATION: ("adopted_on",),
    STANDARD: ("standard_number", "standard_level"),
}
# Awards after which a result is not put forward again.
FINAL_AWARD_LEVELS = ("provincial", "national")
OPERATING_METHOD_MIN_DAYS = 365
CLAIMS = ("patent_claim", "title_claim")


def allowed_actions(result):
    """What may be done to ``result`` now: the lead's edits or the reviewers' steps."""
    actions = list(LEAD_ACTIONS.get(result["status"], ()))
    actions += [step for step, (sources, _) in REVIEW_STEPS.items() if result["status"] in sources]
    return actions


def new_result(data, studio, authors, now):
    """A draft result of ``studio`` (not yet stored); ``authors`` are its member records."""
    result = {"_id": new_id("res"), "studio_id": studio["_id"], "status": DRAFT, "reviews": [], "duplicate_of": None,
              "near_duplicates": [], "evidence": [], "revision": 1, "history": [],
              "created_at": now}
    _copy_studio(result, studio)
    return _with_content(result, data, authors)


def _copy_studio(result, studio):
    for key in ("enterprise", "industry_chain", "region_code", "unit"):
        result[key] = studio[key]
    result["studio_name"] = studio["name"]
    result["studio_level"] = studio["level"]


def _with_content(result, data, authors):
    achieved = datetime.date.fromisoformat(data["achieved_on"])
    benefit = data.get("economic_benefit") or {}
    result.update(
        kind=data["kind"], title=data["title"], description=data.get("description") or "",
        achieved_on=achieved.isoformat(), year=achieved.year,
        authors=[{key: a[key] for key in ("member_id", "name", "person_key", "id_number_masked")}
                 for a in authors],
        details=dict(data.get("details") or {}),
        patent_number=data.get("patent_number"),
        economic_benefit={"cost_saved": float(benefit.get("cost_saved") or 0),
                          "value_created": float(benefit.get("value_created") or 0),
                          "confirmation": benefit.get("confirmation")},
        people_trained=int(data.get("people_trained") or 0),
        converted=bool(data.get("converted")),
        prior_award_level=data.get("prior_award_level"),
        ip_dispute=bool(data.get("ip_dispute")),
    )
    return result


def edit(result, data, authors):
    """``result`` with its content replaced by ``data`` (a draft, or one returned for rework)."""
    if result["status"] not in EDITABLE:
        raise Conflict(f"a {result['status']} result cannot be edited",
                       {"status": [f"only {' or '.join(EDITABLE)} results are edited"]})
    return _with_content(copy.deepcopy(result), data, authors)


def authors_of(studio, member_ids):
    """The member records of ``member_ids``, in order: authors are current members."""
    current = {m["member_id"]: m for m in studio["members"]}
    faults = {f"authors.{i}": ["not a current member of the studio"]
              for i, member_id in enumerate(member_ids) if member_id not in current}
    if len(set(member_ids)) != len(member_ids):
        faults["authors"] = ["an author is listed twice"]
    if faults:
        raise BadRequest("authors must be current members of the studio", faults)
    return [current[member_id] for member_id in member_ids]


def check_submission(result, studio, today, window_years):
    """Raise BadRequest naming every field at fault when ``result`` may not be submitted:
    the kind's required fields, the time window, excluded authors, the patent number."""
    faults = {}
    kind = result["kind"]
    details = result["details"]
    for field in REQUIRED_DETAILS.get(kind, ()):
        if details.get(field) in (None, ""):
            faults[f"details.{field}"] = [f"required for {KIND_NAMES[kind]}"]
    achieved = datetime.date.fromisoformat(result["achieved_on"])
    today = datetime.date.fromisoformat(today) if isinstance(today, str) else today
    if achieved > today:
        faults["achieved_on"] = ["in the future"]
    elif achieved < today.replace(year=today.year - window_years, day=min(today.day, 28)):
        faults["achieved_on"] = [f"older than the {window_years}-year window of submissions"]
    if not result["authors"]:
        faults["authors"] = ["at least one author, a member of the studio"]
    if kind in PATENT_KINDS:
        try:
            result["patent_number"] = titles.validate_patent_number(
                result.get("patent_number"), kind, today)
        except BadRequest as error:
            faults.update(error.fields)
        if not result["evidence"]:
            faults["evidence"] = ["a patent needs its certificate as evidence"]
    elif result.get("patent_number"):
        faults["patent_number"] = [f"only patents carry a patent number, not {KIND_NAMES[kind]}"]
    if kind == FIVE_SMALL and details.get("five_small_kind") not in (None, *FIVE_SMALL_KINDS):
        faults["details.five_small_kind"] = [f"one of {', '.join(FIVE_SMALL_KINDS)}"]
    if kind == OPERATING_METHOD:
        _check_operating_method(result, studio, achieved, faults)
    if kind == TRAINING and result["people_trained"] < 1:
        faults["people_trained"] = ["a training result trains at least one person"]
    benefit = result["economic_benefit"]
    if (benefit["cost_saved"] or benefit["value_created"]) and not benefit["confirmation"]:
        faults["economic_benefit.confirmation"] = [
            "an economic benefit needs the financial department's confirmation"]
    if result.get("prior_award_level") in FINAL_AWARD_LEVELS:
        faults["prior_award_level"] = ["a result that already won a provincial or national award "
                                       "is not submitted again"]
    if result.get("ip_dispute"):
        faults["ip_dispute"] = ["an intellectual property dispute blocks the result until resolved"]
    if faults:
        raise BadRequest("the result cannot be submitted as it is", faults)


def _check_operating_method(result, studio, achieved, faults):
    since = result["details"].get("applied_since")
    if since:
        try:
            days = (achieved - datetime.date.fromisoformat(since)).days
        except ValueError:
            faults["details.applied_since"] = ["an ISO date"]
            return
        if days < OPERATING_METHOD_MIN_DAYS:
            faults["details.applied_since"] = ["an advanced operating method needs at least a year "
                                               "of results in use"]
    heads = {m["member_id"] for m in studio["members"] + studio.get("former_members", [])
             if m.get("enterprise_head")}
    if result["authors"] and result["authors"][0]["member_id"] in heads:
        faults["authors.0"] = ["the first author of an advanced operating method may not be an "
                               "enterprise head"]


def submit(result, studio, today, window_years):
    """The lead submits (a draft) or resubmits (a returned result)."""
    if result["status"] not in EDITABLE:
        raise Conflict(f"a {result['status']} result cannot be submitted",
                       {"status": [f"only {' or '.join(EDITABLE)} results are submitted"]})
    changed = dict(result)  # only top-level fields change: the rest stays shared with ``result``
    check_submission(changed, studio, today, window_years)
    changed["status"] = SUBMITTED if result["status"] == DRAFT else RESUBMITTED
    # Claims held while the result is open or verified: the store keeps each one unique.
    changed["title_claim"] = titles.title_key(changed["studio_id"], changed["year"], changed["title"])
    if changed["kind"] in PATENT_KINDS:
        changed["patent_claim"] = changed["patent_number"]
    return changed


def require_impartial(reviewer_enterprise, result):
    """A reviewer never reviews a result of their own enterprise's studio."""
    if reviewer_enterprise and reviewer_enterprise == result["enterprise"]:
        raise Forbidden("a reviewer does not review results of their own enterprise")


def review(result, step, comment, reviewer, now, duplicate_of=None):
    """``(result, announcements)`` after the review ``step`` by ``reviewer`` (a dict with
    ``subject`` and ``enterprise``); 409 when the result's status does not allow it."""
    sources, target = REVIEW_STEPS[step]
    if result["status"] not in sources:
        raise Conflict(f"a {result['status']} result cannot take the step {step}",
                       {"action": [f"allowed now: {', '.join(allowed_actions(result)) or 'none'}"]})
    require_impartial(reviewer.get("enterprise"), result)
    if step == DUPLICATE and (not duplicate_of or duplicate_of == result["_id"]):
        raise BadRequest("name the result this one duplicates", {"duplicate_of": ["another result's id"]})
    changed = copy.deepcopy(result)
    changed["status"] = target
    entry = {"at": now, "by": reviewer["subject"], "action": step, "comment": comment}
    if step == DUPLICATE:
        changed["duplicate_of"] = duplicate_of
        entry["duplicate_of"] = duplicate_of
    changed["reviews"].append(entry)
    if target == REJECTED:
        # A rejected result holds no claim: the work may come again, done properly.
        for claim in CLAIMS:
            changed.pop(claim, None)
    if target == VERIFIED:
        changed["verified_at"] = now
        return changed, [{"type": "result.verified"}]
    return changed, []
