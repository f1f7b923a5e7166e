"""Who may see and touch which studio, alliance and result: object-level checks, made where the
data lives.

- Union admins administer everything; union reviewers register studios, change their lead and
  status, review results and run the rating rounds, for every studio.
- A studio's lead (a ``studio_lead`` token scoped to the studio) sees and keeps up to date their
  own studio, and writes and submits its results; nothing of any other studio.
- An organiser reads the studios of their own unit, their results and alliances; nothing else.
- Anyone else sees nothing; the public reads rated studios through the public list only.

What a caller may not see answers 404 worded as for something that does not exist; what they may
see but not change, 403.
"""
from common.auth import ADMIN, ORGANIZER, REVIEWER, STUDIO_LEAD
from common.errors import Forbidden, NotFound

UNION = (ADMIN, REVIEWER)


def is_union(caller):
    return caller.role in UNION


def is_lead_of(caller, studio_id):
    return caller.role == STUDIO_LEAD and caller.studio == studio_id


def may_read_studio(caller, studio):
    return (is_union(caller) or is_lead_of(caller, studio["_id"])
            or (caller.role == ORGANIZER and caller.unit is not None and caller.unit == studio["unit"]))


def require_studio_visible(caller, studio):
    if not may_read_studio(caller, studio):
        raise NotFound(f"no studio {studio['_id']}")


def require_union(caller, what="only union reviewers and admins do this"):
    if not is_union(caller):
        raise Forbidden(what)


def require_union_of(caller, studio):
    require_studio_visible(caller, studio)
    require_union(caller, "only union reviewers and admins change a studio's standing")


def require_lead_or_union(caller, studio):
    """The studio's own lead, or the union, keeps its members up to date."""
    require_studio_visible(caller, studio)
    if not (is_union(caller) or is_lead_of(caller, studio["_id"])):
        raise Forbidden("only the studio's lead and the union change its members")


def require_lead(caller, studio_id):
    """Results are written and submitted by the studio's own lead. Anyone who may not see the
    studio is told it does not exist."""
    if not is_lead_of(caller, studio_id):
        raise Forbidden("only the studio's lead writes and submits its results")


def studio_scope(caller):
    """The condition bounding a caller's lists of studios, results and alliances."""
    if is_union(caller):
        return {}
    if caller.role == ORGANIZER and caller.unit:
        return {"unit": caller.unit}
    if caller.role == STUDIO_LEAD:
        return {"studio_id": caller.studio}
    raise Forbidden("only the union, organisers and studio leads list studios")


def within(scope, query):
    """False when ``query`` asks for a unit outside the caller's ``scope`` (studio_scope): filters
    narrow what a caller may see, never widen it."""
    return "unit" not in scope or query.get("unit", scope["unit"]) == scope["unit"]


def may_read_alliance(caller, alliance):
    return (is_union(caller)
            or (caller.role == ORGANIZER and caller.unit == alliance["unit"])
            or (caller.role == STUDIO_LEAD and caller.studio in alliance["members"]))


def require_alliance_visible(caller, alliance):
    if not may_read_alliance(caller, alliance):
        raise NotFound(f"no alliance {alliance['_id']}")


def require_result_visible(caller, result):
    if not may_read_studio(caller, {"_id": result["studio_id"], "unit": result["unit"]}):
        raise NotFound(f"no result {result['_id']}")


def report_scope(caller, unit=None):
    """The condition on studios bounding a caller's report, ``unit`` the one asked for: the union
    reports on any unit (or every one), an organiser on their own unit only (another asked for is
    a 403, rather than an answer about a unit they did not ask for), a studio's lead on their own
    studio."""
    if is_union(caller):
        return {"unit": unit} if unit else {}
    if caller.role == ORGANIZER and caller.unit:
        if unit and unit != caller.unit:
            raise Forbidden("an organiser reports on their own unit only")
        return {"unit": caller.unit}
    if caller.role == STUDIO_LEAD:
        return {"_id": caller.studio, **({"unit": unit} if unit else {})}
    raise Forbidden("only the union, organisers and studio leads read studio reports")
