"""The manual nomination of a worker, and its review: 资格审查 -> 专家初评 -> 综合复审.

A nomination is in review at one stage at a time. A reviewer passes or rejects the current stage
with a comment; passing the last stage admits the worker (the service then admits or updates the
talent, with the nomination as its source); rejecting any stage closes the nomination. Naming a
stage other than the current one, or reviewing a closed nomination, is refused.

Independent review: whoever nominated the worker does not review the nomination, and each stage
is decided by a different person.
"""
import copy

from common.errors import Conflict, Forbidden
from .talent import iso

STAGES = ("qualification_review", "expert_review", "final_review")
STAGE_NAMES = {"qualification_review": "资格审查", "expert_review": "专家初评", "final_review": "综合复审"}
IN_REVIEW, ADMITTED, REJECTED = "in_review", "admitted", "rejected"
NOMINATION_STATUSES = (IN_REVIEW, ADMITTED, REJECTED)
PASS, REJECT = "pass", "reject"


def open_nomination(facts, nominated_by, now, nomination_id):
    """A new nomination at its first stage. ``facts``: person_key, id_number_encrypted,
    id_number_masked, region_code, name, employer, industry_chain, trade, skill_level, reason."""
    return {
        "_id": nomination_id, **facts,
        "status": IN_REVIEW, "stage": STAGES[0], "reviews": [],
        "nominated_by": nominated_by, "nominated_at": iso(now),
        "talent_id": None, "talent_applied": False, "revision": 1,
    }


def review(nomination, decision, comment, reviewer, now, stage=None):
    """The nomination after ``reviewer`` decides its current stage (``pass`` or ``reject``).

    ``stage``, when given, must be the current stage. Conflict for a closed nomination or a
    stage out of order; Forbidden for the nominator or someone who decided an earlier stage.
    """
    if nomination["status"] != IN_REVIEW:
        raise Conflict(f"the nomination is closed ({nomination['status']})")
    current = nomination["stage"]
    if stage is not None and stage != current:
        raise Conflict(f"the nomination is at {current} ({STAGE_NAMES[current]}), not {stage}")
    if reviewer == nomination["nominated_by"]:
        raise Forbidden("whoever nominated a worker does not review the nomination")
    if any(r["by"] == reviewer for r in nomination["reviews"]):
        raise Forbidden("each stage is decided by a different reviewer")
    if decision not in (PASS, REJECT):
        raise Conflict(f"unknown decision {decision!r}")
    nomination = copy.deepcopy(nomination)
    nomination["reviews"].append({"stage": current, "stage_name": STAGE_NAMES[current],
                                  "decision": decision, "comment": comment, "by": reviewer,
                                  "at": iso(now)})
    if decision == REJECT:
        nomination.update(status=REJECTED, stage=None, closed_at=iso(now))
    elif current == STAGES[-1]:
        nomination.update(status=ADMITTED, stage=None, closed_at=iso(now))
    else:
        nomination["stage"] = STAGES[STAGES.index(current) + 1]
    nomination["revision"] += 1
    return nomination
