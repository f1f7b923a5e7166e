"""The webhook receiver and the SMTP server of the test kit, each a real process, met with real
clients (requests, smtplib) from a process eventlet has monkeypatched, as every test's is."""
import datetime
import os
import smtplib
from email.message import EmailMessage

import pytest
import requests

from common.testing.receivers import ReceiverExited, SmtpServer, WebhookReceiver

# Short: a client that gives up is the point, not how long anything took.
CLIENT_TIMEOUT = 0.2


@pytest.fixture(scope="module")
def webhooks(tmp_path_factory):
    """One receiver for the module: each test speaks to paths of its own."""
    with WebhookReceiver(tmp_path_factory.mktemp("webhooks")) as receiver:
        yield receiver


@pytest.fixture
def smtp(tmp_path):
    with SmtpServer(tmp_path) as server:
        yield server


def deliver(webhooks, path, **kwargs):
    kwargs.setdefault("timeout", 5)
    return requests.post(webhooks.url(path), json={"type": "competition.published"}, **kwargs)


def test_a_delivery_is_recorded_with_its_headers_and_body(webhooks):
    payload = '{"type": "registration.approved", "name": "张三"}'
    response = requests.post(webhooks.url("/hooks/recorded?attempt=1"), data=payload.encode(),
                             headers={"Content-Type": "application/json",
                                      "Webhook-Id": "msg_1"}, timeout=5)

    assert response.status_code == 200
    assert response.json() == {"status": 200}
    [request] = webhooks.wait_for(1, "/hooks/recorded")
    assert (request.method, request.path, request.query) == ("POST", "/hooks/recorded", "attempt=1")
    assert request.headers["webhook-id"] == "msg_1"
    assert request.headers["content-type"] == "application/json"
    assert request.body == payload
    assert request.json()["name"] == "张三"
    assert request.status == 200
    received_at = datetime.datetime.fromisoformat(request.received_at)
    assert received_at.utcoffset() == datetime.timedelta(0)
    assert not [r for r in webhooks.received() if r.path.startswith("/_control/")]


@pytest.mark.parametrize("status", [500, 410])
def test_a_path_answers_the_status_it_is_told(webhooks, status):
    path = f"/hooks/status-{status}"
    webhooks.behave(path, status=status)

    assert deliver(webhooks, path).status_code == status
    assert deliver(webhooks, path).status_code == status
    assert [r.status for r in webhooks.received(path)] == [status, status]
    assert deliver(webhooks, "/hooks/other").status_code == 200


def test_a_429_carries_its_retry_after(webhooks):
    webhooks.behave("/hooks/busy", status=429, retry_after=120)

    response = deliver(webhooks, "/hooks/busy")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "120"


def test_a_delayed_answer_goes_past_the_clients_timeout(webhooks):
    webhooks.behave("/hooks/slow", delay_seconds=30)

    with pytest.raises(requests.Timeout):
        deliver(webhooks, "/hooks/slow", timeout=CLIENT_TIMEOUT)
    [request] = webhooks.wait_for(1, "/hooks/slow")
    assert request.status == 200  # what it would have answered, had the client waited
    assert request.delay_seconds == 30


def test_a_closed_connection_is_no_answer(webhooks):
    webhooks.behave("/hooks/gone", close=True)

    with pytest.raises(requests.ConnectionError):
        deliver(webhooks, "/hooks/gone")
    [request] = webhooks.wait_for(1, "/hooks/gone")
    assert request.status is None


def test_a_behaviour_for_some_times_gives_way_to_200(webhooks):
    webhooks.behave("/hooks/flaky", status=500, times=1)

    statuses = [deliver(webhooks, "/hooks/flaky").status_code for _ in range(3)]

    assert statuses == [500, 200, 200]
    assert [r.status for r in webhooks.received("/hooks/flaky")] == statuses


def notice(subject, body, to="zhangsan@example.org"):
    message = EmailMessage()
    message["From"] = "notices@jiangxin.example.org"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def test_a_chinese_message_arrives_intact(smtp):
    subject = "技能竞赛报名已通过"
    body = "张三同志：\n您报名的“数控车工”技能竞赛已通过审核，请按时参赛。"
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.send_message(notice(subject, body))

    [mail] = smtp.wait_for(1)
    assert mail.mail_from == "notices@jiangxin.example.org"
    assert mail.rcpt_tos == ["zhangsan@example.org"]
    assert mail.message["Subject"] == subject
    assert mail.message.get_content().rstrip("\n") == body


def test_refusals_reach_smtplib_with_their_codes(smtp):
    smtp.behave(code=451, message="try again later", times=1, at="RCPT")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(notice("第一次", "一"))
        assert refused.value.recipients == {"zhangsan@example.org": (451, b"try again later")}

        smtp.behave(code=550, message="mailbox unavailable", times=2, at="DATA")
        for attempt in ("第二次", "第三次"):
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.send_message(notice(attempt, "二"))
            assert refused.value.smtp_code == 550

        client.send_message(notice("第四次", "四"))

    assert [mail.message["Subject"] for mail in smtp.wait_for(1)] == ["第四次"]


@pytest.mark.parametrize("kind", [WebhookReceiver, SmtpServer])
def test_no_process_is_left_after_the_block(tmp_path, kind):
    with kind(tmp_path) as receiver:
        pid = receiver.pid
        os.kill(pid, 0)  # running

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_wait_fails_at_once_when_the_process_has_exited(tmp_path):
    with WebhookReceiver(tmp_path) as receiver:
        receiver.process.kill()
        receiver.process.wait(5)

        with pytest.raises(ReceiverExited, match="exited"):
            receiver.wait_for(1, timeout=30)
