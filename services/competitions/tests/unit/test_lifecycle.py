import pytest

from common.errors import BadRequest, Conflict
from services.competitions.domain import lifecycle as lc

HAPPY_PATH = [
    (lc.DRAFT, lc.OPEN_REGISTRATION, lc.REGISTRATION_OPEN),
    (lc.REGISTRATION_OPEN, lc.CLOSE_REGISTRATION, lc.REGISTRATION_CLOSED),
    (lc.REGISTRATION_CLOSED, lc.START_MARKING, lc.MARKING),
    (lc.MARKING, lc.SIGN_OFF, lc.SIGNED_OFF),
    (lc.SIGNED_OFF, lc.PUBLISH, lc.PUBLISHED),
]


@pytest.mark.parametrize("current, action, expected", HAPPY_PATH)
def test_each_step_of_the_normal_path_moves_forward(current, action, expected):
    assert lc.next_status(current, action) == expected


def test_an_appeal_remark_takes_signed_off_results_back_to_marking():
    assert lc.next_status(lc.SIGNED_OFF, lc.REOPEN_MARKING) == lc.MARKING


def test_a_correction_republishes_published_results():
    assert lc.next_status(lc.PUBLISHED, lc.CORRECT) == lc.PUBLISHED


@pytest.mark.parametrize("current", [s for s in lc.STATUSES if s not in (lc.PUBLISHED, lc.CANCELLED)])
def test_cancel_is_possible_before_publication(current):
    assert lc.next_status(current, lc.CANCEL) == lc.CANCELLED


@pytest.mark.parametrize("current", [lc.PUBLISHED, lc.CANCELLED])
def test_published_or_cancelled_competitions_cannot_be_cancelled(current):
    with pytest.raises(Conflict):
        lc.next_status(current, lc.CANCEL)


def test_an_illegal_move_says_what_and_from_where():
    with pytest.raises(Conflict) as raised:
        lc.next_status(lc.DRAFT, lc.PUBLISH)
    assert raised.value.message == "cannot publish a competition that is in draft"


@pytest.mark.parametrize("action", lc.ACTIONS)
@pytest.mark.parametrize("current", lc.STATUSES)
def test_every_pair_outside_the_table_is_a_conflict(current, action):
    if current in lc.TRANSITIONS[action]:
        assert lc.next_status(current, action) in lc.STATUSES
    else:
        with pytest.raises(Conflict):
            lc.next_status(current, action)


def test_published_results_cannot_go_back_to_marking():
    with pytest.raises(Conflict):
        lc.next_status(lc.PUBLISHED, lc.REOPEN_MARKING)


def test_an_unknown_action_is_a_bad_request_naming_the_action():
    with pytest.raises(BadRequest) as raised:
        lc.next_status(lc.DRAFT, "launch")
    assert "action" in raised.value.fields


def test_an_unknown_stored_status_is_an_internal_error():
    with pytest.raises(ValueError):
        lc.next_status("archived", lc.PUBLISH)
    with pytest.raises(ValueError):
        lc.allowed_actions("archived")


def test_allowed_actions_lists_the_moves_out_of_a_status():
    assert lc.allowed_actions(lc.SIGNED_OFF) == [lc.REOPEN_MARKING, lc.PUBLISH, lc.CANCEL]
    assert lc.allowed_actions(lc.CANCELLED) == []
    assert lc.allowed_actions(lc.PUBLISHED) == [lc.CORRECT]


def test_the_scheme_is_editable_only_until_marking_starts():
    editable = {s for s in lc.STATUSES if lc.is_editable_scheme(s)}
    assert editable == {lc.DRAFT, lc.REGISTRATION_OPEN, lc.REGISTRATION_CLOSED}


def test_registrations_only_while_open_and_marks_only_while_marking():
    assert [s for s in lc.STATUSES if lc.accepts_registrations(s)] == [lc.REGISTRATION_OPEN]
    assert [s for s in lc.STATUSES if lc.accepts_marks(s)] == [lc.MARKING]


def test_only_published_results_are_locked():
    assert [s for s in lc.STATUSES if lc.results_locked(s)] == [lc.PUBLISHED]
