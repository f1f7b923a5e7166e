"""A judge's sheet over real HTTP: sent, resent after a dropped connection (nothing changes), and
a sheet with marks at fault, refused each with why while the rest is taken."""
from common.testing import callers
from common.testing.factories import worker
from common.testing.http import assert_json_error
from gateway.tests import create_competition, organiser_token, token_of

OWN_ENTERPRISE = "建湖机床厂"


def marking(api):
    """A competition marking three entries, the first from judge-1's own enterprise; returns
    (the event's base path, the codes judge-1 may mark, judge-1's token)."""
    org = organiser_token()
    competition, eid = create_competition(api, as_=org)
    base = f"/competitions/{competition['id']}"
    api.ok("POST", f"{base}/status", as_=org, json={"action": "open_registration"})
    for employer in (OWN_ENTERPRISE, "建湖阀门厂", "建湖石油机械"):
        entry = api.ok("POST", f"{base}/events/{eid}/entries", as_=org, json=worker(employer=employer))
        api.ok("POST", f"{base}/events/{eid}/entries/{entry['id']}/decision", as_=org,
               json={"decision": "approve"})
    for judge_id, enterprise in (("judge-1", OWN_ENTERPRISE), ("judge-2", "评审中心")):
        api.ok("POST", f"{base}/events/{eid}/judges", as_=org,
               json={"judge_id": judge_id, "name": judge_id, "enterprise": enterprise})
    api.ok("POST", f"{base}/status", as_=org, json={"action": "close_registration"})
    api.ok("POST", f"{base}/status", as_=org, json={"action": "start_marking"})
    judge = token_of(callers.judge("judge-1"))
    codes = [row["entry_code"] for row in
             api.ok("GET", f"{base}/events/{eid}/marking-sheet", as_=judge)["entries"]]
    return f"{base}/events/{eid}", codes, judge


def own_enterprise_code(api, base, codes):
    """The code judge-1 is not shown, as judge-2 (of another enterprise) sees it."""
    rows = api.ok("GET", f"{base}/marking-sheet", as_=token_of(callers.judge("judge-2")))["entries"]
    return next(row["entry_code"] for row in rows if row["entry_code"] not in codes)


def test_a_sheet_is_taken_once_and_its_faults_refused_with_why(gateway_system):
    api = gateway_system
    base, codes, judge = marking(api)
    assert len(codes) == 2  # the judge's own enterprise is not even shown
    sheet = {"marks": [{"client_id": f"dev1-{n}", "entry_code": code, "aspect_id": "A2.1", "value": 2}
                       for n, code in enumerate(codes)]}

    first = api.ok("POST", f"{base}/sheets", as_=judge, json=sheet)
    assert [(m["entry_code"], m["value"], m["outcome"]) for m in first["taken"]] == [
        (code, 2, "taken") for code in codes]
    assert first["refused"] == []
    resent = api.ok("POST", f"{base}/sheets", as_=judge, json=sheet)
    assert [m["outcome"] for m in resent["taken"]] == ["already_taken"] * 2
    history = api.ok("GET", f"{base}/entries/{codes[0]}/marks", as_=organiser_token())["history"]
    assert [(h["old"], h["new"], h["client_id"]) for h in history if h.get("aspect_id") == "A2.1"] == [
        (None, 2, "dev1-0")]

    faulty = {"marks": [
        {"client_id": "dev2-1", "entry_code": codes[0], "aspect_id": "A2.2", "value": 7},
        {"client_id": "dev2-2", "entry_code": codes[0], "aspect_id": "T1.1", "value": 80},
        {"client_id": "dev2-3", "entry_code": own_enterprise_code(api, base, codes), "aspect_id": "A2.2",
         "value": 3},
        {"client_id": "dev2-4", "entry_code": codes[1], "aspect_id": "A2.2", "value": 3},
    ]}
    answer = api.ok("POST", f"{base}/sheets", as_=judge, json=faulty)
    assert [(m["client_id"], m["outcome"]) for m in answer["taken"]] == [("dev2-4", "taken")]
    assert [(m["client_id"], m["error"]) for m in answer["refused"]] == [
        ("dev2-1", "bad_request"), ("dev2-2", "held_back"), ("dev2-3", "forbidden")]
    assert all(m["message"] for m in answer["refused"])
    rows = {row["entry_code"]: row["marks"]
            for row in api.ok("GET", f"{base}/marking-sheet", as_=judge)["entries"]}
    assert rows == {codes[0]: {"A2.1": 2}, codes[1]: {"A2.1": 2, "A2.2": 3}}


def test_a_malformed_sheet_is_a_400_naming_the_marks_at_fault(gateway_system):
    api = gateway_system
    base, codes, judge = marking(api)
    mark = {"client_id": "c1", "entry_code": codes[0], "aspect_id": "A2.1", "value": 2}

    body = assert_json_error(api.post(f"{base}/sheets", as_=judge, json={"marks": [
        mark, {**mark, "aspect_id": "A2.2"}, {**mark, "client_id": "c3", "value": "high"},
        {"entry_code": codes[1], "aspect_id": "A2.1", "value": 1}]}), 400, "bad_request")
    assert set(body["fields"]) == {"marks.2.value", "marks.3.client_id"}
    body = assert_json_error(api.post(f"{base}/sheets", as_=judge, json={"marks": [
        mark, {**mark, "aspect_id": "A2.2"}]}), 400, "bad_request")
    assert set(body["fields"]) == {"marks.1.client_id"}
    too_many = {"marks": [{**mark, "client_id": f"c{n}", "aspect_id": f"A{n}"} for n in range(501)]}
    body = assert_json_error(api.post(f"{base}/sheets", as_=judge, json=too_many), 400, "bad_request")
    assert "marks" in body["fields"]
    assert api.ok("GET", f"{base}/marking-sheet", as_=judge)["entries"][0]["marks"] == {}
