"""A real HTTP webhook receiver, run as its own process: ``python -m common.testing.webhook_receiver
--port P --log FILE``. Started by :class:`common.testing.receivers.WebhookReceiver`.

Standard library only, so nothing here is touched by eventlet's monkeypatch in the test process.
Every request to a path outside ``/_control/`` is a delivery: it is written to the log as one JSON
line (flushed, before the answer, so a sender that got its answer finds its request recorded),
then answered as told for its path: a status (with a ``Retry-After`` if asked), after a delay (to
go past a sender's timeout), or not at all (the connection closed). ``POST /_control/behave`` tells
a path how to answer; ``GET /_control/health`` says the receiver is up. Neither is a delivery.

A threading server with daemon threads and a log kept open: it serves a fan-out of thousands of
deliveries without opening a file per request.
"""
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common.testing.records import Log, command_line
CONTROL = "/_control/"
BEHAVE = CONTROL + "behave"
HEALTH = CONTROL + "health"

# How a path answers when nothing was said about it, and again once a limited behaviour is spent.
ANSWER_OK = {"status": 200, "retry_after": None, "delay_seconds": 0, "close": False}


class Behaviours:
    """How each path answers: what was last said about it, for ``times`` requests or for good."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_path = {}  # path -> [answer, requests left or None for every one]

    def set(self, path, times=None, **answer):
        with self._lock:
            if times == 0:
                self._by_path.pop(path, None)
            else:
                self._by_path[path] = [{**ANSWER_OK, **answer}, times]

    def take(self, path):
        """The answer for one request to ``path``, counted against a limited behaviour."""
        with self._lock:
            held = self._by_path.get(path)
            if held is None:
                return ANSWER_OK
            answer, left = held
            if left is not None:
                if left <= 1:
                    del self._by_path[path]
                else:
                    held[1] = left - 1
            return answer


class Handler(BaseHTTPRequestHandler):
    """Records a delivery, then answers it as its path was told to."""

    protocol_version = "HTTP/1.1"  # keep-alive, as a sender's pooled connections expect
    server_version = "JiangxinWebhookReceiver/1"

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def do_PATCH(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        """Quiet: the JSON log is the record, stderr is kept for what goes wrong."""

    def _serve(self):
        target = urllib.parse.urlsplit(self.path)
        body = self._read_body()
        if target.path.startswith(CONTROL):
            return self._control(target.path, body)
        answer = self.server.behaviours.take(target.path)
        self.server.log.write({
            "method": self.command,
            "path": target.path,
            "query": target.query,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": body.decode("utf-8", errors="replace"),
            "status": None if answer["close"] else answer["status"],
            "delay_seconds": answer["delay_seconds"],
        })
        if answer["delay_seconds"]:
            time.sleep(answer["delay_seconds"])
        if answer["close"]:
            self.close_connection = True  # no answer at all: the sender sees the connection drop
            return
        headers = {}
        if answer["retry_after"] is not None:
            headers["Retry-After"] = str(answer["retry_after"])
        self._answer(answer["status"], {"status": answer["status"]}, headers)

    def _control(self, path, body):
        if path == HEALTH and self.command == "GET":
            return self._answer(200, {"status": "up"})
        if path == BEHAVE and self.command == "POST":
            told = json.loads(body)
            self.server.behaviours.set(
                told["path"], times=told.get("times"), status=int(told.get("status", 200)),
                retry_after=told.get("retry_after"),
                delay_seconds=float(told.get("delay_seconds") or 0), close=bool(told.get("close")))
            return self._answer(200, {"behaviour": told})
        self._answer(404, {"error": "no such control"})

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status, content, headers=()):
        payload = json.dumps(content, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in dict(headers).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the sender gave up waiting (its timeout): nothing to do


class Receiver(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a fan-out opens many connections at once

    def __init__(self, address, log_path):
        self.behaviours = Behaviours()
        self.log = Log(log_path)
        super().__init__(address, Handler)


def main(argv=None):
    arguments = command_line(__doc__, argv)
    Receiver((arguments.host, arguments.port), arguments.log).serve_forever()


if __name__ == "__main__":
    main()
