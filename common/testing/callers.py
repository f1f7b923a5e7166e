"""Callers of every role, as the gateway passes them to services (Principals), and their tokens."""
from common.auth import Principal, issue_token

UNIT = "jianhu-union"
# Another organising unit, whose callers must reach nothing of UNIT's.
OTHER_UNIT = "taian-union"


def organiser(unit=UNIT, subject="org-1"):
    return Principal(subject=subject, role="organizer", unit=unit, name="组织者")


def judge(subject="judge-1"):
    return Principal(subject=subject, role="judge", name=subject)


def chief_judge(unit=UNIT, subject="chief-1"):
    return Principal(subject=subject, role="chief_judge", unit=unit)


def supervisor(unit=UNIT, subject="super-1"):
    return Principal(subject=subject, role="supervisor", unit=unit)


def reviewer(subject="reviewer-1", enterprise=None):
    return Principal(subject=subject, role="reviewer", name=subject, enterprise=enterprise)


def studio_lead(studio, subject="lead-1"):
    return Principal(subject=subject, role="studio_lead", studio=studio, name="工作室领衔人")


def admin(subject="admin-1"):
    return Principal(subject=subject, role="admin")


def token_of(caller, secret):
    """The bearer token ``caller`` signs in with, signed with ``secret``."""
    return issue_token(secret, caller.subject, caller.role, unit=caller.unit, studio=caller.studio,
                       name=caller.name, enterprise=caller.enterprise)
