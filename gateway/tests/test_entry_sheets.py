"""Registration by spreadsheet over HTTP: the template downloaded, a sheet of workers previewed and
confirmed (twice: nobody registered twice), bad files refused, the entries exported."""
import io

from openpyxl import load_workbook

from common.personal_id import make_id_number
from common.testing import files as samples
from common.testing.factories import worker
from common.testing.http import assert_json_error
from gateway.tests import create_competition, organiser_token

HEADER = ["姓名", "身份证号", "工作单位", "工种", "技能等级", "手机号"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def line(data):
    return [data["name"], data["id_number"], data["employer"], data["trade"], data["skill_level"], ""]


def open_event(api, org):
    competition, eid = create_competition(api, as_=org)
    cid = competition["id"]
    api.ok("POST", f"/competitions/{cid}/status", as_=org, json={"action": "open_registration"})
    return f"/competitions/{cid}/events/{eid}"


def sheet_rows(content):
    return [list(row) for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def test_a_sheet_is_previewed_confirmed_and_confirmed_again_registering_nobody_twice(gateway_system):
    api, org = gateway_system, organiser_token()
    event = open_event(api, org)
    good = [worker(employer="建湖机床厂"), worker(employer="建湖阀门厂")]
    number = make_id_number(sequence=901)
    bad = worker(id_number=number[:-1] + ("1" if number[-1] == "0" else "0"), skill_level="大师")
    content = samples.workbook([HEADER, line(good[0]), line(bad), line(good[1]), line(good[0])])
    upload = {"file": ("报名表.xlsx", content)}

    preview = api.ok("POST", f"{event}/entry-sheets/preview", as_=org, files=upload)
    assert (preview["rows"], preview["valid"]) == (4, 2)
    assert {(e["row"], e["column"]) for e in preview["errors"]} == {(3, "身份证号"), (3, "技能等级"), (5, "身份证号")}
    assert [w["worker"]["id_number_masked"] for w in preview["workers"]] == \
        [g["id_number"][:3] + "*" * 11 + g["id_number"][-4:] for g in good]
    response = api.post(f"{event}/entry-sheets/preview", as_=org, files=upload)
    assert not any(g["id_number"] in response.text for g in good)
    assert api.ok("GET", f"{event}/entries", as_=org)["total"] == 0

    imported = api.ok("POST", f"{event}/entry-sheets", as_=org, files=upload)
    assert (imported["registered_rows"], imported["already_registered_rows"]) == ([2, 4], [])
    assert [e["row"] for e in imported["errors"]] == [3, 3, 5]
    again = api.ok("POST", f"{event}/entry-sheets", as_=org, files=upload)
    assert (again["registered_rows"], again["already_registered_rows"]) == ([], [2, 4])
    assert api.ok("GET", f"{event}/entries", as_=org)["total"] == 2

    export = api.get(f"{event}/entries/export", as_=org)
    assert export.status_code == 200 and export.headers["Content-Type"].startswith(XLSX_TYPE)
    rows = sheet_rows(export.content)
    assert rows[0][:2] == ["姓名", "身份证号（部分隐藏）"]
    assert [(r[0], r[1]) for r in rows[1:]] == \
        [(g["name"], g["id_number"][:3] + "*" * 11 + g["id_number"][-4:]) for g in good]
    assert not any(g["id_number"].encode() in export.content for g in good)


def test_a_csv_in_gb18030_registers_as_the_workbook_does(gateway_system):
    api, org = gateway_system, organiser_token()
    event = open_event(api, org)
    data = worker(employer="江苏建湖石油机械")
    content = samples.csv_text([HEADER, line(data)], encoding="gb18030")
    imported = api.ok("POST", f"{event}/entry-sheets", as_=org, files={"file": ("报名表.csv", content)})
    assert imported["registered_rows"] == [2]
    assert api.ok("GET", f"{event}/entries", as_=org)["items"][0]["employer"] == "江苏建湖石油机械"


def test_the_template_is_the_header_row_and_an_example_that_passes_the_checks(gateway_system):
    api, org = gateway_system, organiser_token()
    response = api.get("/competitions/entry-sheet-template", as_=org)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(XLSX_TYPE)
    assert "attachment" in response.headers["Content-Disposition"]
    header, example = sheet_rows(response.content)
    assert header == HEADER
    columns = load_workbook(io.BytesIO(response.content)).active.column_dimensions
    assert columns["B"].number_format == "@"  # an ID number typed in stays text, all 18 digits
    event = open_event(api, org)
    preview = api.ok("POST", f"{event}/entry-sheets/preview", as_=org,
                     files={"file": ("模板.xlsx", response.content)})
    assert (preview["valid"], preview["errors"]) == (1, [])


def test_bad_files_are_json_errors_and_change_nothing(gateway_system):
    api, org = gateway_system, organiser_token()
    event = open_event(api, org)
    path = f"{event}/entry-sheets"
    for content in (samples.pdf(), b"PK\x03\x04broken", samples.csv_text([["名字", "编号"], ["王伟", "1"]])):
        body = assert_json_error(api.post(path, as_=org, files={"file": ("报名表.xlsx", content)}), 400)
        assert body["fields"]
    too_many = samples.csv_text([HEADER] + [line(worker())] * 5001)
    assert_json_error(api.post(path, as_=org, files={"file": ("报名表.csv", too_many)}), 413)
    huge = b"a" * (5 * 1024 * 1024 + 1)
    assert_json_error(api.post(path, as_=org, files={"file": ("报名表.csv", huge)}), 413)
    assert_json_error(api.post(path, as_=org, json={"file": "x"}), 400)
    assert api.ok("GET", f"{event}/entries", as_=org)["total"] == 0
