"""Notifications through the gateway, as subscribers reach them over HTTP: a subscription, a
competition published through the gateway, and the subscriber's inbox and email telling of it in
Chinese, and the partner system's webhook receiving it signed, by events alone, its log read and
a message replayed; each subscriber reaches only their own (every route is tried by a stranger,
without a token, and by an admin), and bad input is a JSON 4xx."""
import pytest
from standardwebhooks.webhooks import Webhook

from common.testing import callers, factories, scenarios
from common.testing.http import assert_json_error
from common.testing.waiting import wait_until
from common.web import iter_routes
from gateway.notifications import NotificationRoutes
from gateway.service import GatewayService
from gateway.tests import organiser_token, token, token_of

ORG = organiser_token(callers.UNIT, "org-notified")
STRANGER = token("subscriber", "partner-hr")
PARTNER = token("subscriber", "city-portal")
READER = token("subscriber", "worker-reader")
ADMIN = token("admin", "admin-1")
COMPETITION = "2026年建湖县数控车工职业技能竞赛"


@pytest.fixture(scope="module")
def system_settings(smtp):
    return {"SMTP": {"host": smtp.host, "port": smtp.port, "sender": "tongzhi@jiangxin.example"}}


@pytest.fixture(scope="module")
def reader(gateway_system):
    """A worker who gave an email and asked for published results by email as well."""
    api = gateway_system
    api.ok("PUT", "/subscriber", as_=READER, json={"email": "wangjianguo@example.org"})
    return api.ok("POST", "/subscriptions", as_=READER,
                  json={"topics": ["competition.results_published"], "channels": ["inbox", "email"]})


@pytest.fixture(scope="module")
def partner(gateway_system, receiver):
    """The city portal's endpoint (as registered: with its secret) and its subscription."""
    api = gateway_system
    endpoint = api.ok("POST", "/endpoints", as_=PARTNER, json={"url": receiver.url("/portal"), "description": "市门户"})
    api.ok("POST", "/subscriptions", as_=PARTNER,
           json={"topics": ["competition.results_published"], "endpoint_ids": [endpoint["id"]]})
    return endpoint


@pytest.fixture(scope="module")
def told(gateway_system, partner, reader):
    """The organiser's subscription, and their inbox once a competition of theirs is published."""
    api = gateway_system
    subscription = api.ok("POST", "/subscriptions", as_=ORG,
                          json={"topics": ["competition.results_published"], "filters": {"unit": [callers.UNIT]}})
    workers = [factories.worker(name=name) for name in ("王建国", "李海燕")]
    scenarios.publish_competition(api, token_of, workers, name=COMPETITION)
    inbox = wait_until(lambda: api.ok("GET", "/inbox", as_=ORG)["items"], message="the inbox told")
    return subscription, inbox


def test_the_partners_webhook_receives_the_publication_signed_and_its_log_shows_it(gateway_system, told,
                                                                                  partner, receiver):
    api = gateway_system
    [received] = receiver.wait_for(1, "/portal")
    payload = Webhook(partner["secret"]).verify(received.body.encode("utf-8"), received.headers)
    assert payload["type"] == "competition.results_published"
    assert payload["data"]["competition_name"] == COMPETITION
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
    assert item["subject"] == f"{COMPETITION}成绩公布" and item["language"] == "zh-CN"
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


def test_the_readers_email_arrives_in_chinese_and_its_log_shows_it(gateway_system, told, smtp):
    api = gateway_system
    [mail] = smtp.wait_for(1)
    assert mail.rcpt_tos == ["wangjianguo@example.org"] and mail.message["Subject"] == f"{COMPETITION}成绩公布"
    assert "北京时间" in mail.message.get_content()
    [logged] = wait_until(lambda: [e for e in api.ok("GET", "/subscriber/emails", as_=READER)["items"]
                                   if e["status"] == "delivered"], message="the email logged")
    assert logged["to"] == "wangjianguo@example.org" and logged["attempts"][0]["status"] == 250
    assert api.ok("GET", "/subscriber/emails", as_=STRANGER)["total"] == 0


