"""Helpers for the gateway's tests: a running system per test module, an HTTP client, tokens, and
the calls that drive a competition over HTTP. The data they send is the shared test data of
common/testing/factories.py.

``gateway_system`` starts the real gateway, the real competitions service and the real talent pool
(fed by the competitions service's events) in one nameko runner
on the real broker (a vhost of its own, a data directory of its own) once per test module, because
starting containers dominates the suite's time; tests share it and create their own competitions.
The fixture lives in conftest.py beside this file.
"""
import requests

from common.auth import issue_token
from conftest import TEST_TOKEN_SECRET
from common.testing import callers, factories


def token(role, subject=None, unit=None, **claims):
    return issue_token(TEST_TOKEN_SECRET, subject or f"{role}-1", role, unit=unit, **claims)


def token_of(caller):
    """The bearer token of a caller (a Principal, as common/testing/callers.py builds them)."""
    return token(caller.role, caller.subject, unit=caller.unit, studio=caller.studio,
                 name=caller.name)


def organiser_token(*args, **kwargs):
    """The token of ``callers.organiser(*args, **kwargs)``."""
    return token_of(callers.organiser(*args, **kwargs))


class Api:
    """requests against one gateway; ``as_`` is the bearer token of the call (None: no header)."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def request(self, method, path, as_=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if as_ is not None:
            headers["Authorization"] = f"Bearer {as_}"
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base_url + path, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def ok(self, method, path, expected=(200, 201), **kwargs):
        """The JSON of a call that must succeed; fails the test with the error body otherwise."""
        response = self.request(method, path, **kwargs)
        assert response.status_code in expected, (method, path, response.status_code, response.text)
        return response.json()


def create_competition(api, as_=None, **overrides):
    """A draft county competition with one event of the shared scheme, whose finalists (three at
    most) each win a prize and nothing else: a small field, so fixed counts, as shares of three
    would round to no prize. Returns (competition view, event id)."""
    payload = factories.competition_payload(
        **{"level": "county", "awards": factories.award_rules(prizes=3), **overrides})
    competition = api.ok("POST", "/competitions", as_=as_ or organiser_token(), json=payload)
    return competition, competition["events"][0]["id"]


def mark_practical(api, base, event_id, code, position, judge_tokens):
    """factories.practical_marks(position) for ``code``: the measured marks by the first judge,
    the judged ones by every judge (the theory paper is marked by each test itself)."""
    measured, judged = factories.practical_marks(position)
    for judges, marks in ((judge_tokens[:1], measured), (judge_tokens, judged)):
        for judge in judges:
            for aspect, value in marks.items():
                api.ok("POST", f"{base}/events/{event_id}/marks", as_=judge,
                       json={"entry_code": code, "aspect_id": aspect, "value": value})
