"""One attempt on each channel, against the real receivers in their own processes: a webhook
receiver that verifies nothing itself (the test verifies each delivery with the standardwebhooks
library, as a receiver would) and an SMTP server."""
import datetime
import http.server
import ipaddress
import socket
import threading

import pytest
import requests
from standardwebhooks.webhooks import Webhook

from common.testing.receivers import SmtpServer
from services.notifications.channels import (RESPONSE_BODY_LIMIT, SmtpConnections, email_message, send_email,
                                             send_webhook)
from services.notifications.domain.delivery import DELIVERED, FAILED, GONE, RETRY
from services.notifications.domain.signing import new_secret, webhook_body

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
BODY = webhook_body("studio.rated", "2026-12-03T08:00:00.000+00:00", {"studio_name": "王建国劳模创新工作室", "stars": 4})


@pytest.fixture
def session():
    with requests.Session() as opened:
        yield opened


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def send(session, receiver, path, secret=None, **kwargs):
    secrets = [secret or new_secret()]
    return send_webhook(session, receiver.url(path), "evt-1", BODY, secrets, now(), allowed=LOOPBACK, **kwargs)


def test_a_delivery_is_signed_so_that_the_receiver_verifies_it(receiver, session):
    secret = new_secret()
    attempt = send(session, receiver, "/hooks/ok", secret)
    assert attempt["outcome"] == DELIVERED and attempt["status"] == 200 and attempt["error"] is None
    received = receiver.wait_for(1, "/hooks/ok")[-1]
    assert Webhook(secret).verify(received.body.encode("utf-8"), received.headers)["data"]["stars"] == 4
    assert received.headers["webhook-id"] == "evt-1" and received.body == BODY
    assert attempt["latency_ms"] >= 0 and attempt["reason"] == "scheduled"


@pytest.mark.parametrize("status, outcome", [(500, RETRY), (410, GONE), (301, RETRY), (204, DELIVERED)])
def test_the_answer_decides_the_outcome(receiver, session, status, outcome):
    path = f"/hooks/status-{status}"
    receiver.behave(path, status=status)
    attempt = send(session, receiver, path)
    assert (attempt["status"], attempt["outcome"]) == (status, outcome)


def test_a_429_waits_what_retry_after_asks_and_a_timeout_a_minute(receiver, session):
    receiver.behave("/hooks/busy", status=429, retry_after=120)
    assert send(session, receiver, "/hooks/busy")["at_least"] == 120
    receiver.behave("/hooks/slow", delay_seconds=2)
    slow = send(session, receiver, "/hooks/slow", timeout=0.5)
    assert slow["status"] is None and slow["outcome"] == RETRY and slow["at_least"] == 60
    assert "no answer" in slow["error"]


def test_a_dropped_connection_is_retried_and_says_why(receiver, session):
    receiver.behave("/hooks/drop", close=True)
    attempt = send(session, receiver, "/hooks/drop")
    assert attempt["status"] is None and attempt["outcome"] == RETRY and attempt["error"]


def test_a_loopback_target_is_refused_unless_allowed_and_nothing_is_sent(receiver, session):
    before = len(receiver.received("/hooks/private"))
    attempt = send_webhook(session, receiver.url("/hooks/private"), "evt-1", BODY, [new_secret()], now())
    assert attempt["status"] is None and "refused" in attempt["error"]
    assert len(receiver.received("/hooks/private")) == before


def test_a_long_answer_is_kept_cut(session):
    # The receiver answers short bodies; a plain server of this process gives a long one.
    class Long(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            body = ("错" * 20000).encode("utf-8")
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Long)
    threading.Thread(target=server.handle_request, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    attempt = send_webhook(session, url, "evt-1", BODY, [new_secret()], now(), allowed=LOOPBACK)
    server.server_close()
    assert attempt["status"] == 500 and len(attempt["response_body"].encode("utf-8")) <= RESPONSE_BODY_LIMIT


def connections(smtp):
    return SmtpConnections({"host": smtp.host, "port": smtp.port, "timeout": 5})


def mail():
    return email_message("匠心通知 <jiangxin@example.org>", "zhangsan@example.org", "王建国劳模创新工作室评定为4星级",
                         "王建国劳模创新工作室在2026年度评定中评定为4星级。", "msg-1")


def test_an_email_arrives_in_chinese_and_a_4xx_is_retried_a_5xx_final(smtp):
    kept = connections(smtp)
    assert send_email(kept, mail(), now())["outcome"] == DELIVERED
    arrived = smtp.wait_for(1)[0]
    assert arrived.rcpt_tos == ["zhangsan@example.org"] and arrived.mail_from == "jiangxin@example.org"
    assert arrived.message["Subject"] == "王建国劳模创新工作室评定为4星级" and "4星级" in arrived.message.get_content()
    assert arrived.message["From"] == "匠心通知 <jiangxin@example.org>"
    assert arrived.message["Message-ID"] == "<msg-1@jiangxin>"
    smtp.behave(451, "try again later", times=1)
    later = send_email(kept, mail(), now())
    assert (later["status"], later["outcome"]) == (451, RETRY)
    smtp.behave(550, "no such mailbox", times=1, at="RCPT")
    final = send_email(kept, mail(), now())
    assert (final["status"], final["outcome"]) == (550, FAILED) and "no such mailbox" in final["error"]
    assert len(smtp.messages()) == 1
    kept.close()


def test_a_kept_connection_the_server_dropped_is_replaced_within_the_attempt(smtp):
    kept = connections(smtp)
    before = len(smtp.messages())
    assert send_email(kept, mail(), now())["outcome"] == DELIVERED
    [connection] = kept._idle
    connection.sock.shutdown(socket.SHUT_RDWR)  # as a server closing an idle connection leaves it
    assert send_email(kept, mail(), now())["outcome"] == DELIVERED
    assert len(smtp.wait_for(before + 2)) == before + 2 and kept._idle != [connection]
    kept.close()


def test_starttls_is_verified_and_the_credentials_are_given(tmp_path):
    with SmtpServer(tmp_path, tls=True, login=("jiangxin", "kouling-0123")) as server:
        secure = {"host": server.host, "port": server.port, "timeout": 5, "starttls": True,
                  "ca_file": str(server.ca_file), "username": "jiangxin", "password": "kouling-0123"}
        assert send_email(SmtpConnections(secure), mail(), now())["outcome"] == DELIVERED
        [arrived] = server.wait_for(1)
        assert (arrived.tls, arrived.login) == (True, "jiangxin")
        wrong = send_email(SmtpConnections({**secure, "password": "wrong"}), mail(), now())
        assert wrong["status"] == 535 and wrong["outcome"] == FAILED  # not retried for ever
        untrusted = send_email(SmtpConnections({**secure, "ca_file": None}), mail(), now())
        assert untrusted["outcome"] == RETRY and "CERTIFICATE_VERIFY_FAILED" in untrusted["error"]
        plain = send_email(SmtpConnections({**secure, "starttls": False, "username": None}), mail(), now())
        assert plain["status"] == 530 and plain["outcome"] == FAILED  # never in clear
        assert len(server.messages()) == 1


def test_no_smtp_server_is_retried():
    attempt = send_email(SmtpConnections({"host": "127.0.0.1", "port": 1, "timeout": 2}), mail(), now())
    assert attempt["status"] is None and attempt["outcome"] == RETRY
