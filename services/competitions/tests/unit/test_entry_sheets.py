"""A sheet of workers checked row by row: the rules of one registration, and the sheet's own."""
import datetime

import pytest

from common.errors import BadRequest
from common.personal_id import make_id_number
from common.testing.factories import worker
from services.competitions.api import sheet_workers
from services.competitions.entry_sheets import check_rows

ON = datetime.date(2026, 12, 4)
EVENT = {"trade": "数控车工", "eligibility": {"min_level": "中级工", "max_age": 40, "quota_per_enterprise": 2}}
HEADERS = ["姓名", "身份证号", "工作单位", "工种", "技能等级"]


def person_key(number):
    return f"key-{number}"


def row(number, **overrides):
    fields = worker(**overrides)
    return {"row": number, **fields}


def check(rows, registered=(), places_taken=None, event=EVENT):
    return check_rows(rows, event, person_key, set(registered), places_taken or {}, ON)


def test_eligible_workers_are_admitted_with_their_id_number_normalised():
    ends_in_x = make_id_number(sequence=6)  # its check character is X
    rows = [row(2), row(3, employer="建湖阀门厂", id_number=ends_in_x.lower())]
    admitted, errors, already = check(rows)
    assert (errors, already) == ([], [])
    assert [number for number, _ in admitted] == [2, 3]
    assert admitted[1][1]["id_number"] == ends_in_x


def test_every_error_of_a_row_is_answered_by_row_and_column():
    number = make_id_number()
    bad_check_digit = number[:-1] + ("1" if number[-1] == "0" else "0")
    too_old = make_id_number(birth=datetime.date(1970, 1, 1), sequence=5)
    rows = [row(2, id_number=bad_check_digit, trade="焊工"),
            row(3, id_number=too_old, skill_level="初级工"),
            {"row": 4, "name": "王伟"}]
    admitted, errors, _ = check(rows)
    assert admitted == []
    by_row = {(e["row"], e["column"]) for e in errors}
    assert {(2, "身份证号"), (3, "身份证号"), (3, "技能等级")} <= by_row
    assert {(4, "身份证号"), (4, "工作单位"), (4, "工种"), (4, "技能等级")} <= by_row
    assert any(e["row"] == 2 and "check digit" in e["message"] for e in errors)
    assert any(e["row"] == 3 and e["column"] == "身份证号" and "aged up to 40" in e["message"] for e in errors)


def test_the_trade_must_be_the_events():
    rule = {"trade": "数控车工", "eligibility": {}}
    _, errors, _ = check([row(2, trade="焊工")], event=rule)
    assert [(e["row"], e["column"]) for e in errors] == [(2, "工种")]


def test_the_same_worker_twice_in_the_sheet_is_an_error_on_the_second_row():
    first = row(2)
    admitted, errors, _ = check([first, {**first, "row": 7}])
    assert [number for number, _ in admitted] == [2]
    assert errors == [{"row": 7, "column": "身份证号", "message": "the same worker as in row 2"}]


def test_workers_registered_already_are_told_apart_from_errors():
    first, second = row(2), row(3)
    admitted, errors, already = check([first, second], registered={person_key(first["id_number"])})
    assert ([n for n, _ in admitted], errors, already) == ([3], [], [2])


def test_the_quota_counts_the_places_taken_and_the_sheets_own_rows():
    rows = [row(2, employer="甲厂"), row(3, employer="甲厂"), row(4, employer="乙厂")]
    admitted, errors, _ = check(rows, places_taken={"甲厂": 1})
    assert [n for n, _ in admitted] == [2, 4]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "工作单位")]
    assert "quota of 2" in errors[0]["message"]


def test_sheet_workers_maps_the_template_columns_in_any_order_leaving_blanks_out():
    headers = ["备注", "工种", "姓名", "身份证号", "工作单位", "技能等级"]
    rows = [(2, ["x", "数控车工", "王伟", "32092519900101123X", "", "中级工"])]
    assert sheet_workers(headers, rows) == [{"row": 2, "name": "王伟", "id_number": "32092519900101123X",
                                             "trade": "数控车工", "skill_level": "中级工"}]


@pytest.mark.parametrize("headers, problem", [
    (HEADERS[:-1], "技能等级"),
    ([*HEADERS, "姓名"], "姓名"),
])
def test_a_header_row_that_is_not_the_templates_is_a_bad_request(headers, problem):
    with pytest.raises(BadRequest) as refused:
        sheet_workers(headers, [])
    assert problem in refused.value.fields
