"""Notifications through the gateway, as subscribers reach them over HTTP: a subscription, a
competition published through the gateway, and the subscriber's inbox telling of it in Chinese,
by events alone; each subscriber reaches only their own, and bad input is a JSON 4xx."""
import pytest

from common.testing import callers, factories, scenarios
from common.testing.http import assert_json_error
from common.testing.waiting import wait_until
from gateway.tests import organiser_token, token, token_of

ORG = organiser_token(callers.UNIT, "org-notified")
STRANGER = token("subscriber", "partner-hr")


@pytest.fixture(scope="module")
def told(gateway_system):
    """The organiser's subscription, and their inbox once a competition of theirs is published."""
    api = gateway_system
    subscription = api.ok("POST", "/subscriptions", as_=ORG,
                          json={"topics": ["competition.results_published"], "filters": {"unit": [callers.UNIT]}})
    workers = [factories.worker(name=name) for name in ("王建国", "李海燕")]
    scenarios.publish_competition(api, token_of, workers, name="2026年建湖县数控车工职业技能竞赛")
    inbox = wait_until(lambda: api.ok("GET", "/inbox", as_=ORG)["items"], message="the inbox told")
    return subscription, inbox


def test_a_published_competition_reaches_the_subscribers_inbox_in_chinese(gateway_system, told):
    api = gateway_system
    subscription, [item] = told
    assert subscription["topics"] == ["competition.results_published"]
    assert item["subject"] == "2026年建湖县数控车工职业技能竞赛成绩公布" and item["language"] == "zh-CN"
    assert "北京时间" in item["text"]
    assert api.ok("GET", "/inbox/unread", as_=ORG) == {"unread": 1}
    assert api.ok("POST", f"/inbox/{item['id']}/read", as_=ORG)["read_at"]
    assert api.ok("GET", "/inbox/unread", as_=ORG) == {"unread": 0}


def test_each_subscriber_reaches_only_their_own(gateway_system, told):
    api = gateway_system
    subscription, [item] = told
    assert api.ok("GET", "/inbox", as_=STRANGER)["total"] == 0
    for method, path in (("GET", f"/subscriptions/{subscription['id']}"),
                         ("DELETE", f"/subscriptions/{subscription['id']}"),
                         ("POST", f"/inbox/{item['id']}/read")):
        theirs = assert_json_error(api.request(method, path, as_=STRANGER), 404)
        missing = assert_json_error(api.request(method, path.replace(subscription["id"], "sub-000000000000")
                                                .replace(item["id"], "inb-000000000000"), as_=STRANGER), 404)
        assert theirs["error"] == missing["error"]
    assert_json_error(api.request("GET", "/inbox"), 401)
    assert api.ok("GET", f"/subscriptions/{subscription['id']}", as_=ORG)["id"] == subscription["id"]


def test_bad_input_is_a_json_4xx_naming_the_fields_and_changes_nothing(gateway_system):
    api = gateway_system
    fault = assert_json_error(api.request("POST", "/subscriptions", as_=STRANGER, json={"topics": ["nope"]}), 400)
    assert [field for field in fault["fields"] if field.startswith("topics")]
    assert_json_error(api.request("POST", "/subscriptions", as_=STRANGER,
                                  json={"topics": ["studio.rated"], "extra": 1}), 400)
    assert_json_error(api.request("POST", "/subscriptions", as_=STRANGER,
                                  json={"topics": ["talent.admitted"]}), 403)
    assert_json_error(api.request("PUT", "/subscriber", as_=STRANGER, json={"email": "not an email"}), 400)
    assert_json_error(api.request("PUT", "/subscriber/preferences", as_=STRANGER,
                                  json={"channels": {"sms": {"muted": True}}}), 400)
    assert api.ok("GET", "/subscriptions", as_=STRANGER)["total"] == 0
    me = api.ok("GET", "/subscriber", as_=STRANGER)
    assert me["role"] == "subscriber" and me["language"] == "zh-CN" and me["email"] is None


def test_topics_are_listed_with_their_names_and_filters(gateway_system):
    topics = {t["topic"]: t for t in gateway_system.ok("GET", "/topics", as_=STRANGER)["items"]}
    assert topics["studio.rated"]["name_zh"] == "工作室星级评定生效"
    assert topics["talent.admitted"]["filters"] == ["industry_chain"]
