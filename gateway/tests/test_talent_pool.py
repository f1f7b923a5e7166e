"""The talent pool through the gateway, the way its users reach it over HTTP: competitions published
over HTTP fill the pool by themselves (events, no further call); curators search, count, export,
nominate, review and remove; organisers read their own unit's talents only; admins see what the
pool could not handle. No full ID number ever leaves the gateway."""
import csv
import datetime
import io
import time

import pytest
from openpyxl import load_workbook

from common.personal_id import PersonalDataProtector, make_id_number
from common.testing import contracts, scenarios
from common.testing.callers import OTHER_UNIT, UNIT
from common.testing.factories import worker
from common.testing.http import assert_json_error
from common.testing.waiting import wait_until
from gateway import exports
from conftest import TEST_PERSONAL_DATA_SECRET
from gateway.tests import organiser_token, token, token_of
from services.talent_pool import search as talent_search

WAIT_SECONDS = 30
FORMULA_NAME = '=HYPERLINK("http://evil.example","点我")'
HOSTILE_CHAIN = "机器人<script>alert(1)</script>"

REVIEWER = token("reviewer", "reviewer-1")
ADMIN = token("admin", "admin-1")
ORG = organiser_token(UNIT, "org-1")
OTHER_ORG = organiser_token(OTHER_UNIT, "org-2")


def person(name, region, sequence, employer="江苏建湖机床厂"):
    """A worker with an ID number of our choosing (region and birth), so that tests can find it."""
    number = make_id_number(region=region, birth=datetime.date(1988, 3, 12), sequence=sequence)
    return worker(employer=employer, name=name, id_number=number)


# --- a competition from creation to publication, over HTTP


def publish_competition(api, workers, **options):
    """common.testing.scenarios.publish_competition with this system's tokens."""
    return scenarios.publish_competition(api, token_of, workers, **options)




def search(api, as_=REVIEWER, **params):
    return api.ok("GET", "/talents", as_=as_, params=params)


def names(page):
    return {talent["name"] for talent in page["items"]}


# --- the module's data: four competitions, published once


@pytest.fixture(scope="module")
def responses(gateway_system):
    """Every response the gateway sends in this module, kept to check for ID numbers at the end."""
    seen = []
    gateway_system.session.hooks["response"].append(lambda response, *args, **kwargs: seen.append(response))
    return seen


@pytest.fixture(scope="module")
def pool(gateway_system, responses):
    api = gateway_system
    wang = person("王建国", "320925", 11)
    people = {
        # Jianhu (UNIT), city level: admitted
        "lathe": [wang, person("李海燕", "320981", 12, "建湖县石油机械有限公司"),
                  person("张磊", "370902", 13, "泰安阀门制造有限公司")],
        # the same 王建国 again, in another chain and trade: still one talent
        "welding": [{**wang}, person("陈红", "320925", 14, "江苏建湖汽车零部件厂"),
                    person("刘洋", "320925", 15, "江苏建湖汽车零部件厂")],
        # Tai'an (OTHER_UNIT), city level
        "robots": [person(FORMULA_NAME, "370902", 16, "泰安机器人有限公司"),
                   person("孙丽", "370902", 17, "泰安机器人有限公司"),
                   person("周强", "370911", 18, "泰安机器人有限公司")],
        # Jianhu, county level: below the policy's city level, recorded but not admitted
        "fitters": [person("吴敏", "320925", 19), person("郑浩", "320925", 20)],
    }
    started = time.monotonic()
    results = {
        "lathe": publish_competition(api, people["lathe"], name="2026年建湖市数控车工职业技能竞赛"),
        "welding": publish_competition(api, people["welding"], chain="汽车制造", trade="电焊工",
                                       name="2026年建湖市电焊工职业技能竞赛"),
        "robots": publish_competition(api, people["robots"], unit=OTHER_UNIT, chain=HOSTILE_CHAIN,
                                      trade="工业机器人系统运维员", name="2026年泰安市机器人运维竞赛"),
        "fitters": publish_competition(api, people["fitters"], level="county", trade="钳工",
                                       name="2026年建湖县钳工职业技能竞赛"),
    }
    # The only calls after publishing are reads of the pool: admission happens by events. The
    # pool is complete when every award has arrived: 王建国's second chain and the candidates too.
    wait_until(lambda: counts(api) == EXPECTED_COUNTS, WAIT_SECONDS, message="every award in the pool")
    active = search(api, limit=100)
    candidates = search(api, status="candidate", limit=100)
    return {"people": people, "results": results, "active": active, "candidates": candidates,
            "seconds": time.monotonic() - started,
            "id_numbers": {p["id_number"] for group in people.values() for p in group}}


