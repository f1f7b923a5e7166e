"""The real parts a notification is delivered to, for tests and benchmarks: a webhook receiver
and an SMTP server, each in its own process.

Not mocks: what a sender does on the wire (headers, signatures, retries, timeouts, refusals) meets
a real HTTP server and a real SMTP server. Each runs as a subprocess because eventlet's monkeypatch
(`nameko test`) breaks asyncio, and would turn a threading server into green threads, in the test
process. A receiver writes one JSON line per request or message to its log, before it answers, so
what a sender was answered for is already there to read; it is told how to answer through a
control endpoint (webhooks) or a control file (SMTP). Each is a context manager: when the block
ends the process is gone, whatever the test did. Every wait is bounded, and fails at once, with
what the process wrote to stderr, if the process exits meanwhile.
"""
import atexit
import base64
import email.message
import email.parser
import email.policy
import json
import os
import pathlib
import smtplib
import subprocess
import sys
import tempfile
from typing import NamedTuple, Optional

import requests
from nameko.testing.utils import find_free_port

from common.testing.records import HOST
from common.testing.waiting import wait_until

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Receivers still running when the interpreter exits (a test run interrupted mid-way) are killed.
_LIVE = set()


@atexit.register
def _kill_leftovers():
    for receiver in list(_LIVE):
        receiver.stop()


class ReceiverExited(AssertionError):
    """A receiver's process exited while a test needed it."""


class JsonLines:
    """The records a receiver's log holds so far, read on from where the last reading ended; a
    line not yet ended is left for the next."""

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self._offset = 0
        self._records = []

    def read(self):
        if self.path.exists():
            with open(self.path, "rb") as log:
                log.seek(self._offset)
                chunk = log.read()
            complete = chunk[:chunk.rfind(b"\n") + 1]
            self._offset += len(complete)
            self._records.extend(json.loads(line) for line in complete.splitlines())
        return list(self._records)


class ReceiverProcess:
    """One receiver's process: started on a free port, waited on until it answers, stopped
    (SIGTERM, then SIGKILL after a bounded wait) when the ``with`` block ends."""

    module = None  # the `python -m` module the process runs
    start_timeout = 15
    stop_timeout = 5

    def __init__(self, directory=None):
        self._temporary = None if directory else tempfile.TemporaryDirectory(prefix="receiver-")
        self.directory = pathlib.Path(directory or self._temporary.name)
        self.directory.mkdir(parents=True, exist_ok=True)
        name = self.module.rsplit(".", 1)[-1]
        self.log_path = self.directory / f"{name}-{id(self):x}.jsonl"
        self.stderr_path = self.log_path.with_suffix(".stderr")
        self.port = None
        self.process = None
        self._log = JsonLines(self.log_path)

    def arguments(self):
        """What the process is told beyond its port and log."""
        return []

    def answers(self):
        """True once the process serves."""
        raise NotImplementedError

    @property
    def pid(self):
        return self.process.pid

    def start(self):
        self.port = find_free_port(HOST)
        command = [sys.executable, "-m", self.module, "--port", str(self.port),
                   "--log", str(self.log_path), *self.arguments()]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        with open(self.stderr_path, "ab") as stderr:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=stderr)
        _LIVE.add(self)
        try:
            self.wait_until(self.answers, self.start_timeout, f"{self.module} answering",
                            ignoring=(OSError, requests.ConnectionError, smtplib.SMTPException))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        """The process gone, and reaped: its pid no longer names a process."""
        _LIVE.discard(self)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(self.stop_timeout)
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def check_alive(self):
        """ReceiverExited, with what the process wrote to stderr, if it has exited."""
        if self.process.poll() is not None:
            tail = "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-30:])
            raise ReceiverExited(f"{self.module} exited with status {self.process.returncode}; "
                                 f"its stderr ({self.stderr_path}):\n{tail}")

    def wait_until(self, condition, timeout, message, ignoring=()):
        """:func:`wait_until`, failing at once if the process exits meanwhile."""
        def reached():
            self.check_alive()
            try:
                return condition()
            except ignoring:
                return False
        return wait_until(reached, timeout, interval=0.05, message=message)

    def records(self):
        """Everything the process logged so far, in the order received."""
        return self._log.read()

    def wait_for_count(self, count, read, timeout, what):
        """``read()`` once it holds at least ``count`` records; bounded by ``timeout``."""
        records = []

        def enough():
            records[:] = read()
            return len(records) >= count
        self.wait_until(enough, timeout, f"{count} {what} at {self.module}")
        return records


class WebhookRequest(NamedTuple):
    """One request a webhook receiver received, the status it answered (None: the
    connection was closed without an answer) and the seconds it waited before answering (a
    request still in them has not been answered yet)."""
    method: str
    path: str
    query: str
    headers: dict  # names in lower case
    body: str
    status: Optional[int]
    delay_seconds: float
    received_at: str  # ISO 8601, UTC

    def json(self):
        return json.loads(self.body)


