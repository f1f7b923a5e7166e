"""Helpers for the gateway's tests: a running system per test module, an HTTP client, tokens and
small valid competition data.

``gateway_system`` starts the real gateway, the real competitions service and the real talent pool
(fed by the competitions service's events) in one nameko runner
on the real broker (a vhost of its own, a data directory of its own) once per test module, because
starting containers dominates the suite's time; tests share it and create their own competitions.
The fixture lives in conftest.py beside this file.
"""
import datetime
import itertools

import requests

from common.auth import issue_token
from common.personal_id import make_id_number
from conftest import TEST_TOKEN_SECRET

UNIT = "jianhu-union"
OTHER_UNIT = "taian-union"

_sequence = itertools.count(101)


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


# --- competition data


def marking_scheme():
    """Theory 30 / practical 70: a theory paper, a measured dimension and a judged finish."""
    return {
        "components": [{"key": "theory", "name": "理论", "weight": 30},
                       {"key": "practical", "name": "实操", "weight": 70}],
        "criteria": [
            {"id": "T", "name": "理论知识", "component": "theory", "sub_criteria": [
                {"id": "T1", "name": "笔试", "aspects": [
                    {"id": "T1.1", "kind": "measurement", "description": "试卷得分",
                     "max_mark": 100, "graded": True}]}]},
            {"id": "P", "name": "零件加工", "component": "practical", "sub_criteria": [
                {"id": "P1", "name": "尺寸精度", "aspects": [
                    {"id": "P1.1", "kind": "measurement", "description": "外圆尺寸",
                     "max_mark": 60, "graded": True}]},
                {"id": "P2", "name": "工艺", "aspects": [
                    {"id": "P2.1", "kind": "judgement", "description": "表面质量",
                     "max_mark": 40}]}]},
        ],
    }


def competition_payload(**overrides):
    payload = {
        "name": "2026年建湖县数控车工职业技能竞赛",
        "level": "county",
        "industry_chain": "装备制造",
        "year": 2026,
        "events": [{"trade": "数控车工", "marking_scheme": marking_scheme(),
                    # a small field: fixed counts, as shares of three would round to no prize
                    "awards": {"prizes": {"basis": "count", "bands": [
                        {"prize": "first", "count": 1}, {"prize": "second", "count": 1},
                        {"prize": "third", "count": 1}]}}}],
    }
    payload.update(overrides)
    return payload


def worker(employer="江苏建湖机床厂", name=None, **overrides):
    sequence = next(_sequence)
    return {"name": name or f"选手{sequence}", "employer": employer, "trade": "数控车工",
            "skill_level": "中级工",
            "id_number": make_id_number(birth=datetime.date(1990, 5, 17), sequence=sequence % 1000),
            **overrides}


def create_competition(api, as_=None, **overrides):
    """A draft competition with one event; returns (competition view, event id)."""
    competition = api.ok("POST", "/competitions", as_=as_ or organiser_token(),
                         json=competition_payload(**overrides))
    return competition, competition["events"][0]["id"]