EXPECTED_COUNTS = ({"装备制造": 3, "汽车制造": 3, HOSTILE_CHAIN: 3}, 8, 2)


def counts(api):
    stats = api.ok("GET", "/talents/statistics", as_=REVIEWER)
    chains = {row["industry_chain"]: row["count"] for row in stats["by_industry_chain"]}
    return chains, stats["total"], search(api, status="candidate")["total"]


def talent_named(pool, name):
    return next(t for t in pool["active"]["items"] if t["name"] == name)




# --- admission by events


def test_published_winners_are_in_the_pool_without_any_further_call(pool):
    winners = {r["name"] for key in ("lathe", "welding", "robots") for r in pool["results"][key]
               if r.get("prize")}
    active = pool["active"]

    assert names(active) == winners
    assert len(winners) == 8  # 9 prizes, 王建国 won two of them
    for talent in active["items"]:
        assert talent["status"] == "active"
        assert talent["status_reason"]
        assert talent["admitted_at"] and talent["review_date"]
        assert talent["honours"] and all(h["prize"] for h in talent["honours"])


def test_county_winners_are_recorded_but_not_admitted(pool):
    fitters = {r["name"] for r in pool["results"]["fitters"] if r.get("prize")}

    assert names(pool["candidates"]) == fitters
    assert all(t["status"] == "candidate" for t in pool["candidates"]["items"])
    assert not names(pool["active"]) & {"吴敏", "郑浩"}


def test_one_person_in_two_competitions_is_one_talent(gateway_system, pool):
    api = gateway_system
    found = search(api, name="王建国")

    assert found["total"] == 1
    talent = api.ok("GET", f"/talents/{found['items'][0]['id']}", as_=REVIEWER)
    assert sorted(talent["industry_chains"]) == ["汽车制造", "装备制造"]
    assert sorted(talent["trades"]) == ["数控车工", "电焊工"]
    assert {h["competition_name"] for h in talent["honours"]} == {
        "2026年建湖市数控车工职业技能竞赛", "2026年建湖市电焊工职业技能竞赛"}
    assert [s["kind"] for s in talent["sources"]] == ["competition", "competition"]
    assert talent["units"] == [UNIT]
    # The competitions' announcements carry the masked number, never the full one.
    wang = pool["people"]["lathe"][0]["id_number"]
    assert talent["id_number_masked"] == wang[:3] + "*" * 11 + wang[-4:]
    assert talent["history"][0]["action"] in ("admitted", "award_recorded")


# --- search


def test_filters(gateway_system, pool):
    api = gateway_system
    lathe = {r["name"] for r in pool["results"]["lathe"]}
    champion = next(r["name"] for r in pool["results"]["lathe"] if r["rank"] == 1)

    assert names(search(api, industry_chain="装备制造")) == lathe
    assert names(search(api, trade="电焊工")) == {r["name"] for r in pool["results"]["welding"]}
    assert names(search(api, industry_chain="装备制造", trade="电焊工")) == {"王建国"}
    assert champion in names(search(api, skill_level="技师"))
    assert names(search(api, min_skill_level="技师")) == {
        r["name"] for key in ("lathe", "welding", "robots") for r in pool["results"][key] if r["rank"] == 1}
    assert names(search(api, region="3709")) == {"张磊", FORMULA_NAME, "孙丽", "周强"}
    assert names(search(api, region="370911")) == {"周强"}
    assert names(search(api, employer="江苏建湖汽车零部件厂")) == {"陈红", "刘洋"}
    assert champion in names(search(api, honour="技术能手"))
    assert names(search(api, honour="一等奖")) == names(search(api, honour="first"))
    assert search(api, industry_chain="无人机")["total"] == 0
    assert names(search(api, status="all", limit=100)) == names(pool["active"]) | names(pool["candidates"])


