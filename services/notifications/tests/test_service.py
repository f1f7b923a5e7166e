"""The notifications service in a real container on the real broker: events published as their
publishers' relays publish them, heard of by the subscribers who asked and may hear of them, in
their inboxes, once however often they come; and the subscribers' own calls."""
import pytest

from common.errors import BadRequest, Forbidden, NotFound
from common.testing import callers
from common.events import make_event
from common.testing.contracts import (EXAMPLES, RESULTS_PUBLISHED, results_published, studio_envelope,
                                      studio_rated)
from common.testing.events import publish_event
from common.testing.services import ServiceUnderTest
from common.testing.waiting import wait_until
from services.notifications.domain.topics import TOPICS
from services.notifications.events import SOURCES
from services.notifications.service import NotificationsService

HANDLERS = {"competition.results_published": "results_published",
            "studio.rated": "studio_rated", "talent.updated": "talent_updated"}


@pytest.fixture
def notifications(container_factory, service_config):
    return ServiceUnderTest(container_factory, NotificationsService,
                            {**service_config, "EVENT_RETRY_DELAYS": [0.1, 0.2]})


def hear(notifications, *bodies):
    """Publish each envelope and wait until its handler has finished with it."""
    for body in bodies:
        notifications.hear(HANDLERS[body["event_type"]], body)


def rated(**data):
    return studio_envelope("studio.rated", studio_rated(**data))


def test_every_topic_has_a_handler_listening_to_its_publisher():
    assert set(SOURCES) == set(TOPICS)
    for topic, (publisher, _example) in EXAMPLES.items():
        assert SOURCES[topic] == publisher


def test_a_subscriber_hears_of_what_they_asked_for_once_in_their_language(notifications):
    organiser, other = callers.organiser(), callers.organiser(callers.OTHER_UNIT, subject="org-2")
    notifications("update_subscriber", organiser, {"language": "en"})
    notifications("subscribe", organiser, {"topics": ["studio.rated"]})
    notifications("subscribe", organiser, {"topics": ["studio.rated", "competition.results_published"]})
    notifications("subscribe", other, {"topics": ["studio.rated"]})
    first = rated()
    hear(notifications, first, first, rated(unit=callers.OTHER_UNIT))

    page = notifications("list_inbox", organiser, {})
    assert page["total"] == 1  # twice delivered, two subscriptions: one item
    [item] = page["items"]
    assert item["event_id"] == first["event_id"] and item["language"] == "en"
    assert item["subject"] == "王建国劳模创新工作室 rated 4 stars" and item["read_at"] is None
    assert notifications("unread", organiser) == {"unread": 1}
    # The other unit's organiser heard of their own unit's rating only.
    [theirs] = notifications("list_inbox", other, {})["items"]
    assert theirs["event_id"] != first["event_id"] and theirs["language"] == "zh-CN"

    read = notifications("mark_read", organiser, item["id"])
    assert read["read_at"] is not None
    assert notifications("mark_read", organiser, item["id"])["read_at"] == read["read_at"]
    assert notifications("unread", organiser) == {"unread": 0}
    assert notifications("list_inbox", organiser, {"unread": True})["total"] == 0


def test_filters_and_mutes_keep_an_event_out(notifications):
    subscriber = callers.judge()
    notifications("subscribe", subscriber, {"topics": ["competition.results_published"],
                                            "filters": {"competition_id": ["cmp-other"]}})
    reviewer = callers.reviewer()
    notifications("subscribe", reviewer, {"topics": ["competition.results_published"]})
    notifications("set_preferences", reviewer, {"topics": {"competition.results_published": {"muted": True}}})
    hear(notifications, make_event(RESULTS_PUBLISHED, results_published(), source="competitions"))
    assert notifications("list_inbox", subscriber, {})["total"] == 0
    assert notifications("list_inbox", reviewer, {})["total"] == 0


def test_what_one_may_never_hear_of_cannot_be_subscribed_to_and_bad_input_changes_nothing(notifications):
    judge = callers.judge()
    with pytest.raises(Forbidden):
        notifications("subscribe", judge, {"topics": ["talent.admitted"]})
    for payload in ({"topics": []}, {"topics": ["nope"]}, {"topics": ["studio.rated"], "colour": 1},
                    {"topics": ["talent.updated"], "filters": {"unit": ["jianhu-union"]}},
                    {"topics": ["studio.rated"], "filters": {"unit": ["x" * 101]}}):
        with pytest.raises(BadRequest):
            notifications("subscribe", callers.reviewer(), payload)
    with pytest.raises(BadRequest):
        notifications("set_preferences", judge, {"channels": {"sms": {"muted": True}}})
    assert notifications("list_subscriptions", callers.reviewer(), {})["total"] == 0
    assert notifications.store.subscribers.count_documents({}) == 0


def test_a_strangers_subscription_and_inbox_item_answer_as_missing_ones(notifications):
    owner, stranger = callers.reviewer(), callers.reviewer(subject="reviewer-2")
    subscription = notifications("subscribe", owner, {"topics": ["studio.rated"]})
    hear(notifications, rated())
    [item] = notifications("list_inbox", owner, {})["items"]
    for method, object_id in (("get_subscription", subscription["id"]), ("unsubscribe", subscription["id"]),
                              ("mark_read", item["id"])):
        with pytest.raises(NotFound) as theirs:
            notifications(method, stranger, object_id)
        with pytest.raises(NotFound) as missing:
            notifications(method, stranger, object_id[:4] + "missing")
        assert str(theirs.value).replace(object_id, "") == str(missing.value).replace(object_id[:4] + "missing", "")
    assert notifications("get_subscription", owner, subscription["id"])["topics"] == ["studio.rated"]
    notifications("unsubscribe", owner, subscription["id"])
    assert notifications("list_subscriptions", owner, {})["total"] == 0


def test_an_event_it_cannot_read_is_parked_not_lost(notifications):
    unreadable = studio_envelope("studio.rated", studio_rated(), version=2)
    publish_event(notifications.config["AMQP_URI"], unreadable)
    wait_until(lambda: notifications("list_parked", callers.admin(), {})["total"] == 1)
    [parked] = notifications("list_parked", callers.admin(), {})["items"]
    assert parked["event_id"] == unreadable["event_id"]
