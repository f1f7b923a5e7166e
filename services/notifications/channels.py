"""The channels' senders: one attempt of a webhook or an email, and what it came to.

Each returns the attempt as the delivery log keeps it: when it was sent and why (``scheduled``,
``manual``, ``replay``), the status the receiver answered (None when none came), the latency, the
start of the answer's body (at most RESPONSE_BODY_LIMIT bytes: a receiver's error page is for
reading, not for keeping whole), the error when no answer came, and what it means for the
message (``domain.delivery.answer_outcome``). A sender never raises for what a receiver does.
"""
import base64
import codecs
import contextlib
import email.header
import email.utils
import functools
import smtplib
import socket
import ssl
import time
from typing import NamedTuple

import requests

from services.notifications.domain import delivery, targets
from services.notifications.domain.signing import signed_headers

RESPONSE_BODY_LIMIT = 20 * 1024
DEFAULT_TIMEOUT_SECONDS = 15.0
USER_AGENT = "Jiangxin-Webhooks/1"


def resolve(host, port):
    """Every address ``host`` resolves to now (texts); none when it does not resolve."""
    try:
        # Positional: eventlet's green getaddrinfo takes no keywords.
        return sorted({info[4][0] for info in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)})
    except (socket.gaierror, UnicodeError):
        return []


def _attempt(now, reason, started, status=None, body=b"", error=None, timed_out=False, retry_after=None):
    outcome = delivery.answer_outcome(status, retry_after, timed_out=timed_out, now=now)
    return {"at": now, "reason": reason, "status": status,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            # Not final: a character the cut splits is left out rather than shown broken.
            "response_body": codecs.getincrementaldecoder("utf-8")("replace").decode(
                body[:RESPONSE_BODY_LIMIT], final=False),
            "error": error, **outcome}


def send_webhook(session, url, message_id, body, endpoint_secrets, now, reason="scheduled",
                 allowed=(), timeout=DEFAULT_TIMEOUT_SECONDS):
    """POST ``body`` (the exact text signed) to ``url``, signed at ``now`` with
    ``endpoint_secrets``, unless its host now resolves to an address refused (``allowed``: the
    networks an operator allows). Redirects are not followed: only a 2xx answer delivers."""
    started = time.perf_counter()
    host, port = targets.parse_target(url)
    refused = targets.refused_address(resolve(host, port), allowed)
    if refused is not None:
        return _attempt(now, reason, started, error=f"the target's address is refused: {refused}")
    headers = {"content-type": "application/json; charset=utf-8", "user-agent": USER_AGENT,
               **signed_headers(message_id, body, endpoint_secrets, now)}
    try:
        with session.post(url, data=body.encode("utf-8"), headers=headers, timeout=timeout,
                          allow_redirects=False, stream=True) as answer:
            read = answer.raw.read(RESPONSE_BODY_LIMIT, decode_content=True) or b""
            return _attempt(now, reason, started, answer.status_code, read,
                            retry_after=answer.headers.get("Retry-After"))
    except requests.Timeout as exc:
        return _attempt(now, reason, started, error=f"no answer within {timeout:g} s: {exc}", timed_out=True)
    except requests.RequestException as exc:
        return _attempt(now, reason, started, error=f"{type(exc).__name__}: {exc}")


class Mail(NamedTuple):
    """An email as handed to the SMTP server: its envelope and its bytes."""
    sender: str
    recipients: list
    data: bytes


def email_message(sender, to, subject, text, message_id):
    """The email of a message to the address ``to`` (as the subscriber gave it, checked then):
    plain text in UTF-8 (base64), the subject encoded as RFC 2047
    has it, its Message-ID from the message's id so that a resent one is recognisably the same.
    Written out directly: the email package's header registry cost more than the rest of an
    attempt."""
    shown, envelope = _sender(sender)
    headers = (("From", shown), ("To", to),
               ("Subject", email.header.Header(subject, "utf-8").encode(linesep="\r\n")),
               ("Date", email.utils.formatdate(usegmt=True)), ("Message-ID", f"<{message_id}@jiangxin>"),
               ("MIME-Version", "1.0"), ("Content-Type", 'text/plain; charset="utf-8"'),
               ("Content-Transfer-Encoding", "base64"))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    body = base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")
    return Mail(envelope, [to], head + b"\r\n" + body)


@functools.lru_cache(maxsize=8)
def _sender(value):
    """The configured sender (``匠心 <noreply@...>``, say) as its From header shows it, its name
    encoded when it is not ASCII, and its bare address for the envelope."""
    name, address = email.utils.parseaddr(value)
    return email.utils.formataddr((name, address), charset="utf-8"), address


class SmtpConnections:
    """Connections to the SMTP server of ``settings`` (``host``, ``port``, ``starttls`` with the
    server's certificate verified, against ``ca_file`` if given, ``username``, ``password``,
    ``timeout``), kept open from attempt to attempt, at most ``idle``
    of them waiting: a connection's set-up (TCP, EHLO, STARTTLS, AUTH) cost the server as much as
    the message. One that failed is closed, not kept."""

    def __init__(self, settings, idle=1):
        self.settings, self.most_idle, self._idle = settings, idle, []

    @contextlib.contextmanager
    def connection(self, fresh=False):
        """An open connection (a ``fresh`` one, or one kept), kept again afterwards unless it
        failed."""
        smtp = self._idle.pop() if self._idle and not fresh else self._open()
        try:
            yield smtp
        except BaseException:
            _close(smtp)
            raise
        if len(self._idle) < self.most_idle:
            self._idle.append(smtp)
        else:
            _close(smtp)

    def _open(self):
        settings = self.settings
        smtp = smtplib.SMTP(settings["host"], settings["port"], timeout=settings.get("timeout", 30))
        try:
            if settings.get("starttls"):
                # Verified, unlike smtplib's default: against the system's CAs or the one configured.
                smtp.starttls(context=ssl.create_default_context(cafile=settings.get("ca_file")))
            if settings.get("username"):
                smtp.login(settings["username"], settings.get("password") or "")
        except BaseException:
            _close(smtp)
            raise
        return smtp

    def close(self):
        while self._idle:
            _close(self._idle.pop())


def _close(smtp):
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def send_email(connections, mail, now, reason="scheduled"):
    """One attempt to hand ``mail`` to the SMTP server through ``connections``. A 4xx answer is
    tried again, a 5xx is final (``failed``), as is a refused address; no answer at all is tried
    again. A kept connection the server has closed meanwhile is replaced at once, within the
    attempt."""
    started = time.perf_counter()
    try:
        for last in (False, True):
            try:
                with connections.connection(fresh=last) as smtp:
                    smtp.sendmail(mail.sender, mail.recipients, mail.data)
                break
            except smtplib.SMTPServerDisconnected:
                if last:
                    raise
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return _smtp_attempt(now, reason, started, code, text)
    except smtplib.SMTPResponseException as exc:
        return _smtp_attempt(now, reason, started, exc.smtp_code, exc.smtp_error)
    except (smtplib.SMTPException, OSError) as exc:
        return _attempt(now, reason, started, error=f"{type(exc).__name__}: {exc}",
                        timed_out=isinstance(exc, TimeoutError))
    return _attempt(now, reason, started, 250)


def _smtp_attempt(now, reason, started, code, text):
    text = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else str(text)
    attempt = _attempt(now, reason, started, code, error=f"{code} {text}")
    if 500 <= code < 600:
        attempt["outcome"] = delivery.FAILED
    return attempt