def test_pages_are_stable_and_cover_every_talent_once(gateway_system, pool):
    api = gateway_system
    everyone = search(api, limit=100)

    for sort in ("name", "-admitted_at"):
        seen = []
        for offset in range(0, everyone["total"] + 3, 3):
            page = search(api, sort=sort, limit=3, offset=offset)
            assert page["total"] == everyone["total"]
            assert (page["limit"], page["offset"]) == (3, offset)
            seen.extend(t["id"] for t in page["items"])
        assert sorted(seen) == sorted(t["id"] for t in everyone["items"])
        assert len(set(seen)) == len(seen)
        again = [t["id"] for t in search(api, sort=sort, limit=100)["items"]]
        assert seen == again
    by_name = [t["name"] for t in search(api, limit=100)["items"]]
    assert by_name == sorted(by_name)


# --- statistics


def test_statistics_count_by_chain_trade_and_level(gateway_system, pool):
    api = gateway_system
    stats = api.ok("GET", "/talents/statistics", as_=REVIEWER)

    assert stats["total"] == 8
    chains = {row["industry_chain"]: row["count"] for row in stats["by_industry_chain"]}
    assert chains == {"装备制造": 3, "汽车制造": 3, HOSTILE_CHAIN: 3}
    trades = {row["trade"]: row["count"] for row in stats["by_trade"]}
    assert trades == {"数控车工": 3, "电焊工": 3, "工业机器人系统运维员": 3}
    assert sum(row["count"] for row in stats["by_skill_level"]) == 8
    assert [row["skill_level"] for row in stats["by_skill_level"]] == ["中级工", "技师"]
    narrowed = api.ok("GET", "/talents/statistics", as_=REVIEWER, params={"trade": "电焊工"})
    assert narrowed["total"] == 3 and narrowed["filters"]["trade"] == "电焊工"


def test_statistics_as_a_page_with_bars(gateway_system, pool):
    api = gateway_system
    response = api.get("/talents/statistics", as_=REVIEWER, params={"format": "html"})

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    page = response.text
    assert "<script>" not in page
    assert "机器人&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'style="width:37.5%"' in page  # 3 of 8 talents in each chain
    assert "合计 Total: <strong>8</strong>" in page
    assert not any(tag in page for tag in ("<link", "<img", "<script", "src="))  # nothing loaded


# --- exports


def test_csv_export_parses_back_to_the_search(gateway_system, pool):
    api = gateway_system
    response = api.get("/talents/export", as_=REVIEWER, params={"format": "csv", "region": "3709"})

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="talents-') and '.csv"' in disposition
    assert "filename*=UTF-8''" in disposition
    assert response.content.startswith("\ufeff".encode("utf-8"))
    assert int(response.headers["Content-Length"]) == len(response.content)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = search(api, region="3709")
    assert [row["人才编号 Talent ID"] for row in rows] == [t["id"] for t in expected["items"]]
    assert list(rows[0]) == list(exports.HEADERS)
    zhang = next(row for row in rows if row["姓名 Name"] == "张磊")
    assert zhang["地区代码 Region code"] == "370902"
    assert zhang["产业链 Industry chains"] == "装备制造"
    assert zhang["状态 Status"] == "在库 active"
    assert "2026年建湖市数控车工职业技能竞赛（市级）" in zhang["荣誉 Honours"]
    # a name a spreadsheet would run as a formula is defused
    assert {row["姓名 Name"] for row in rows} >= {"'" + FORMULA_NAME}


def test_xlsx_export_opens_with_the_right_rows(gateway_system, pool):
    api = gateway_system
    response = api.get("/talents/export", as_=REVIEWER,
                       params={"format": "xlsx", "sort": "-admitted_at"})

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    assert '.xlsx"' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == exports.HEADERS
    expected = search(api, sort="-admitted_at", limit=100)["items"]
    assert [row[0] for row in rows[1:]] == [t["id"] for t in expected]
    assert [row[1] for row in rows[1:]] == [t["name"] for t in expected]
    formula = next(cell for cell in sheet["B"] if cell.value == FORMULA_NAME)
    assert formula.data_type == "s"  # text, not a formula
    assert not any(pool_id in str(row) for row in rows for pool_id in pool["id_numbers"])


