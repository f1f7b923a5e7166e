"""A real SMTP server, run as its own process: ``python -m common.testing.smtp_server --port P
--log FILE --control FILE``. Started by :class:`common.testing.receivers.SmtpServer`.

aiosmtpd's ``SMTP`` protocol on an asyncio loop of this process's own: eventlet's monkeypatch in
the test process breaks asyncio there. Plain SMTP and SMTPUTF8 by default; with ``--tls-cert`` and
``--tls-key``, STARTTLS is required before anything else, and with ``--login USER:PASSWORD`` too,
AUTH (PLAIN or LOGIN, over TLS only) with those credentials. Each accepted message is written to
the log as one JSON line (sender, recipients, who logged in, whether over TLS, the raw bytes in
base64), flushed before the 250 answer, so a sender that was answered finds its message recorded.

How to answer is read from the control file at each message: ``{"serial", "code", "message",
"at", "times"}`` refuses the next ``times`` messages (every one if null) with ``code message`` at
``RCPT`` or ``DATA``. A new serial starts a new count; a 2xx code, or no file, accepts. The test
process replaces the file whole (write, then rename), so it is never read half-written.
"""
import asyncio
import base64
import json
import ssl

from aiosmtpd.smtp import SMTP, AuthResult

from common.testing.records import Log, command_line

RCPT = "RCPT"
DATA = "DATA"


class Refusals:
    """The refusal the control file asks for, counted per message, read afresh for each."""

    def __init__(self, control_path):
        self.control_path = control_path
        self.serial = None
        self.left = None

    def take(self, stage):
        """``code message`` if this message is to be refused at ``stage``, else None."""
        try:
            with open(self.control_path, encoding="utf-8") as control:
                told = json.load(control)
        except FileNotFoundError:
            return None
        if told["serial"] != self.serial:
            self.serial, self.left = told["serial"], told.get("times")
        if told.get("at", DATA) != stage or int(told["code"]) < 300 or self.left == 0:
            return None
        if self.left is not None:
            self.left -= 1
        return f"{told['code']} {told.get('message') or 'refused'}"


class Recorder:
    """aiosmtpd handler: accepts, or refuses as told, and records what it accepts."""

    def __init__(self, log, refusals):
        self.log = log
        self.refusals = refusals

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # Decided once per message: every recipient of a refused message is refused alike.
        if not hasattr(envelope, "refusal"):
            envelope.refusal = self.refusals.take(RCPT)
        if envelope.refusal:
            return envelope.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = self.refusals.take(DATA)
        if refusal:
            return refusal
        self.log.write({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "login": session.auth_data.decode("utf-8") if session.authenticated else None,
            "tls": session.ssl is not None,
            "data": base64.b64encode(envelope.original_content or envelope.content).decode("ascii"),
        })
        return "250 Message accepted for delivery"


class Credentials:
    """aiosmtpd authenticator: the one user and password this server was given."""

    def __init__(self, login):
        self.user, _, self.password = login.partition(":")

    def __call__(self, server, session, envelope, mechanism, auth_data):
        given = (auth_data.login.decode("utf-8"), auth_data.password.decode("utf-8"))
        return AuthResult(success=given == (self.user, self.password), handled=False,
                          auth_data=auth_data.login)


def protocol(handler, tls_cert=None, tls_key=None, login=None):
    """aiosmtpd's SMTP as told: STARTTLS required with a certificate, AUTH with a login."""
    options = {"enable_SMTPUTF8": True, "decode_data": False}
    if tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls_cert, tls_key)
        options.update(tls_context=context, require_starttls=True)
    if login:
        options.update(authenticator=Credentials(login), auth_required=True, auth_require_tls=bool(tls_cert))
    return lambda: SMTP(handler, **options)


async def serve(arguments):
    handler = Recorder(Log(arguments.log), Refusals(arguments.control))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(protocol(handler, arguments.tls_cert, arguments.tls_key, arguments.login),
                                      arguments.host, arguments.port)
    async with server:
        await server.serve_forever()


def main(argv=None):
    arguments = command_line(__doc__, argv, control=True, extra=(
        ("--tls-cert", "a PEM certificate: STARTTLS required"), ("--tls-key", "its PEM key"),
        ("--login", "USER:PASSWORD: AUTH required")))
    asyncio.run(serve(arguments))


if __name__ == "__main__":
    main()