class WebhookReceiver(ReceiverProcess):
    """A real HTTP webhook receiver (``common.testing.webhook_receiver``) in its own process.

    Every path answers 200 until told otherwise with :meth:`behave`."""

    module = "common.testing.webhook_receiver"

    def __init__(self, directory=None):
        super().__init__(directory)
        self._control = requests.Session()

    @property
    def base_url(self):
        return f"http://{HOST}:{self.port}"

    def url(self, path="/"):
        """Where a subscriber's webhook at ``path`` (``/hooks/a``) is reached."""
        return self.base_url + path

    def answers(self):
        return self._control.get(self.url("/_control/health"), timeout=2).status_code == 200

    def stop(self):
        self._control.close()
        super().stop()

    def behave(self, path, status=200, retry_after=None, delay_seconds=0, close=False, times=None):
        """How ``path`` answers from now on: with ``status`` (and a ``Retry-After`` header),
        after ``delay_seconds``, or by closing the connection without an answer (``close``).
        For the next ``times`` requests only, then 200 again; for every one if None."""
        told = {"path": path, "status": status, "retry_after": retry_after,
                "delay_seconds": delay_seconds, "close": close, "times": times}
        response = self._control.post(self.url("/_control/behave"), json=told, timeout=5)
        response.raise_for_status()

    def received(self, path=None):
        """Every request received so far (to ``path`` only, if given), in the order received."""
        return [WebhookRequest(**record) for record in self.records()
                if path is None or record["path"] == path]

    def wait_for(self, count, path=None, timeout=10):
        """At least ``count`` requests received (to ``path``), returned."""
        return self.wait_for_count(count, lambda: self.received(path), timeout,
                                   f"requests to {path or 'any path'}")


class Mail(NamedTuple):
    """One message the SMTP server accepted: its envelope, and the message as an EmailMessage
    (subject and body decoded, UTF-8 included), who had logged in and whether over TLS."""
    mail_from: str
    rcpt_tos: list
    message: email.message.EmailMessage
    received_at: str  # ISO 8601, UTC
    login: Optional[str] = None
    tls: bool = False


def _self_signed(host, cert_file, key_file):
    """A certificate for the IP address ``host`` signed by its own key, for a test server."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                   .sign(key, hashes.SHA256()))
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))


class SmtpServer(ReceiverProcess):
    """A real SMTP server (``common.testing.smtp_server``, aiosmtpd) in its own process, at
    ``host``:``port``. It accepts every message until told otherwise with :meth:`behave`.

    With ``tls``, it requires STARTTLS with a certificate of its own for ``host`` (``ca_file``: the
    one a client trusts to verify it); with ``login`` (``(user, password)``), AUTH with those."""

    module = "common.testing.smtp_server"
    host = HOST

    def __init__(self, directory=None, tls=False, login=None):
        super().__init__(directory)
        self.control_path = self.log_path.with_suffix(".control.json")
        self._serial = 0
        self.login = login
        self.ca_file = self.log_path.with_suffix(".cert.pem") if tls else None

    def arguments(self):
        told = ["--control", str(self.control_path)]
        if self.ca_file:
            key_file = self.ca_file.with_suffix(".key")
            _self_signed(self.host, self.ca_file, key_file)
            told += ["--tls-cert", str(self.ca_file), "--tls-key", str(key_file)]
        if self.login:
            told += ["--login", ":".join(self.login)]
        return told

    def answers(self):
        with smtplib.SMTP(self.host, self.port, timeout=2) as client:
            return client.noop()[0] == 250

    def behave(self, code=451, message="try again later", times=1, at="DATA"):
        """Refuse the next ``times`` messages (every one if None) with ``code message``, at
        ``RCPT`` (smtplib raises SMTPRecipientsRefused) or at ``DATA`` (SMTPDataError).
        A 2xx ``code`` accepts every message again."""
        self._serial += 1
        told = {"serial": self._serial, "code": code, "message": message, "times": times, "at": at}
        written = self.control_path.with_suffix(".writing")
        written.write_text(json.dumps(told), encoding="utf-8")
        os.replace(written, self.control_path)  # read whole by the server, never half-written

    def messages(self, start=0):
        """Every message accepted so far (from the ``start``-th on), in the order received."""
        parser = email.parser.BytesParser(policy=email.policy.default)
        # SMTP ends lines with CRLF; the email package reads the message as written, with LF.
        return [Mail(record["mail_from"], record["rcpt_tos"],
                     parser.parsebytes(base64.b64decode(record["data"]).replace(b"\r\n", b"\n")),
                     record["received_at"], record.get("login") or None, record.get("tls", False))
                for record in self.records()[start:]]

    def wait_for(self, count, timeout=10):
        """At least ``count`` messages accepted, returned."""
        return self.wait_for_count(count, self.messages, timeout, "messages")
