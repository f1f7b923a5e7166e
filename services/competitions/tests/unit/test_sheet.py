from common.errors import BadRequest, Conflict
from services.competitions.domain import sheet
from services.competitions.domain.sheet import (ALREADY_TAKEN, HELD_BACK, KEPT_CLIENT_IDS, TAKEN,
                                                UNCHANGED, already_applied, by_entry, plan_entry,
                                                with_client_id)


def mark(code, aspect, value, client_id=None):
    return {"entry_code": code, "aspect_id": aspect, "value": value,
            "client_id": client_id or f"{code}-{aspect}"}


def plan(marks, current=None, held=None):
    """Plan ``marks`` against current values and held client ids by aspect; values over 3 refused."""
    current, held = current or {}, held or {}

    def value_of(m, old):
        if m["value"] > 3:
            raise BadRequest("a judgement is a whole level from 0 to 3", {"value": ["out of range"]})
        if old is not None and old != m["value"] and not m.get("reason"):
            raise Conflict("changing a mark needs a reason")
        return m["value"]

    return plan_entry(marks, lambda m: current.get(m["aspect_id"]),
                      lambda m: held.get(m["aspect_id"]), value_of)


def test_marks_are_grouped_by_entry_in_the_sheets_order():
    marks = [mark("B", "x", 1), mark("A", "x", 2), mark("B", "y", 3)]
    assert list(by_entry(marks).items()) == [("B", [marks[0], marks[2]]), ("A", [marks[1]])]


def test_client_ids_are_kept_bounded_newest_last():
    held = None
    for n in range(KEPT_CLIENT_IDS + 3):
        held = with_client_id(held, f"c{n}")
    assert len(held) == KEPT_CLIENT_IDS
    assert held[-1] == f"c{KEPT_CLIENT_IDS + 2}" and held[0] == "c3"
    assert already_applied(held, "c5") and not already_applied(held, "c0")
    assert not already_applied(None, "c5")


def test_new_marks_of_an_entry_are_all_written():
    marks = [mark("A", "x", 1), mark("A", "y", 2)]
    outcomes, changes = plan(marks)
    assert [o[1] for o in outcomes] == [TAKEN, TAKEN]
    assert changes == [(marks[0], None, 1), (marks[1], None, 2)]


def test_a_mark_already_standing_is_taken_without_a_write():
    outcomes, changes = plan([mark("A", "x", 1)], current={"x": 1})
    assert outcomes == [(mark("A", "x", 1), UNCHANGED, 1)] and changes == []


def test_a_resent_mark_is_already_taken_whatever_it_says_now():
    resent = mark("A", "x", 2, client_id="c1")
    outcomes, changes = plan([resent], current={"x": 3}, held={"x": ["c0", "c1"]})
    assert outcomes == [(resent, ALREADY_TAKEN, 3)] and changes == []


def test_one_refused_mark_holds_the_rest_of_its_entry_back():
    marks = [mark("A", "x", 1), mark("A", "y", 9), mark("A", "z", 2, client_id="old"),
             mark("A", "w", 1)]
    outcomes, changes = plan(marks, current={"z": 2, "w": 1}, held={"z": ["old"]})
    assert changes == []
    assert [(o[0]["aspect_id"], o[1]) for o in outcomes] == [
        ("x", HELD_BACK), ("y", "bad_request"), ("z", ALREADY_TAKEN), ("w", UNCHANGED)]
    assert outcomes[1][2].fields == {"value": ["out of range"]}


def test_a_change_without_a_reason_is_refused_as_alone():
    outcomes, changes = plan([mark("A", "x", 2)], current={"x": 1})
    assert outcomes[0][1] == "conflict" and changes == []
    reasoned = {**mark("A", "x", 2), "reason": "复核"}
    assert plan([reasoned], current={"x": 1}) == ([(reasoned, TAKEN, 2)], [(reasoned, 1, 2)])


def test_outcomes_are_the_words_of_the_api():
    assert {sheet.TAKEN, sheet.UNCHANGED, sheet.ALREADY_TAKEN, sheet.HELD_BACK} == {
        "taken", "unchanged", "already_taken", "held_back"}