def test_an_export_follows_the_filters_and_refuses_a_bad_format(gateway_system, pool):
    api = gateway_system
    response = api.get("/talents/export", as_=REVIEWER, params={"trade": "电焊工"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 3

    body = assert_json_error(api.get("/talents/export", as_=REVIEWER, params={"format": "pdf"}),
                        400, "bad_request")
    assert list(body["fields"]) == ["format"]


def test_an_export_is_read_page_after_page_from_the_talent_pool():
    pages = {None: {"total": 5, "items": [{"id": "t1"}, {"id": "t2"}], "next": {"offset": 2}},
             2: {"total": 5, "items": [], "next": {"offset": 4}},  # both left the filter meanwhile
             4: {"total": 5, "items": [{"id": "t5"}], "next": None}}
    asked = []

    def export(filters, cursor):
        asked.append((filters, cursor))
        return pages[cursor and cursor["offset"]]

    assert list(exports.talent_pages(export, {"trade": "x"})) == [[{"id": "t1"}, {"id": "t2"}],
                                                                  [{"id": "t5"}]]
    assert asked == [({"trade": "x"}, None), (None, {"offset": 2}), (None, {"offset": 4})]


def test_an_export_larger_than_the_pool_allows_is_refused_with_a_json_error(gateway_system, pool,
                                                                            monkeypatch):
    monkeypatch.setattr(talent_search, "MAX_EXPORT_ROWS", 2)
    body = assert_json_error(gateway_system.get("/talents/export", as_=REVIEWER, params={"status": "all"}),
                        400, "bad_request")
    assert "at most 2" in body["message"]


# --- nominations and curation


def test_a_nomination_through_its_three_reviews_becomes_a_talent(gateway_system, pool):
    api = gateway_system
    number = make_id_number(region="320925", birth=datetime.date(1979, 8, 1), sequence=77)
    pool["id_numbers"].add(number)
    nominated = api.post("/talent-nominations", as_=REVIEWER, json={
        "name": "钱师傅", "id_number": number, "employer": "江苏建湖机床厂", "industry_chain": "装备制造",
        "trade": "数控车工", "skill_level": "高级技师", "reason": "三十年一线经验，攻克主轴加工难题12项"})
    assert nominated.status_code == 201, nominated.text
    nomination = nominated.json()
    assert nomination["id_number_masked"] == number[:3] + "*" * 11 + number[-4:]
    assert (nomination["status"], nomination["stage"], nomination["stage_name"]) == \
        ("in_review", "qualification_review", "资格审查")
    nid = nomination["id"]
    listed = api.ok("GET", "/talent-nominations", as_=ADMIN, params={"status": "in_review"})
    assert nid in {n["id"] for n in listed["items"]}

    # whoever nominated does not review
    assert_json_error(api.post(f"/talent-nominations/{nid}/reviews", as_=REVIEWER,
                          json={"decision": "pass", "comment": "自荐"}), 403, "forbidden")
    steps = [("qualification_review", "reviewer-2", "资格审查通过：证书与业绩材料齐全"),
             ("expert_review", "reviewer-3", "专家初评：技术难题攻关成效显著"),
             ("final_review", "reviewer-4", "综合复审同意入库")]
    for stage, reviewer, comment in steps:
        reviewed = api.ok("POST", f"/talent-nominations/{nid}/reviews", as_=token("reviewer", reviewer),
                          json={"decision": "pass", "comment": comment, "stage": stage})
    assert reviewed["status"] == "admitted" and reviewed["stage"] is None
    assert [(r["stage_name"], r["comment"], r["by"]) for r in reviewed["reviews"]] == [
        ("资格审查", steps[0][2], "reviewer-2"), ("专家初评", steps[1][2], "reviewer-3"),
        ("综合复审", steps[2][2], "reviewer-4")]
    assert api.ok("GET", f"/talent-nominations/{nid}", as_=REVIEWER) == reviewed

    talent = api.ok("GET", f"/talents/{reviewed['talent_id']}", as_=REVIEWER)
    assert (talent["name"], talent["status"], talent["skill_level"]) == ("钱师傅", "active", "高级技师")
    assert talent["id_number_masked"] == nomination["id_number_masked"]
    assert talent["sources"][0]["kind"] == "nomination"
    assert "钱师傅" in names(search(api, min_skill_level="高级技师"))
    # a closed nomination takes no more reviews
    assert_json_error(api.post(f"/talent-nominations/{nid}/reviews", as_=token("reviewer", "reviewer-5"),
                          json={"decision": "reject", "comment": "迟到的意见"}), 409, "conflict")


def test_a_stage_out_of_order_and_a_rejection(gateway_system, pool):
    api = gateway_system
    number = make_id_number(region="320925", birth=datetime.date(1985, 2, 3), sequence=78)
    pool["id_numbers"].add(number)
    nid = api.ok("POST", "/talent-nominations", as_=ADMIN, json={
        "name": "孔工", "id_number": number, "employer": "建湖阀门厂", "industry_chain": "装备制造",
        "trade": "钳工", "skill_level": "技师", "reason": "推荐"})["id"]

    assert_json_error(api.post(f"/talent-nominations/{nid}/reviews", as_=REVIEWER,
                          json={"decision": "pass", "comment": "跳级", "stage": "final_review"}),
                 409, "conflict")
    rejected = api.ok("POST", f"/talent-nominations/{nid}/reviews", as_=REVIEWER,
                      json={"decision": "reject", "comment": "材料不全：缺少业绩证明"})
    assert rejected["status"] == "rejected" and rejected["talent_id"] is None
    assert search(api, name="孔工", status="all")["total"] == 0


def test_removal_needs_a_reason_and_takes_the_talent_out_of_searches(gateway_system, pool):
    api = gateway_system
    talent_id = talent_named(pool, "刘洋")["id"]

    body = assert_json_error(api.post(f"/talents/{talent_id}/status", as_=REVIEWER, json={"status": "removed"}),
                        400, "bad_request")
    assert list(body["fields"]) == ["reason"]
    removed = api.ok("POST", f"/talents/{talent_id}/status", as_=REVIEWER,
                     json={"status": "removed", "reason": "本人申请退出人才库"})
    assert (removed["status"], removed["status_reason"]) == ("removed", "本人申请退出人才库")
    assert removed["history"][-1]["action"] == "removed"
    assert removed["history"][-1]["by"] == "reviewer-1"

    assert "刘洋" not in names(search(api, limit=100))
    assert names(search(api, status="removed")) == {"刘洋"}
    assert_json_error(api.post(f"/talents/{talent_id}/status", as_=REVIEWER,
                          json={"status": "removed", "reason": "again"}), 409, "conflict")


# --- who may do what


def test_roles(gateway_system, pool):
    api = gateway_system
    lathe_talent = talent_named(pool, "张磊")["id"]
    robots_talent = talent_named(pool, "孙丽")["id"]
    judge = token("judge", "judge-1")

    for method, path in (("GET", "/talents"), ("GET", "/talents/statistics"), ("GET", "/talents/export"),
                         ("GET", f"/talents/{lathe_talent}"), ("GET", "/talent-nominations")):
        assert_json_error(api.request(method, path, as_=judge), 403, "forbidden")
    assert_json_error(api.get("/talents"), 401, "unauthorized")

    # an organiser reads their own unit's talents, and nothing of another unit's
    own = search(api, as_=OTHER_ORG, limit=100)
    assert names(own) == {FORMULA_NAME, "孙丽", "周强"}
    assert api.ok("GET", f"/talents/{robots_talent}", as_=OTHER_ORG)["name"] == "孙丽"
    assert_json_error(api.get(f"/talents/{lathe_talent}", as_=OTHER_ORG), 404, "not_found")
    assert_json_error(api.get(f"/talents/{robots_talent}", as_=ORG), 404, "not_found")
    assert "孙丽" not in names(search(api, as_=ORG, limit=100))
    assert search(api, as_=OTHER_ORG, industry_chain="装备制造")["total"] == 0  # no widening
    assert api.ok("GET", "/talents/statistics", as_=OTHER_ORG)["total"] == 3
    exported = api.get("/talents/export", as_=OTHER_ORG)
    assert len(list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))) == 1 + 3
    # ... and does not curate
    assert_json_error(api.post(f"/talents/{robots_talent}/status", as_=OTHER_ORG,
                          json={"status": "removed", "reason": "x"}), 403, "forbidden")
    assert_json_error(api.get("/talent-nominations", as_=OTHER_ORG), 403, "forbidden")

    # parked messages are for admins
    for who in (REVIEWER, OTHER_ORG):
        assert_json_error(api.get("/admin/parked/talent_pool", as_=who), 403, "forbidden")
        assert_json_error(api.post("/admin/parked/talent_pool/replay", as_=who), 403, "forbidden")
    # only services that consume have parked messages
    assert_json_error(api.get("/admin/parked/competitions", as_=ADMIN), 404, "not_found")
    assert_json_error(api.post("/admin/parked/nobody/replay", as_=ADMIN), 404, "not_found")


