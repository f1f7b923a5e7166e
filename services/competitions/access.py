"""Who may see and touch which competition: object-level checks, made where the data lives.

Organisers, chief judges and supervisors act for one organising unit; judges are named on the
events they mark; anyone may read a published competition. What a caller may not even see answers
404, so that ids of other units' drafts cannot be probed; what they may see but not change, 403.
"""
from common.auth import CHIEF_JUDGE, JUDGE, ORGANIZER, SUPERVISOR
from common.errors import Forbidden, NotFound
from services.competitions.domain.lifecycle import PUBLISHED


def is_organiser_of(caller, competition):
    return caller.is_admin or (caller.role == ORGANIZER
                               and caller.belongs_to_unit(competition["organising_unit"]))


def is_official_of(caller, competition):
    officials = competition.get("officials") or {}
    return ((caller.role == CHIEF_JUDGE and officials.get("chief_judge") == caller.subject)
            or (caller.role == SUPERVISOR and officials.get("supervisor") == caller.subject))


def judge_assignment(caller, event):
    if caller.role not in (JUDGE, CHIEF_JUDGE):
        return None
    return next((j for j in event.get("judges", ()) if j["judge_id"] == caller.subject), None)


def hidden_enterprise(caller, competition, event):
    """The enterprise whose entries ``caller`` must not see on ``event``: their own, while they
    judge the event and its results are not yet public; None when nothing is hidden from them."""
    assignment = judge_assignment(caller, event)
    if assignment is None or competition["status"] == PUBLISHED:
        return None
    return assignment["enterprise"]


def may_view(caller, competition):
    return (competition["status"] == PUBLISHED or is_organiser_of(caller, competition)
            or is_official_of(caller, competition)
            or any(judge_assignment(caller, event) for event in competition["events"]))


def require_visible(caller, competition):
    # Word for word the store's answer for a missing id (repository.competition).
    if not may_view(caller, competition):
        raise NotFound(f"no competition {competition['_id']}")


def visible_competition(store, caller, competition_id, **options):
    """The competition, if the caller may see it; else the same 404 as for an id that does not
    exist. Use cases check this before anything else they could reveal (an event id, a judge's
    assignment)."""
    competition = store.competition(competition_id, **options)
    require_visible(caller, competition)
    return competition


def require_organiser(caller, competition):
    require_visible(caller, competition)
    if not is_organiser_of(caller, competition):
        raise Forbidden("only the organisers of this competition's unit may do this")


def require_jury(caller, competition, event):
    """The jury (organisers, officials, the event's judges) sees live marks and rankings."""
    require_visible(caller, competition)
    if not (is_organiser_of(caller, competition) or is_official_of(caller, competition)
            or judge_assignment(caller, event)):
        raise Forbidden("only the jury of this event may see its live marks")


def require_judge(caller, competition, event):
    """The caller's assignment on ``event``; Forbidden if they are not one of its judges but may
    see the competition (a judge of another of its events), NotFound if they may not."""
    require_visible(caller, competition)
    assignment = judge_assignment(caller, event)
    if assignment is None:
        raise Forbidden("you are not assigned to judge this event")
    return assignment


def require_official(caller, competition):
    require_visible(caller, competition)
    # Personal signatures: not even an admin signs in someone else's name.
    if not is_official_of(caller, competition):
        raise Forbidden("only the chief judge and the supervisor named for this competition may sign off")
