"""What the demo loaders share: the gateway's HTTP client with its bounded retries, progress per
stage, stages run on a pool of threads, and the configuration they sign their tokens with.

A loader drives a running system through its public HTTP API only, as its users would: one
keep-alive connection per worker thread, JSON bodies, multipart uploads for files, bearer tokens
signed with the configured TOKEN_SECRET.
"""
import concurrent.futures
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse
import uuid

from common.config import load_config

REQUEST_TIMEOUT = 60.0
RETRIES = 4
# Answers worth asking again, after 1, 2, 4, 8 s: a service still starting or a store busy (503),
# a request the gateway stopped waiting for (504: its RPC expired unstarted, "not done").
RETRIED = (503, 504)


def gateway_url(config):
    """Where the system that config.yaml (and GATEWAY_ADDRESS) describes serves its gateway: a
    gateway listening on every interface is reached on this machine's loopback."""
    host, _, port = str(config.get("WEB_SERVER_ADDRESS") or "127.0.0.1:8000").rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def load_settings(path, command):
    """(config, TOKEN_SECRET) of the config file ``path``; SystemExit naming ``command`` if it
    cannot be read or has no secret."""
    try:
        config = load_config(path) or {}
    except (OSError, ValueError) as error:  # yaml's errors are ValueErrors
        raise SystemExit(f"{command}: cannot read {path}: {error}") from None
    secret = str(config.get("TOKEN_SECRET") or "")
    if not secret:
        raise SystemExit(f"{command}: TOKEN_SECRET is not set in {path}")
    return config, secret


