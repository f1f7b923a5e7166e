"""A competition driven through the gateway the way its users drive it, up to published results,
and a studio up to its rating's public notice.

``token_of(caller)`` signs a caller's token with the secret of the system under test; ``api`` is
the kit's client (common.testing.http.Api).
"""
from common.testing import callers, factories


def mark_practical(api, base, event_id, code, position, judge_tokens):
    """factories.practical_marks(position) for ``code``: the measured marks by the first judge,
    the judged ones by every judge (the theory paper is marked by each test itself)."""
    measured, judged = factories.practical_marks(position)
    for judges, marks in ((judge_tokens[:1], measured), (judge_tokens, judged)):
        for judge in judges:
            for aspect, value in marks.items():
                api.ok("POST", f"{base}/events/{event_id}/marks", as_=judge,
                       json={"entry_code": code, "aspect_id": aspect, "value": value})


def publish_competition(api, token_of, workers, *, unit=callers.UNIT, level="city",
                        chain="装备制造", trade="数控车工", name="2026年数控车工职业技能竞赛"):
    """Run a competition with one event to publication; everyone ranked wins a prize (bands of
    one first, one second, one third), rank 1 is also 技术能手 and promoted to 技师, and the event
    issues no certificates, so that levels come from entries and promotions alone. Returns the
    public results of its event."""
    org = token_of(callers.organiser(unit, f"org-{unit}"))
    chief = token_of(callers.chief_judge(unit))
    supervisor = token_of(callers.supervisor(unit))
    judges = [token_of(callers.judge(f"judge-{n}")) for n in (1, 2, 3)]
    payload = factories.competition_payload(
        name=name, level=level, industry_chain=chain, trade=trade,
        awards=factories.award_rules(prizes=3, titles=[{"title": "技术能手", "top": 1}],
                                     promotions=[{"from_rank": 1, "to_rank": 1, "level": "技师"}],
                                     certificate={"issue": False}))
    competition = api.ok("POST", "/competitions", as_=org, json=payload)
    cid, eid = competition["id"], competition["events"][0]["id"]
    base = f"/competitions/{cid}"

    api.ok("PUT", f"{base}/officials", as_=org, json={"chief_judge": "chief-1", "supervisor": "super-1"})
    api.ok("POST", f"{base}/status", as_=org, json={"action": "open_registration"})
    for data in workers:
        entry = api.ok("POST", f"{base}/events/{eid}/entries", as_=org, json={**data, "trade": trade})
        api.ok("POST", f"{base}/events/{eid}/entries/{entry['id']}/decision", as_=org,
               json={"decision": "approve"})
    for n in (1, 2, 3):
        api.ok("POST", f"{base}/events/{eid}/judges", as_=org,
               json={"judge_id": f"judge-{n}", "name": f"裁判{n}", "enterprise": "评审中心"})
    api.ok("POST", f"{base}/status", as_=org, json={"action": "close_registration"})
    api.ok("POST", f"{base}/status", as_=org, json={"action": "start_marking"})

    sheet = api.ok("GET", f"{base}/events/{eid}/marking-sheet", as_=judges[0])
    for position, row in enumerate(sheet["entries"]):
        code = row["entry_code"]
        api.ok("POST", f"{base}/events/{eid}/marks", as_=judges[0],
               json={"entry_code": code, "aspect_id": "T1.1", "value": 95 - 8 * position})
        mark_practical(api, base, eid, code, position, judges)
    api.ok("POST", f"{base}/sign-off", as_=chief)
    api.ok("POST", f"{base}/sign-off", as_=supervisor)
    api.ok("POST", f"{base}/publish", as_=org)
    return api.ok("GET", f"/public/competitions/{cid}/results")["events"][0]["results"]


# Each expert's score of a panel item: 8.5 once the highest and lowest are dropped.
PANEL = [{"expert": f"专家{n}", "score": score} for n, score in enumerate((8, 9, 9.5, 7, 8.5))]


def round_in_notice(api, reviewer, unit, studio_ids, notice=None):
    """A 2026 round of ``unit``'s studios (``studio_ids``: every active one), each scored by the
    panel and proposed, in its public notice (``notice``: the body of that request, default
    ``{}``), run by the union reviewer whose token is ``reviewer``. Returns the round."""
    round_ = api.ok("POST", "/rating-rounds", as_=reviewer, json={
        "name": "2026年度评定", "unit": unit, "year": 2026,
        "period": {"from": "2025-06-01", "to": "2026-05-31"}})
    for studio_id in studio_ids:
        for item in ("site_visit", "expert_review"):
            api.ok("POST", f"/rating-rounds/{round_['id']}/panel-scores", as_=reviewer,
                   json={"studio_id": studio_id, "item": item, "scores": PANEL})
    api.ok("POST", f"/rating-rounds/{round_['id']}/proposals", as_=reviewer)
    api.ok("POST", f"/rating-rounds/{round_['id']}/notice", as_=reviewer, json=notice or {})
    return round_


def studio_in_notice(api, reviewer, unit):
    """A studio of its own ``unit``, rated in a round whose public notice is open, by the union
    reviewer whose token is ``reviewer``. Returns (studio, round, rating id)."""
    studio = api.ok("POST", "/studios", as_=reviewer, json=factories.studio_payload(unit=unit))
    round_ = round_in_notice(api, reviewer, unit, [studio["id"]])
    return studio, round_, f"rtg-{round_['id']}-{studio['id']}"
