"""Helpers for the gateway's tests: tokens, and the calls that drive a competition over HTTP
(with the kit's client, common.testing.http.Api). The data they send is the shared test data of
common/testing/factories.py.

``gateway_system`` starts the real gateway, the real competitions service and the real talent pool
(fed by the competitions service's events) in one nameko runner
on the real broker (a vhost of its own, a data directory of its own) once per test module, because
starting containers dominates the suite's time; tests share it and create their own competitions.
The fixture lives in conftest.py beside this file.
"""
from common.auth import issue_token
from common.testing import callers, factories
from conftest import TEST_TOKEN_SECRET


def token(role, subject=None, unit=None, **claims):
    return issue_token(TEST_TOKEN_SECRET, subject or f"{role}-1", role, unit=unit, **claims)


def token_of(caller):
    """The bearer token of a caller (a Principal, as common/testing/callers.py builds them)."""
    return callers.token_of(caller, TEST_TOKEN_SECRET)


def organiser_token(*args, **kwargs):
    """The token of ``callers.organiser(*args, **kwargs)``."""
    return token_of(callers.organiser(*args, **kwargs))


def create_competition(api, as_=None, **overrides):
    """A draft county competition with one event of the shared scheme, whose finalists (three at
    most) each win a prize and nothing else: a small field, so fixed counts, as shares of three
    would round to no prize. Returns (competition view, event id)."""
    payload = factories.competition_payload(
        **{"level": "county", "awards": factories.award_rules(prizes=3), **overrides})
    competition = api.ok("POST", "/competitions", as_=as_ or organiser_token(), json=payload)
    return competition, competition["events"][0]["id"]