class ApiError(Exception):
    def __init__(self, message, status=None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


_FILENAME_ESCAPES = {ord('"'): "%22", ord("\r"): "%0D", ord("\n"): "%0A"}


def multipart(files):
    """(body, content type) of a multipart/form-data body of ``files``: {field: (filename, bytes,
    media type)}."""
    boundary = f"jiangxin-{uuid.uuid4().hex}"
    chunks = []
    for field, (filename, content, media_type) in files.items():
        # As browsers send it (HTML's form encoding): UTF-8, quotes and line breaks escaped.
        name = filename.translate(_FILENAME_ESCAPES)
        chunks.append(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
            f"filename=\"{name}\"\r\nContent-Type: {media_type}\r\n\r\n".encode("utf-8")
            + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Gateway:
    def __init__(self, base_url, command="demo-data"):
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise SystemExit(f"{command}: --gateway must look like http://127.0.0.1:8000, not {base_url}")
        self.base_url = base_url.rstrip("/")
        self.scheme, self.host, self.port = parsed.scheme, parsed.hostname, parsed.port
        self.prefix = parsed.path.rstrip("/")
        self._local = threading.local()

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            factory = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            connection = self._local.connection = factory(self.host, self.port, timeout=REQUEST_TIMEOUT)
        return connection

    def _drop(self):
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def call(self, method, path, token=None, body=None, files=None, create=False, timeout=None):
        """The JSON answer of a 2xx; ApiError otherwise. ``body`` goes as JSON, ``files``
        ({field: (filename, bytes, media type)}) as a multipart form. A stale keep-alive
        connection, a 503 (a service still starting) and a 504 (not done) are retried a few
        times; a ``create`` carries an Idempotency-Key, so that it is also sent again after a
        connection lost while waiting for the answer, and still stores once. ``timeout``: seconds
        to wait for an answer that takes longer than most."""
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if files is not None:
            data, headers["Content-Type"] = multipart(files)
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if create:
            headers["Idempotency-Key"] = f"demo-{uuid.uuid4().hex}"
        for attempt in range(RETRIES + 1):
            try:
                connection = self._connection()
                connection.timeout = timeout or REQUEST_TIMEOUT
                if connection.sock is not None:
                    connection.sock.settimeout(connection.timeout)
                connection.request(method, self.prefix + path, body=data, headers=headers)
                response = connection.getresponse()
                status, raw = response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._drop()  # the server closed an idle keep-alive connection: send again
                if attempt == RETRIES:
                    raise
                continue
            except (socket.timeout, http.client.IncompleteRead):
                self._drop()
                if not create or attempt == RETRIES:
                    raise
                continue
            except (OSError, http.client.HTTPException):
                self._drop()
                raise
            if status in RETRIED and attempt < RETRIES:
                time.sleep(2 ** attempt)
                continue
            if not 200 <= status < 300:
                text = raw.decode("utf-8", "replace")
                raise ApiError(f"{method} {path} answered {status}: {text[:400]}", status, text)
            return json.loads(raw) if raw else None
        raise ApiError(f"{method} {path}: no answer")

    def pages(self, path, token, params=None, limit=500):
        """Every item of a paged list ({total, limit, offset, items}), page after page."""
        offset = 0
        while True:
            query = urllib.parse.urlencode({**(params or {}), "limit": limit, "offset": offset})
            page = self.call("GET", f"{path}?{query}", token)
            yield from page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return


def check_gateway(gateway, token, probe, command="demo-data"):
    """SystemExit with what to do unless the gateway answers and accepts ``token`` on ``probe``
    (a path its holder may read)."""
    try:
        gateway.call("GET", "/health")
    except (OSError, http.client.HTTPException, ApiError) as error:
        raise SystemExit(f"{command}: the gateway at {gateway.base_url} does not answer ({error}).\n"
                         f"Start the system first, in another terminal:  make run") from None
    try:
        gateway.call("GET", probe, token)
    except ApiError as error:
        if error.status == 401:
            raise SystemExit(f"{command}: the gateway refuses tokens signed with this TOKEN_SECRET: "
                             f"give {command} the same --config and environment as the running "
                             f"system") from None
        raise SystemExit(f"{command}: the system is not ready: {error}") from None


# ---------------------------------------------------------------------------------------------
# Progress: one line per stage, rewritten in place on a terminal, printed every 10 % otherwise


class Progress:
    def __init__(self, label, total, unit, stream=sys.stdout):
        self.label, self.total, self.unit, self.stream = label, total, unit, stream
        self.done = 0
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self._lock = threading.Lock()
        self._printed_step = -1
        self._last_draw = 0.0
        self.notes = {}  # other counts shown beside the main one: {unit: count}

    def advance(self, count=1, **notes):
        with self._lock:
            self.done += count
            for unit, more in notes.items():
                self.notes[unit] = self.notes.get(unit, 0) + more

    def line(self):
        elapsed = max(1e-6, time.monotonic() - self.started)
        share = self.done / self.total * 100 if self.total else 100.0
        notes = "".join(f", {count:,} {unit}" for unit, count in self.notes.items())
        return (f"{self.label:<22} {self.done:>7,}/{self.total:<7,} {self.unit:<12} {share:5.1f} %  "
                f"{self.done / elapsed:7,.0f}/s  {elapsed:6.1f} s{notes}")

    def show(self, final=False):
        if self.tty:
            now = time.monotonic()
            if final or now - self._last_draw >= 0.2:
                self._last_draw = now
                self.stream.write("\r" + self.line() + ("\n" if final else ""))
                self.stream.flush()
            return
        step = 10 if final else int(self.done * 10 / self.total) if self.total else 10
        if step > self._printed_step and (final or step < 10):
            self._printed_step = step
            self.stream.write(self.line() + "\n")
            self.stream.flush()


def run_stage(label, unit, tasks, total, work, pool_size):
    """Run ``work(task, progress)`` for every task on ``pool_size`` threads, showing progress."""
    progress = Progress(label, total, unit)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=pool_size) as executor:
        futures = [executor.submit(work, task, progress) for task in tasks]
        pending = set(futures)
        try:
            while pending:
                done, pending = concurrent.futures.wait(
                    pending, timeout=0.25, return_when=concurrent.futures.FIRST_EXCEPTION)
                for future in done:
                    future.result()  # raises the first failure
                progress.show()
        except BaseException:
            for future in pending:
                future.cancel()
            if progress.tty:
                progress.stream.write("\n")
            raise
        results = [future.result() for future in futures]
    progress.show(final=True)
    return results
