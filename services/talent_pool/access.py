"""Who may see and touch which talent: object-level checks, made where the data lives.

Union reviewers and admins curate the pool: they read every talent and nomination, nominate,
review and change statuses. An organiser reads the talents of their own unit (those with an
honour from a competition their unit organised, or who lead or are authors in a studio their unit
rates and verifies: ``units`` holds it) and nothing else. What a caller may not even see answers
404, so that talent ids cannot be probed; what they may see but not change, 403.
"""
from common.auth import ADMIN, ORGANIZER, REVIEWER
from common.errors import Forbidden, NotFound

CURATORS = (REVIEWER, ADMIN)


def is_curator(caller):
    return caller.role in CURATORS


def may_read(caller, talent):
    return is_curator(caller) or (caller.role == ORGANIZER and caller.unit is not None
                                  and caller.unit in (talent.get("units") or ()))


def require_readable(caller, talent):
    if not may_read(caller, talent):
        raise NotFound(f"no talent {talent['_id']}")


def require_curator_of(caller, talent):
    require_readable(caller, talent)
    if not is_curator(caller):
        raise Forbidden("only union reviewers curate the talent pool")


def search_scope(caller):
    """Extra filters that bound a caller's searches: none for curators, their own unit for an
    organiser; anyone else may not search the pool."""
    if is_curator(caller):
        return {}
    if caller.role == ORGANIZER and caller.unit:
        return {"unit": caller.unit}
    raise Forbidden("only union reviewers and organisers search the talent pool")


def require_curator(caller):
    if not is_curator(caller):
        raise Forbidden("only union reviewers curate the talent pool")


def require_nomination_visible(caller, nomination):
    if not is_curator(caller):
        raise NotFound(f"no nomination {nomination['_id']}")
