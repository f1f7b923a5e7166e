"""Notifications through the gateway, as subscribers reach them over HTTP: a subscription, a
competition published through the gateway, and the subscriber's inbox telling of it in Chinese,
and the partner system's webhook receiving it signed, by events alone; each subscriber reaches
only their own, and bad input is a JSON 4xx."""
import pytest
from standardwebhooks.webhooks import Webhook

from common.testing import callers, factories, scenarios
from common.testing.http import assert_json_error
from common.testing.receivers import WebhookReceiver
from common.testing.waiting import wait_until
from gateway.tests import organiser_token, token, token_of

ORG = organiser_token(callers.UNIT, "org-notified")
STRANGER = token("subscriber", "partner-hr")


PARTNER = token("subscriber", "city-portal")


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    with WebhookReceiver(tmp_path_factory.mktemp("webhooks")) as running:
        yield running


@pytest.fixture(scope="module")
def partner(gateway_system, receiver):
    """The city portal's endpoint (as registered: with its secret) and its subscription."""
    api = gateway_system
    endpoint = api.ok("POST", "/endpoints", as_=PARTNER, json={"url": receiver.url("/portal"), "description": "市门户"})
    api.ok("POST", "/subscriptions", as_=PARTNER,
           json={"topics": ["competition.results_published"], "endpoint_ids": [endpoint["id"]]})
    return endpoint


@pytest.fixture(scope="module")
def told(gateway_system, partner):
    """The organiser's subscription, and their inbox once a competition of theirs is published."""
    api = gateway_system
    subscription = api.ok("POST", "/subscriptions", as_=ORG,
                          json={"topics": ["competition.results_published"], "filters": {"unit": [callers.UNIT]}})
    workers = [factories.worker(name=name) for name in ("王建国", "李海燕")]
    scenarios.publish_competition(api, token_of, workers, name="2026年建湖县数控车工职业技能竞赛")
    inbox = wait_until(lambda: api.ok("GET", "/inbox", as_=ORG)["items"], message="the inbox told")
    return subscription, inbox


def test_the_partners_webhook_receives_the_publication_signed_and_its_log_shows_it(gateway_system, told,
                                                                                  partner, receiver):
    api = gateway_system
    [received] = receiver.wait_for(1, "/portal")
    payload = Webhook(partner["secret"]).verify(received.body.encode("utf-8"), received.headers)
    assert payload["type"] == "competition.results_published"
    assert payload["data"]["competition_name"] == "2026年建湖县数控车工职业技能竞赛"
    assert "id_number" not in received.body
    log = wait_until(lambda: [d for d in api.ok("GET", f"/endpoints/{partner['id']}/deliveries", as_=PARTNER)["items"]
                              if d["status"] == "delivered"], message="the delivery logged")
    assert log[0]["event_id"] == received.headers["webhook-id"] and log[0]["attempts"][0]["status"] == 200
    assert "secret" not in api.ok("GET", f"/endpoints/{partner['id']}", as_=PARTNER)
    assert_json_error(api.request("GET", f"/endpoints/{partner['id']}", as_=ORG), 404)
    assert api.ok("GET", "/endpoints", as_=token("admin", "admin-1"))["total"] >= 1


def test_a_private_target_is_refused_and_a_bad_url_is_a_400(gateway_system):
    api = gateway_system
    for url in ("http://169.254.169.254/latest/meta-data", "http://10.0.0.8/hook", "ftp://example.com/x"):
        fault = assert_json_error(api.request("POST", "/endpoints", as_=PARTNER, json={"url": url}), 400)
        assert "url" in fault["fields"]


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
