"""Helpers for the gateway's tests: a running system per test module, an HTTP client, tokens, and
the shared test data of tests/factories.py as the gateway's tests use it.

``gateway_system`` starts the real gateway, the real competitions service and the real talent pool
(fed by the competitions service's events) in one nameko runner
on the real broker (a vhost of its own, a data directory of its own) once per test module, because
starting containers dominates the suite's time; tests share it and create their own competitions.
The fixture lives in conftest.py beside this file.
"""
import requests

from common.auth import issue_token
from conftest import TEST_TOKEN_SECRET
from tests import factories
from tests.factories import UNIT, worker  # noqa: F401 (the gateway's tests take them from here)

OTHER_UNIT = "taian-union"


def token(role, subject=None, unit=None, **claims):
    return issue_token(TEST_TOKEN_SECRET, subject or f"{role}-1", role, unit=unit, **claims)


def organiser_token(unit=UNIT, subject="org-1"):
    return token("organizer", subject, unit=unit)


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


# --- competition data: the shared test data, with prizes for each of three finalists


def competition_payload(**overrides):
    """The shared competition (tests/factories.py), county level, whose three finalists each win
    a prize and nothing else: a small field, so fixed counts, as shares of three would round to
    no prize."""
    payload = factories.competition_payload(**{"level": "county", **overrides})
    payload["events"][0]["awards"] = {"prizes": {"basis": "count", "bands": [
        {"prize": "first", "count": 1}, {"prize": "second", "count": 1},
        {"prize": "third", "count": 1}]}}
    return payload


def mark_practical(api, base, event_id, code, position, judge_tokens):
    """Every practical aspect of the shared scheme for the finalist at ``position`` of the marking
    sheet: the nearer the top, the better (the theory paper is marked by each test itself)."""
    api.ok("POST", f"{base}/events/{event_id}/marks", as_=judge_tokens[0],
           json={"entry_code": code, "aspect_id": "A1.1", "value": 25.0 + 0.02 * position})
    for judge in judge_tokens:
        for aspect, value in (("A2.1", max(0, 3 - position)), ("A2.2", 2)):
            api.ok("POST", f"{base}/events/{event_id}/marks", as_=judge,
                   json={"entry_code": code, "aspect_id": aspect, "value": value})


def create_competition(api, as_=None, **overrides):
    """A draft competition with one event; returns (competition view, event id)."""
    competition = api.ok("POST", "/competitions", as_=as_ or organiser_token(),
                         json=competition_payload(**overrides))
    return competition, competition["events"][0]["id"]
