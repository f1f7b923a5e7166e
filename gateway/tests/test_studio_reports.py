"""The yearly studio report through the gateway: studios registered, results verified and a rating
round put into effect over HTTP, then the counts as JSON, as a page and as a workbook, each caller
seeing only what is theirs."""
import collections
import datetime
import io

import pytest
from openpyxl import load_workbook

from common.clock import utc_datetime
from common.testing import callers, scenarios
from common.testing import files as samples
from common.testing.callers import OTHER_UNIT, UNIT
from common.testing.factories import FINANCE_CONFIRMATION, result_payload, studio_payload
from common.testing.http import assert_json_error
from common.testing.waiting import wait_until
from gateway import exports
from gateway.tests import organiser_token, token, token_of

REVIEWER = token_of(callers.reviewer("reviewer-1", enterprise="建湖县总工会"))
ORG = organiser_token(UNIT, "org-1")
OTHER_ORG = organiser_token(OTHER_UNIT, "org-2")
# A name a browser would run and a spreadsheet would compute, were they not escaped and typed.
TRICKY_NAME = "=SUM(A1)<b>李红梅</b>工匠创新工作室"
TACKLING = ("主轴温升控制攻关", "刀具寿命提升攻关", "夹具快速换型攻关", "焊缝气孔消除攻关", "导轨磨损修复攻关")


def lead_token(studio_id):
    return token_of(callers.studio_lead(studio_id, f"lead-{studio_id}"))


def verified(api, studio, evidence=False, **overrides):
    lead = lead_token(studio["id"])
    result = api.ok("POST", f"/studios/{studio['id']}/results", as_=lead,
                    json=result_payload([m["member_id"] for m in studio["members"][:2]], **overrides))
    if evidence:
        api.ok("POST", f"/results/{result['id']}/evidence", as_=lead,
               files={"file": ("专利证书.pdf", samples.pdf())})
    api.ok("POST", f"/results/{result['id']}/submission", as_=lead)
    for action in ("start_review", "verify"):
        api.ok("POST", f"/results/{result['id']}/reviews", as_=REVIEWER,
               json={"action": action, "comment": f"{action}: 意见"})
    return result


def rate(api, studios):
    """A rating round of UNIT's studios, put into effect by the service's own timer."""
    closes = (utc_datetime() + datetime.timedelta(seconds=2)).isoformat(timespec="milliseconds")
    round_ = scenarios.round_in_notice(api, REVIEWER, UNIT, [s["id"] for s in studios],
                                       {"closes_at": closes})
    wait_until(lambda: api.ok("GET", f"/rating-rounds/{round_['id']}", as_=REVIEWER)["status"] == "closed",
               message="the round in effect")


@pytest.fixture(scope="module")
def unions(gateway_system):
    """Two studios of UNIT in one alliance, one rated, and a studio of OTHER_UNIT."""
    api = gateway_system
    wang = api.ok("POST", "/studios", as_=REVIEWER, json=studio_payload())
    li = api.ok("POST", "/studios", as_=REVIEWER, json=studio_payload(
        name=TRICKY_NAME, enterprise="江苏建湖汽车零部件厂", industry_chain="汽车制造",
        region_code="320924", level="county"))
    taian = api.ok("POST", "/studios", as_=REVIEWER, json=studio_payload(
        unit=OTHER_UNIT, name="泰安张伟技能大师工作室", region_code="370902"))
    for title in TACKLING:  # each: 攻关, converted, ¥1,200,000 saved and ¥300,000 created, 40 trained
        verified(api, wang, title=title, converted=True, people_trained=40)
    verified(api, li, kind="five_small", title="焊接夹具快速定位装置改造", economic_benefit={},
             details={"five_small_kind": "retrofit"})
    verified(api, li, kind="invention_patent", title="一种数控车床主轴温升补偿装置", details={},
             patent_number="ZL201710601862.3", economic_benefit={}, evidence=True)
    verified(api, li, kind="training", title="名师带徒培训", achieved_on="2025-09-01", details={},
             economic_benefit={}, people_trained=25)
    verified(api, taian, title="泰安攻关",
             economic_benefit={"cost_saved": 777_777, "confirmation": FINANCE_CONFIRMATION})
    api.ok("POST", "/alliances", as_=REVIEWER, json={
        "name": "建湖创新工作室联盟", "unit": UNIT, "members": [wang["id"], li["id"]],
        "convenor": wang["id"]})
    rate(api, [wang, li])
    stars = {name: api.ok("GET", f"/studios/{studio['id']}", as_=REVIEWER)["stars"]
             for name, studio in (("wang", wang), ("li", li))}
    assert stars["wang"] >= 1
    return {"wang": wang, "li": li, "taian": taian, "stars": stars}