def test_an_admin_lists_and_replays_parked_messages(gateway_system, pool):
    from nameko.standalone.events import event_dispatcher

    api = gateway_system
    # Not an event envelope at all: the pool parks it at once, with its error.
    dispatch = event_dispatcher({"AMQP_URI": api.amqp_uri})
    dispatch("competitions", "competition.contestant_awarded", {"junk": "不是事件"})
    parked = wait_until(lambda: (lambda page: page if page["total"] else None)(
        api.ok("GET", "/admin/parked/talent_pool", as_=ADMIN)), WAIT_SECONDS, message="parked message")
    message = parked["items"][0]
    assert message["body"] == {"junk": "不是事件"}
    assert "not an event envelope" in message["error"]
    assert message["queue"].endswith("--talent_pool.contestant_awarded")

    assert_json_error(api.post("/admin/parked/talent_pool/replay", as_=ADMIN, json={"parked_id": "nope"}),
                 404, "not_found")
    replayed = api.ok("POST", "/admin/parked/talent_pool/replay", as_=ADMIN,
                      json={"parked_id": message["id"]})
    assert replayed == {"replayed": 1}
    # still junk: parked again, as a new record
    again = wait_until(lambda: (lambda page: page if page["total"] and page["items"][0]["id"] != message["id"]
                              else None)(api.ok("GET", "/admin/parked/talent_pool", as_=ADMIN)),
                     WAIT_SECONDS, message="re-parked message")
    assert again["total"] == 1
    # without a body: everything parked
    assert api.ok("POST", "/admin/parked/talent_pool/replay", as_=ADMIN) == {"replayed": 1}


