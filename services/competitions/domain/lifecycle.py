"""A competition's lifecycle as one transition table.

draft -> registration_open -> registration_closed -> marking -> signed_off -> published, with
cancellation possible at any point before publication. Published results are locked: the only way
to change them is an explicit correction, which republishes (the service audits it). A signed-off
result can go back to marking (an appeal re-mark) as long as it is not yet published.

Who may take an action (both the chief judge and the supervisor must have signed before
``sign_off``) is the service's business; this module only knows which moves exist.
"""
from common.errors import BadRequest, Conflict

DRAFT = "draft"
REGISTRATION_OPEN = "registration_open"
REGISTRATION_CLOSED = "registration_closed"
MARKING = "marking"
SIGNED_OFF = "signed_off"
PUBLISHED = "published"
CANCELLED = "cancelled"

STATUSES = (DRAFT, REGISTRATION_OPEN, REGISTRATION_CLOSED, MARKING, SIGNED_OFF, PUBLISHED, CANCELLED)

OPEN_REGISTRATION = "open_registration"
CLOSE_REGISTRATION = "close_registration"
START_MARKING = "start_marking"
SIGN_OFF = "sign_off"
REOPEN_MARKING = "reopen_marking"
PUBLISH = "publish"
CANCEL = "cancel"
CORRECT = "correct"

# action -> {from status: to status}
TRANSITIONS = {
    OPEN_REGISTRATION: {DRAFT: REGISTRATION_OPEN},
    CLOSE_REGISTRATION: {REGISTRATION_OPEN: REGISTRATION_CLOSED},
    START_MARKING: {REGISTRATION_CLOSED: MARKING},
    SIGN_OFF: {MARKING: SIGNED_OFF},
    REOPEN_MARKING: {SIGNED_OFF: MARKING},
    PUBLISH: {SIGNED_OFF: PUBLISHED},
    # Once results are out they stand (a change is a correction); a cancelled one stays cancelled.
    CANCEL: {status: CANCELLED for status in STATUSES if status not in (PUBLISHED, CANCELLED)},
    CORRECT: {PUBLISHED: PUBLISHED},
}
ACTIONS = tuple(TRANSITIONS)

# Wording for error messages: "cannot <verb> a competition that is <state>".
_VERBS = {
    OPEN_REGISTRATION: "open registration for",
    CLOSE_REGISTRATION: "close registration for",
    START_MARKING: "start marking",
    SIGN_OFF: "sign off",
    REOPEN_MARKING: "reopen marking for",
    PUBLISH: "publish",
    CANCEL: "cancel",
    CORRECT: "correct",
}
_STATE_WORDS = {
    DRAFT: "in draft",
    REGISTRATION_OPEN: "open for registration",
    REGISTRATION_CLOSED: "closed for registration",
    MARKING: "being marked",
    SIGNED_OFF: "signed off",
    PUBLISHED: "published",
    CANCELLED: "cancelled",
}

_SCHEME_EDITABLE = frozenset({DRAFT, REGISTRATION_OPEN, REGISTRATION_CLOSED})


def _check_status(status):
    if status not in _STATE_WORDS:
        # A status outside the table means stored data is corrupt, not that the caller erred.
        raise ValueError(f"unknown competition status {status!r}")


def next_status(current, action):
    """The status after ``action``; Conflict if the action is not allowed from ``current``."""
    _check_status(current)
    moves = TRANSITIONS.get(action)
    if moves is None:
        raise BadRequest(f"unknown action {action!r}", {"action": [f"must be one of {', '.join(ACTIONS)}"]})
    if current not in moves:
        raise Conflict(f"cannot {_VERBS[action]} a competition that is {_STATE_WORDS[current]}")
    return moves[current]


def allowed_actions(current):
    """Actions possible from ``current``, in table order (for showing the organiser what comes next)."""
    _check_status(current)
    return [action for action, moves in TRANSITIONS.items() if current in moves]


def is_editable_scheme(status):
    """The marking scheme may change only until marking starts: marks are given against it."""
    return status in _SCHEME_EDITABLE


def accepts_registrations(status):
    return status == REGISTRATION_OPEN


def accepts_marks(status):
    return status == MARKING


def results_locked(status):
    """Published results change only through an explicit correction."""
    return status == PUBLISHED