def report(api, as_=REVIEWER, **params):
    return api.ok("GET", "/studio-reports", as_=as_, params=params)


def rows(view, grouping):
    return {row["key"]: row for g in view["groupings"] if g["group_by"] == grouping
            for row in g["rows"]}


def test_the_report_counts_a_units_studios_and_their_verified_results_of_the_year(gateway_system, unions):
    view = report(gateway_system, unit=UNIT, year=2026)
    totals = view["totals"]

    assert view["filters"] == {"unit": UNIT, "year": 2026}
    assert view["group_by"] == ["studio", "alliance", "industry_chain", "region"]
    assert totals["studios"] == 2
    assert totals["studios_by_level"] == {"enterprise": 0, "county": 1, "city": 1, "provincial": 0,
                                          "national": 0}
    held = collections.Counter(unions["stars"].values())
    assert totals["studios_by_stars"] == {str(n): held[n] for n in range(6)}
    # the 2025 training result is of another year
    assert totals["verified_results"] == 7 and totals["problems_solved"] == 5
    assert totals["five_small"] == 1 and totals["results_converted"] == 5
    assert totals["patents"] == 1 and totals["patents_by_kind"] == {"invention": 1, "utility": 0,
                                                                   "design": 0}
    assert totals["cost_saved"] == 6_000_000 and totals["value_created"] == 1_500_000
    assert totals["people_trained"] == 200

    wang, li = unions["wang"]["id"], unions["li"]["id"]
    studios = rows(view, "studio")
    assert set(studios) == {wang, li} and studios[li]["label"] == TRICKY_NAME
    assert studios[wang]["studios_by_stars"][str(unions["stars"]["wang"])] == 1
    assert rows(view, "industry_chain")["汽车制造"]["five_small"] == 1
    assert set(rows(view, "region")) == {"320925", "320924"}
    (alliance,) = rows(view, "alliance").values()
    assert alliance["label"] == "建湖创新工作室联盟" and alliance["studios"] == 2
    assert alliance["cost_saved"] == totals["cost_saved"]

    every_year = report(gateway_system, unit=UNIT, group_by="studio")
    assert every_year["group_by"] == ["studio"] and len(every_year["groupings"]) == 1
    assert every_year["totals"]["people_trained"] == 225
    assert rows(every_year, "studio")[li]["verified_results"] == 3


def test_the_page_shows_the_same_numbers_escaped_with_stars_bars_and_beijing_time(gateway_system, unions):
    response = gateway_system.get("/studio-reports", as_=REVIEWER,
                                  params={"unit": UNIT, "year": 2026, "format": "html"})

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    page = response.text
    assert "6,000,000.00" in page and "1,500,000.00" in page
    stars = unions["stars"]["wang"]
    assert "★" * stars + "☆" * (5 - stars) in page
    assert "&lt;b&gt;李红梅&lt;/b&gt;" in page and "<b>李红梅" not in page
    assert 'style="width:100.0%"' in page and 'style="width:40.0%"' in page  # 5 results and 2
    assert "北京时间" in page and "建湖创新工作室联盟" in page and "1 (1/0/0)" in page
    assert not any(tag in page for tag in ("<script", "<link", "<img", "src="))