# --- studio ratings and verified results, from the studios service's events


def test_a_studio_lead_and_an_author_show_their_studio_records(gateway_system, pool):
    from nameko.standalone.events import event_dispatcher

    api = gateway_system
    protector = PersonalDataProtector(TEST_PERSONAL_DATA_SECRET)
    wang, li = pool["people"]["lathe"][:2]

    def named(person):  # as the studios service names a person: protected key and mask
        protected = protector.protect(person["id_number"])
        return {"person_key": protected["person_key"], "name": person["name"],
                "id_number_masked": protected["id_number_masked"]}

    dispatch = event_dispatcher({"AMQP_URI": api.amqp_uri})
    rating = contracts.studio_rated(lead={**named(wang), "honour": "劳模"})
    result = contracts.result_verified(authors=[named(wang), named(li)])
    dispatch("studios", contracts.STUDIO_RATED, contracts.studio_envelope(contracts.STUDIO_RATED, rating))
    dispatch("studios", contracts.RESULT_VERIFIED,
             contracts.studio_envelope(contracts.RESULT_VERIFIED, result))

    def recorded(name, *fields):
        [row] = search(api, name=name)["items"]
        talent = api.ok("GET", f"/talents/{row['id']}", as_=REVIEWER)
        return talent if all(talent[field] for field in fields) else None

    # The same people as the competitions' winners: matched on the protected person key.
    lead = wait_until(lambda: recorded("王建国", "studio_honours", "innovation_results"), WAIT_SECONDS,
                      message="the studio events on the lead's talent")
    [honour] = lead["studio_honours"]
    assert (honour["studio_name"], honour["stars"], honour["status"], honour["lead_honour"]) == (
        rating["studio_name"], 4, "rated", "劳模")
    assert lead["innovation_results"][0]["title"] == result["title"]
    assert lead["innovation_results"][0]["economic_benefit"]["cost_saved"] == 1200000.0
    assert lead["studio_memberships"] == [{"studio_id": rating["studio_id"],
                                           "studio_name": rating["studio_name"], "role": "lead"}]
    assert [h["action"] for h in lead["history"]][-2:] == ["studio_rated", "result_recorded"]
    author = wait_until(lambda: recorded("李海燕", "innovation_results"), WAIT_SECONDS,
                        message="the result on its second author's talent")
    assert author["innovation_results"][0]["author_position"] == 2
    assert author["studio_memberships"][0]["role"] == "member"
    assert author["employer"] == li["employer"]  # a result does not move anyone to another employer
    # The studio's unit is the organiser's own; another unit's organiser still sees nothing.
    assert api.ok("GET", f"/talents/{lead['id']}", as_=ORG)["studio_honours"] == lead["studio_honours"]
    assert_json_error(api.get(f"/talents/{lead['id']}", as_=OTHER_ORG), 404, "not_found")
    assert names(search(api, honour="劳模")) == {"王建国"}