def test_the_partner_replays_a_message_rotates_its_secret_and_the_admin_sees_every_endpoints_health(
        gateway_system, told, partner, receiver):
    api = gateway_system
    [first] = receiver.wait_for(1, "/portal")
    [delivery] = wait_until(lambda: [d for d in api.ok("GET", f"/endpoints/{partner['id']}/deliveries",
                                                        as_=PARTNER)["items"] if d["status"] == "delivered"],
                            message="the delivery logged")
    rotation = {"Idempotency-Key": "rotation-2026-12-04"}
    rotated = api.ok("POST", f"/endpoints/{partner['id']}/secret", as_=PARTNER, headers=rotation)
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != partner["secret"]
    # Retried after a lost answer: the same secret, not a second rotation dropping the first one.
    assert api.ok("POST", f"/endpoints/{partner['id']}/secret", as_=PARTNER, headers=rotation) == rotated
    replayed = api.ok("POST", f"/endpoints/{partner['id']}/deliveries/{delivery['id']}/replay", as_=PARTNER)
    assert replayed["status"] == "pending"
    again = receiver.wait_for(2, "/portal")[1]
    assert again.headers["webhook-id"] == first.headers["webhook-id"]  # the receiver may drop it as a duplicate
    Webhook(rotated["secret"]).verify(again.body.encode("utf-8"), again.headers)
    Webhook(partner["secret"]).verify(again.body.encode("utf-8"), again.headers)  # both, for a day
    wait_until(lambda: api.ok("GET", f"/endpoints/{partner['id']}/deliveries", as_=PARTNER)["items"][0]
               ["attempts"][-1]["reason"] == "manual", message="the manual attempt logged")
    nothing_failed = {"since": "2026-01-01T00:00:00+08:00", "until": "2100-01-01T00:00:00+08:00"}
    assert api.ok("POST", f"/endpoints/{partner['id']}/replay", as_=PARTNER, json=nothing_failed) == {
        "replayed": 0, "remaining": 0}
    health = api.ok("GET", "/endpoints/health", as_=ADMIN)
    assert health["active"] >= 1 and health["disabled"] == 0 and health["unhealthy"] == []
    assert_json_error(api.request("GET", "/endpoints/health", as_=PARTNER), 403)
    assert_json_error(api.request("POST", f"/endpoints/{partner['id']}/enable", as_=PARTNER), 409)


def test_every_route_refuses_a_caller_without_a_token_and_a_stranger_finds_nothing_of_others(
        gateway_system, told, partner):
    api = gateway_system
    subscription, [item] = told
    delivery = api.ok("GET", f"/endpoints/{partner['id']}/deliveries", as_=PARTNER)["items"][0]
    ids = {"subscription_id": subscription["id"], "item_id": item["id"], "endpoint_id": partner["id"],
           "delivery_id": delivery["id"]}
    bodies = {"/endpoints/<endpoint_id>/replay": {"since": "2026-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}}
    routes = [r for r in iter_routes(GatewayService) if r.method_name in vars(NotificationRoutes)]
    assert len(routes) == 21
    for route in routes:
        [method] = route.methods
        path = route.url
        for name, value in ids.items():
            path = path.replace(f"<{name}>", value)
        assert_json_error(api.request(method, path, json=bodies.get(route.url)), 401)
        if "<" not in route.url:
            continue  # the caller's own: a stranger reaches their own, which is empty
        theirs = assert_json_error(api.request(method, path, as_=STRANGER, json=bodies.get(route.url)), 404)
        missing_path = route.url
        for name in ids:
            missing_path = missing_path.replace(f"<{name}>", "x-000000000000")
        missing = assert_json_error(api.request(method, missing_path, as_=STRANGER, json=bodies.get(route.url)), 404)
        assert theirs["error"] == missing["error"], route.url
    # An admin reads every endpoint and its log, and changes none of them.
    assert api.ok("GET", f"/endpoints/{partner['id']}/deliveries", as_=ADMIN)["total"] >= 1
    for path in (f"/endpoints/{partner['id']}/secret", f"/endpoints/{partner['id']}/enable",
                 f"/endpoints/{partner['id']}/deliveries/{delivery['id']}/replay"):
        assert_json_error(api.request("POST", path, as_=ADMIN), 403)