def test_the_workbook_holds_the_same_numbers_as_numbers_and_names_as_text(gateway_system, unions):
    view = report(gateway_system, unit=UNIT, year=2026)
    response = gateway_system.get("/studio-reports", as_=REVIEWER,
                                  params={"unit": UNIT, "year": 2026, "format": "xlsx"})

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    assert response.headers["Content-Disposition"].startswith('attachment; filename="studio-report-')
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["工作室 Studios", "联盟 Alliances", "产业链 Industry chains",
                                   "地区 Regions", "说明 About"]
    sheet = workbook["工作室 Studios"]
    header, *lines = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("编号 ID", "工作室 Studio", "工作室数 Studios")
    column = {title: position for position, title in enumerate(header)}
    by_id = {line[0]: line for line in lines}
    total = by_id[None]
    assert total[1] == "合计 Total"
    for field, title in (("studios", "工作室数 Studios"), ("verified_results", "核实成果 Verified results"),
                         ("problems_solved", "技术攻关 Problems solved"),
                         ("cost_saved", "节约成本（元） Cost saved (yuan)"),
                         ("value_created", "创造价值（元） Value created (yuan)"),
                         ("people_trained", "培训人数 People trained")):
        assert total[column[title]] == view["totals"][field], field
        for key, row in rows(view, "studio").items():
            assert by_id[key][column[title]] == row[field], (key, field)
    money = next(cell for cell in sheet[sheet.max_row] if cell.value == 6_000_000)
    assert money.data_type == "n"
    tricky = next(cell for cell in sheet["B"] if cell.value == TRICKY_NAME)
    assert tricky.data_type == "s"  # text, not a formula
    chains = {line[0]: line for line in workbook["产业链 Industry chains"].iter_rows(values_only=True)}
    assert chains["汽车制造"][1] == 1


def test_an_organiser_reports_on_their_own_unit_only(gateway_system, unions):
    own = report(gateway_system, as_=ORG, year=2026)
    assert own["filters"]["unit"] == UNIT and own["totals"] == report(
        gateway_system, unit=UNIT, year=2026)["totals"]

    other = report(gateway_system, as_=OTHER_ORG)
    assert other["filters"] == {"unit": OTHER_UNIT}
    assert set(rows(other, "studio")) == {unions["taian"]["id"]} and rows(other, "alliance") == {}
    assert other["totals"]["studios"] == 1 and other["totals"]["cost_saved"] == 777_777
    for studio in (unions["wang"], unions["li"]):
        assert studio["id"] not in str(other)
    page = gateway_system.get("/studio-reports", as_=OTHER_ORG, params={"format": "html"}).text
    assert "建湖" not in page and "6,000,000" not in page
    assert_json_error(gateway_system.get("/studio-reports", as_=OTHER_ORG, params={"unit": UNIT}), 403)


def test_a_lead_reads_their_own_studios_row_and_a_judge_nothing(gateway_system, unions):
    wang = unions["wang"]["id"]
    own = report(gateway_system, as_=lead_token(wang))
    assert own["group_by"] == ["studio"] and list(rows(own, "studio")) == [wang]
    assert own["totals"]["verified_results"] == 5

    assert_json_error(gateway_system.get("/studio-reports", as_=token("judge")), 403)
    assert_json_error(gateway_system.get("/studio-reports"), 401)
    assert report(gateway_system, as_=token("admin"))["totals"]["studios"] == 3


@pytest.mark.parametrize("params, field", [
    ({"group_by": "enterprise"}, "group_by"),
    ({"colour": "red"}, "colour"),
    ({"year": "last"}, "year"),
    ({"format": "pdf"}, "format"),
])
def test_a_bad_query_is_a_json_400_naming_the_field(gateway_system, params, field):
    body = assert_json_error(gateway_system.get("/studio-reports", as_=REVIEWER, params=params),
                             400, "bad_request")
    assert any(name.split(".")[0] == field for name in body["fields"]), body