# --- bad input and unknown objects


@pytest.mark.parametrize("params, field", [
    ({"limit": 5000}, "limit"),
    ({"offset": -1}, "offset"),
    ({"skill_level": "博士"}, "skill_level"),
    ({"region": "32a"}, "region"),
    ({"status": "deleted"}, "status"),
    ({"sort": "salary"}, "sort"),
    ({"colour": "red"}, "colour"),
])
def test_bad_search_parameters_are_400_and_named(gateway_system, params, field):
    body = assert_json_error(gateway_system.get("/talents", as_=REVIEWER, params=params), 400, "bad_request")
    assert list(body["fields"]) == [field]


def test_bad_bodies_are_400_and_named(gateway_system, pool):
    api = gateway_system
    good = {"name": "甲", "id_number": make_id_number(sequence=301), "employer": "厂", "industry_chain": "装备制造",
            "trade": "钳工", "skill_level": "技师", "reason": "推荐"}
    pool["id_numbers"].add(good["id_number"])

    wrong_check = good["id_number"][:17] + ("0" if good["id_number"][17] != "0" else "1")
    for change, field in (({"id_number": wrong_check}, "id_number"),
                          ({"skill_level": "大师"}, "skill_level"),
                          ({"salary": 1}, "salary")):
        body = assert_json_error(api.post("/talent-nominations", as_=REVIEWER, json={**good, **change}),
                            400, "bad_request")
        assert field in body["fields"], body
    body = assert_json_error(api.post("/talent-nominations/nom-x/reviews", as_=REVIEWER,
                                 json={"decision": "maybe", "comment": "?"}), 400, "bad_request")
    assert list(body["fields"]) == ["decision"]
    body = assert_json_error(api.post(f"/talents/{talent_named(pool, '陈红')['id']}/status", as_=REVIEWER,
                                 json={"status": "candidate", "reason": "x"}), 400, "bad_request")
    assert list(body["fields"]) == ["status"]
    assert_json_error(api.post("/admin/parked/talent_pool/replay", as_=ADMIN, json={"parked": "x"}),
                 400, "bad_request")


def test_unknown_talents_and_nominations_are_404(gateway_system):
    api = gateway_system
    assert_json_error(api.get("/talents/tal-000000000000", as_=REVIEWER), 404, "not_found")
    assert_json_error(api.post("/talents/tal-000000000000/status", as_=REVIEWER,
                          json={"status": "removed", "reason": "x"}), 404, "not_found")
    assert_json_error(api.get("/talent-nominations/nom-000000000000", as_=REVIEWER), 404, "not_found")


def test_the_gateway_calls_only_methods_the_talent_pool_has():
    import inspect
    import re

    from gateway.operations import OperationsRoutes
    from gateway.talent_pool import TalentPoolRoutes
    from services.talent_pool.service import TalentPoolService

    source = inspect.getsource(TalentPoolRoutes) + inspect.getsource(OperationsRoutes)
    called = set(re.findall(r"talent_pool\.([a-z_]+)\(", source)) - {"with_timeout"}
    # the parked-message admin, reached per consuming service
    called |= set(re.findall(r"consumers\(service\)\.([a-z_]+)\(", source))
    assert called == {"search_talents", "talent_statistics", "export_talents", "get_talent",
                      "change_talent_status", "nominate", "list_nominations", "get_nomination",
                      "review_nomination", "list_parked", "replay_parked"}
    assert called <= {name for name in dir(TalentPoolService) if not name.startswith("_")}


# --- last: nothing above showed a full ID number


def test_no_response_carried_a_full_id_number(pool, responses):
    assert len(responses) > 100
    for response in responses:
        body = response.content
        if response.headers.get("Content-Type", "").startswith(exports.CONTENT_TYPES["xlsx"]):
            sheet = load_workbook(io.BytesIO(body)).active
            body = repr(list(sheet.iter_rows(values_only=True))).encode("utf-8")
        for number in pool["id_numbers"]:
            assert number.encode() not in body, response.request.url
