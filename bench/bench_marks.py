"""Marks per second through the gateway, beside the raw nameko @http + RPC ceiling of the same run.

Starts its own system as real processes (as `make run` does): the competitions service and the
gateway, with a fresh DATA_DIR in a temporary directory, their own gateway port and a fresh
RabbitMQ vhost (made and removed through the management API). Through HTTP it prepares one
competition in marking: one trade event, ``--entries`` approved entries, 5 judges, the marking
scheme of bench_ranking (10 judgement aspects). Then ``--clients`` keep-alive connections submit
marks as the judges, each POST a distinct (entry, aspect, judge), so that every request writes.

In the same run it starts the ceiling pair of bench.ceiling (an @http POST that makes one RPC to a
service that returns at once) and sends it the same requests over the same number of connections.
Marks and ceiling are measured in alternating rounds, so that load from elsewhere on the machine
hits both alike. For each phase it also reads how much CPU each process used per request.

    .venv/bin/python -m bench.bench_marks [--entries 200] [--clients 20] [--marks 3000] [--rounds 3]
    .venv/bin/python -m bench.bench_marks --profile   # where the time goes, with cProfile

Every process it started is stopped at the end, and the vhost and data directory removed, even
when something fails.
"""
import argparse
import contextlib
import http.client
import json
import os
import pathlib
import pstats
import random
import selectors
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time

from nameko.testing.utils import find_free_port

from bench.bench_ranking import JUDGEMENT_IDS, build_scheme
from common.auth import issue_token
from common.config import DEFAULT_CONFIG_PATH, load_config
from common.personal_id import make_id_number
from tests.processes import COMPETITIONS, GATEWAY, Broker, isolated_system

AIM_RATIO = 0.60
UNIT = "bench-union"
JUDGES = ("J1", "J2", "J3", "J4", "J5")
CEILING_BACKEND = "bench.ceiling:CeilingBackend"
CEILING_GATEWAY = "bench.ceiling:CeilingGateway"
STUB_COMPETITIONS = "bench.ceiling:StubCompetitions"
STARTUP_SECONDS = 60
REQUEST_TIMEOUT = 30.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# A lean HTTP/1.1 load generator: one thread, a selector, N keep-alive connections, requests
# prepared as bytes up front. It spends tens of microseconds per request, so on two shared cores
# it takes as little as possible from the servers it measures.


def http_request(host, method, path, body=None, token=None):
    """One HTTP/1.1 request as bytes, ready to send on a keep-alive connection."""
    data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Accept: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines.append("Content-Type: application/json")
    lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data


def _parse_response(buffer):
    """(bytes consumed, status, body, server closes) of the first whole response, else None."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    lines = bytes(buffer[:head_end]).decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked, close = None, False, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value
        elif name == "connection":
            close = value == "close"
    start = head_end + 4
    if chunked:
        body, position = bytearray(), start
        while True:
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                return None
            size = int(bytes(buffer[position:line_end]).split(b";")[0], 16)
            if size == 0:
                if len(buffer) < line_end + 4:
                    return None
                return line_end + 4, status, bytes(body), close
            chunk = line_end + 2
            if len(buffer) < chunk + size + 2:
                return None
            body += buffer[chunk:chunk + size]
            position = chunk + size + 2
    if length is None:
        length = 0 if status in (204, 304) or 100 <= status < 200 else None
    if length is None:
        return None  # delimited by the server closing: handled at end of stream
    if len(buffer) < start + length:
        return None
    return start + length, status, bytes(buffer[start:start + length]), close


class _Connection:
    __slots__ = ("sock", "buffer", "index", "started", "step")

    def __init__(self, address):
        self.sock = socket.create_connection(address, timeout=REQUEST_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()
        self.index = None
        self.started = 0.0
        self.step = 0

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()


class LoadResult:
    def __init__(self, count):
        self.statuses = [0] * count
        self.latencies = [0.0] * count
        self.bodies = [None] * count
        self.accepted = [False] * count
        self.sent = 0
        self.elapsed = 0.0

    @property
    def completed(self):
        return sum(self.accepted[:self.sent])

    @property
    def errors(self):
        return self.sent - self.completed

    @property
    def rate(self):
        return self.completed / self.elapsed if self.elapsed else 0.0

    def percentile(self, fraction):
        times = sorted(t for t, ok in zip(self.latencies[:self.sent], self.accepted) if ok)
        if not times:
            return float("nan")
        return times[min(len(times) - 1, int(round(fraction * (len(times) - 1))))]

    def error_summary(self):
        counts = {}
        for status, ok in zip(self.statuses[:self.sent], self.accepted):
            if not ok:
                counts[status] = counts.get(status, 0) + 1
        return ", ".join(f"{count} x {status or 'no answer'}" for status, count in sorted(counts.items()))


def run_load(address, requests, clients, max_seconds, accept=None, keep_bodies=False, follow_up=None):
    """Send ``requests`` (bytes) in order over ``clients`` keep-alive connections, each connection
    sending its next request as soon as its previous answer is in. Stops sending after
    ``max_seconds``; answers still awaited after that get REQUEST_TIMEOUT more.

    ``accept(status, body)`` says whether an answer counts as done (default: a 2xx status).

    ``follow_up(index, step, status, body)``, if given, makes each of ``requests`` the first of a
    unit of work: called with every answer (``step`` 0 for the first), it returns the unit's next
    request, sent at once on the same connection, or None when the unit is over. A unit's
    latency runs from its first request to its last answer, which ``accept`` judges.
    """
    accept = accept or (lambda status, body: 200 <= status < 300)
    result = LoadResult(len(requests))
    selector = selectors.DefaultSelector()
    start = time.perf_counter()
    deadline = start + max_seconds
    last_done = start

    def send_next(connection):
        if result.sent >= len(requests) or time.perf_counter() >= deadline:
            return False
        connection.index = result.sent
        result.sent += 1
        connection.started = time.perf_counter()
        connection.step = 0
        return send(connection, requests[connection.index])

    def send(connection, request):
        connection.buffer.clear()
        try:
            connection.sock.sendall(request)
        except OSError:
            finish(connection, 0, b"")
            return reconnect_and_send(connection)
        return True

    def finish(connection, status, body):
        nonlocal last_done
        now = time.perf_counter()
        last_done = now
        index = connection.index
        connection.index = None
        result.statuses[index] = status
        result.latencies[index] = now - connection.started
        result.accepted[index] = bool(status) and accept(status, body)
        if keep_bodies:
            result.bodies[index] = body

    def reconnect_and_send(connection):
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(connection.sock)
        connection.close()
        try:
            fresh = _Connection(address)
        except OSError:
            return False
        selector.register(fresh.sock, selectors.EVENT_READ, fresh)
        return send_next(fresh)

    for _ in range(min(clients, len(requests))):
        connection = _Connection(address)
        selector.register(connection.sock, selectors.EVENT_READ, connection)
        send_next(connection)

    hard_stop = deadline + REQUEST_TIMEOUT
    while selector.get_map() and time.perf_counter() < hard_stop:
        for key, _ in selector.select(timeout=0.5):
            connection = key.data
            try:
                data = connection.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                if connection.index is not None:
                    finish(connection, 0, b"")
                    reconnect_and_send(connection)
                else:
                    selector.unregister(connection.sock)
                    connection.close()
                continue
            connection.buffer += data
            parsed = _parse_response(connection.buffer)
            if parsed is None:
                continue
            _consumed, status, body, close = parsed
            more = None if follow_up is None or close else follow_up(connection.index, connection.step,
                                                                     status, body)
            if more is not None:
                connection.step += 1
                send(connection, more)
                continue
            finish(connection, status, body)
            if close:
                reconnect_and_send(connection)
            elif not send_next(connection):
                selector.unregister(connection.sock)
                connection.close()
        now = time.perf_counter()
        for key in list(selector.get_map().values()):
            connection = key.data
            if connection.index is not None and now - connection.started > REQUEST_TIMEOUT:
                finish(connection, 0, b"")
                reconnect_and_send(connection)
    for key in list(selector.get_map().values()):
        key.data.close()
    selector.close()
    result.elapsed = last_done - start
    return result


# ---------------------------------------------------------------------------------------------
# CPU used per process, from /proc: where a request's time goes, process by process.


def _cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def _machine_busy_seconds():
    """CPU seconds spent busy by the whole machine, every core together."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / CLK_TCK


def _broker_pid():
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "beam.smp":
                    return int(entry.name)
    return None


class CpuMeter:
    """CPU seconds used by named processes (and this one, and the machine) between start and stop."""

    def __init__(self, pids):
        self.pids = {name: pid for name, pid in pids.items() if pid}
        self.used = {}

    def __enter__(self):
        self._start = {name: _cpu_seconds(pid) for name, pid in self.pids.items()}
        self._self = sum(os.times()[:2])
        self._machine = _machine_busy_seconds()
        return self

    def __exit__(self, *exc):
        for name, pid in self.pids.items():
            now = _cpu_seconds(pid)
            if now is not None and self._start[name] is not None:
                self.used[name] = now - self._start[name]
        self.used["load generator"] = sum(os.times()[:2]) - self._self
        self.machine = _machine_busy_seconds() - self._machine
        return False


# ---------------------------------------------------------------------------------------------
# The system under test: the harness of the end-to-end and fault tests (tests/processes.py).


@contextlib.contextmanager
def bench_system(amqp_uri, config_path, label, keep=False):
    """A System of tests/processes.py on a fresh vhost of the broker ``amqp_uri`` points at, in a
    temporary directory. However the run ends (an error, Ctrl-C or SIGTERM) every process is
    stopped and every vhost deleted; the directory, with the logs, is removed unless ``keep``."""
    workdir = pathlib.Path(tempfile.mkdtemp(prefix=f"jiangxin-bench-{label}-"))
    # SIGTERM exits through the finally blocks, as Ctrl-C does, rather than leave processes behind.
    previous_sigterm = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        # Measured as deployed: the tests' check of every response against its schema is off.
        with isolated_system(Broker.of(amqp_uri), workdir, f"jiangxin_bench_{label}",
                             config_path=config_path, CHECK_RESPONSES="false") as system:
            yield system
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
        if keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# A small synchronous client for the preparation steps.


class Client:
    def __init__(self, address):
        host, port = address
        self.connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)

    def call(self, method, path, token=None, body=None, expect=(200, 201)):
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            status, raw = response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        if expect and status not in expect:
            raise RuntimeError(f"{method} {path} answered {status}: {raw[:500]!r}")
        return status, json.loads(raw) if raw else None

    def close(self):
        self.connection.close()


def prepare_competition(address, secret, entries, clients, seed):
    """One competition in marking, through HTTP; returns (path of its marks route, entry codes)."""
    organiser = issue_token(secret, "bench-organiser", "organizer", unit=UNIT, name="组织者")
    client = Client(address)
    try:
        _, competition = client.call("POST", "/competitions", organiser, {
            "name": "基准测试 数控车工 评分吞吐", "level": "city", "industry_chain": "装备制造", "year": 2026,
            "events": [{"trade": "数控车工", "marking_scheme": build_scheme(),
                        "judging": {"drop_extremes_from": 5, "max_spread": 1}}]})
        cid, eid = competition["id"], competition["events"][0]["id"]
        client.call("POST", f"/competitions/{cid}/status", organiser, {"action": "open_registration"})
        base = f"/competitions/{cid}/events/{eid}"
        rnd = random.Random(seed)
        host = f"{address[0]}:{address[1]}"
        registrations = [http_request(host, "POST", f"{base}/entries", {
            "name": f"选手{n:04d}", "employer": f"基准机械厂{n % 17:02d}", "trade": "数控车工",
            "skill_level": "中级工",
            "id_number": make_id_number(birth=_birth(rnd), sequence=n % 1000, region=f"{410100 + n // 1000}"),
        }, organiser) for n in range(entries)]
        registered = run_load(address, registrations, clients, 120, keep_bodies=True)
        if registered.errors:
            refused = next(b for b, ok in zip(registered.bodies, registered.accepted) if not ok)
            raise RuntimeError(f"registration failed: {registered.error_summary()}: {refused!r}")
        ids = [json.loads(body)["id"] for body in registered.bodies]
        approved = run_load(address, [http_request(host, "POST", f"{base}/entries/{entry_id}/decision",
                                                   {"decision": "approve"}, organiser) for entry_id in ids],
                            clients, 120)
        if approved.errors:
            raise RuntimeError(f"approval failed: {approved.error_summary()}")
        for judge in JUDGES:
            client.call("POST", f"{base}/judges", organiser,
                        {"judge_id": judge, "name": f"裁判{judge}", "enterprise": "市职业技能鉴定中心"})
        for action in ("close_registration", "start_marking"):
            client.call("POST", f"/competitions/{cid}/status", organiser, {"action": action})
        _, sheet = client.call("GET", f"{base}/marking-sheet", issue_token(secret, JUDGES[0], "judge"))
        codes = [row["entry_code"] for row in sheet["entries"]]
        if len(codes) != entries:
            raise RuntimeError(f"the marking sheet shows {len(codes)} entries, not {entries}")
        return f"{base}/marks", codes
    finally:
        client.close()


def _birth(rnd):
    import datetime

    return datetime.date(1975, 1, 1) + datetime.timedelta(days=rnd.randrange(0, 30 * 365))


def mark_requests(host, path, codes, secret, seed):
    """Every distinct (aspect, judge, entry) mark as a request, entries innermost: the clients in
    flight at one moment write to different entries, as judges spread over a hall would."""
    rnd = random.Random(seed)
    tokens = {judge: issue_token(secret, judge, "judge", name=f"裁判{judge}") for judge in JUDGES}
    requests = []
    for aspect in JUDGEMENT_IDS:
        for judge in JUDGES:
            for code in codes:
                requests.append(http_request(host, "POST", path, {
                    "entry_code": code, "aspect_id": aspect, "value": rnd.choice((1, 2, 2, 3))},
                    tokens[judge]))
    return requests


def ceiling_requests(host, marks):
    """The same requests to the ceiling's routes: the path's first segment becomes /ceiling
    (``/competitions/<cid>/...`` -> ``/ceiling/<cid>/...``), the headers and the body stay as they
    are (the same size; the ceiling checks nothing)."""
    requests = []
    for raw in marks:
        head, _, body = raw.partition(b"\r\n\r\n")
        line, _, headers = head.partition(b"\r\n")
        method, path, version = line.split(b" ")
        path = b"/ceiling/" + path.split(b"/", 2)[2]
        requests.append(b" ".join((method, path, version)) + b"\r\n" + headers + b"\r\n\r\n" + body)
    return requests


def _wrote(status, body):
    return status == 200 and b'"changed": true' in body


# ---------------------------------------------------------------------------------------------
# Reporting


def _ms(seconds):
    return f"{seconds * 1000:.1f}"


def print_table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
                 for i, cell in enumerate(row)]
        print("  " + "  ".join(cells))
        if n == 0:
            print("  " + "  ".join("-" * width for width in widths))


def profile_groups(path):
    """({package: own seconds}, [(own seconds, calls, function)]) of a cProfile dump; waiting in
    the event loop is idle time, not work, and is left out."""
    stats = pstats.Stats(str(path))
    groups, functions = {}, []
    for (filename, line, function), (_cc, calls, tottime, _cum, _callers) in stats.stats.items():
        group = _package(filename, function)
        if group is None:
            continue
        groups[group] = groups.get(group, 0.0) + tottime
        functions.append((tottime, calls, f"{_short(filename)}:{line}({function})"))
    return groups, functions


def report_profiles(pairs, top=15):
    """Per request, by package: each process of the marks path beside its ceiling counterpart."""
    for title, (path, requests), (ceiling_path, ceiling_requests) in pairs:
        groups, functions = profile_groups(path)
        ceiling_groups, _ = profile_groups(ceiling_path)
        per = {group: seconds / requests * 1000 for group, seconds in groups.items()}
        ceiling_per = {group: seconds / ceiling_requests * 1000 for group, seconds in ceiling_groups.items()}
        print(f"\n  {title}: CPU ms per request under cProfile, by package "
              f"(total {sum(per.values()):.2f} ms; its ceiling counterpart "
              f"{sum(ceiling_per.values()):.2f} ms)")
        rows = [("package", "ms/request", "ceiling", "extra")]
        for group in sorted(per, key=lambda g: -(per[g] - ceiling_per.get(g, 0.0)))[:top]:
            rows.append((group, f"{per[group]:.3f}", f"{ceiling_per.get(group, 0.0):.3f}",
                         f"{per[group] - ceiling_per.get(group, 0.0):+.3f}"))
        print_table(rows)
        print(f"  {title}: functions with the most own time, ms per request")
        for tottime, calls, where in sorted(functions, reverse=True)[:top]:
            print(f"    {tottime / requests * 1000:6.3f}  {calls / requests:7.1f} calls  {where}")


def _short(filename):
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _package(filename, function):
    if filename == "~":
        if "poll" in function or "select" in function or "epoll" in function:
            return None
        if "sqlite3" in function:
            return "sqlite3 (C)"
        if "socket" in function or "recv" in function or "send" in function:
            return "sockets (C)"
        if "deepcopy" in function:
            return "copy (C)"
        return "builtins (C)"
    short = _short(filename)
    if short == filename and not filename.startswith("/"):
        return "python internals"
    top = short.split("/")[0].removesuffix(".py")
    if top in ("services", "common", "gateway", "bench", "cli"):
        parts = short.split("/")
        return "/".join(parts[:2]) if top != "services" else "/".join(parts[:3])
    if top.startswith("litemongo"):
        return "litemongo" + ("/mongomock" if "_vendor" in short else "")
    return top


# ---------------------------------------------------------------------------------------------


def _measure(name, address, requests, clients, seconds, accept, meter_pids, **load):
    with CpuMeter(meter_pids) as meter:
        result = run_load(address, requests, clients, seconds, accept=accept, **load)
    print(f"  {name}: {result.completed:,} in {result.elapsed:.1f} s, {result.rate:,.0f}/s, "
          f"{result.errors} errors", flush=True)
    return {"name": name, "result": result, "cpu": meter.used, "machine": meter.machine}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20, help="concurrent keep-alive connections")
    parser.add_argument("--marks", type=int, default=3000, help="marks per measured round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of ceiling and marks")
    parser.add_argument("--warmup", type=int, default=300, help="requests before measuring, each side")
    parser.add_argument("--seconds", type=float, default=60, help="bound on each measured round")
    parser.add_argument("--seed", type=int, default=20260521)
    parser.add_argument("--profile", action="store_true",
                        help="run the gateway and the competitions service under cProfile and "
                             "show where their time goes (slower: figures are not comparable)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args(argv)

    config = load_config(args.config)
    needed = args.warmup + args.marks * args.rounds
    available = args.entries * len(JUDGEMENT_IDS) * len(JUDGES)
    if needed > available:
        parser.error(f"{needed} distinct marks needed but {args.entries} entries give {available}: "
                     f"raise --entries or lower --marks/--rounds/--warmup")

    with bench_system(config["AMQP_URI"], args.config, "marks", args.keep) as system:
        stub_uri = None if args.profile else system.another_vhost("jiangxin_bench_stub")
        secret = system.token_secret
        ceiling_port, stub_port = (find_free_port("127.0.0.1") for _ in range(2))
        gateway_port = system.port
        gateway, ceiling = ("127.0.0.1", gateway_port), ("127.0.0.1", ceiling_port)
        stub = ("127.0.0.1", stub_port)
        print(f"bench_marks: {os.cpu_count()} cores, broker vhosts {', '.join(system.vhosts)}, "
              f"data in {system.directory}", flush=True)

        system.declare_topology()
        system.start(COMPETITIONS, GATEWAY, profile=args.profile)
        system.start_as("ceiling backend", CEILING_BACKEND, args.profile)
        system.start_as("ceiling gateway", CEILING_GATEWAY, args.profile,
                        GATEWAY_ADDRESS=f"127.0.0.1:{ceiling_port}")
        if stub_uri:
            system.start_as("stub competitions", STUB_COMPETITIONS, AMQP_URI=stub_uri)
            system.start_as("gateway over stub", GATEWAY, AMQP_URI=stub_uri,
                            GATEWAY_ADDRESS=f"127.0.0.1:{stub_port}")

        system.wait_for_competitions(STARTUP_SECONDS)
        system.wait_for_gateway(STARTUP_SECONDS)
        probe = ceiling_requests(f"127.0.0.1:{ceiling_port}", [http_request(
            "x", "POST", "/competitions/c/events/e/marks", {"probe": True})])
        system.wait_until(lambda: run_load(ceiling, probe, 1, 5).completed == 1, STARTUP_SECONDS,
                          message="the ceiling pair", ignoring=(OSError,))
        if stub_uri:
            judge = issue_token(secret, JUDGES[0], "judge")
            stub_probe = [http_request(f"127.0.0.1:{stub_port}", "POST", "/competitions/c/events/e/marks",
                                       {"entry_code": "PROBE", "aspect_id": "B1", "value": 1}, judge)]
            system.wait_until(lambda: run_load(stub, stub_probe, 1, 5).completed == 1, STARTUP_SECONDS,
                              message="the gateway over the stub service", ignoring=(OSError,))

        started = time.perf_counter()
        path, codes = prepare_competition(gateway, secret, args.entries, min(args.clients, 10), args.seed)
        print(f"prepared one competition in marking through HTTP: {len(codes)} approved entries, "
              f"{len(JUDGES)} judges, {len(JUDGEMENT_IDS)} judgement aspects "
              f"({time.perf_counter() - started:.1f} s)", flush=True)

        marks = mark_requests(f"127.0.0.1:{gateway_port}", path, codes, secret, args.seed)
        ceiling_all = ceiling_requests(f"127.0.0.1:{ceiling_port}", marks)
        stub_all = [raw.replace(f"Host: 127.0.0.1:{gateway_port}".encode(),
                                f"Host: 127.0.0.1:{stub_port}".encode(), 1) for raw in marks]
        broker_pid = _broker_pid()
        marks_pids = {"gateway": system.pid(GATEWAY), "competitions": system.pid(COMPETITIONS),
                      "broker": broker_pid}
        ceiling_pids = {"gateway": system.pid("ceiling gateway"),
                        "competitions": system.pid("ceiling backend"), "broker": broker_pid}
        if stub_uri:  # no stub pair under --profile
            stub_pids = {"gateway": system.pid("gateway over stub"),
                         "competitions": system.pid("stub competitions"), "broker": broker_pid}

        warm = run_load(gateway, marks[:args.warmup], args.clients, args.seconds, accept=_wrote)
        run_load(ceiling, ceiling_all[:args.warmup], args.clients, args.seconds)
        if stub_uri:
            run_load(stub, stub_all[:args.warmup], args.clients, args.seconds)
        if warm.errors:
            raise RuntimeError(f"marks failed while warming up: {warm.error_summary()}")

        if args.profile:
            for name in system.profiles:
                system.processes[name].send_signal(signal.SIGUSR1)  # profile from here on
            time.sleep(0.5)
            served = args.warmup + args.marks
            result = run_load(gateway, marks[args.warmup:served], args.clients, args.seconds, accept=_wrote)
            ceiling_result = run_load(ceiling, ceiling_all[args.warmup:served], args.clients, args.seconds)
            print(f"under cProfile: {result.rate:,.0f} marks/s, ceiling {ceiling_result.rate:,.0f} req/s "
                  f"(slowed by the profiler: not comparable with the figures of a plain run)", flush=True)
            system.stop()
            report_profiles([
                ("competitions service vs ceiling backend",
                 (system.profiles[COMPETITIONS], result.sent),
                 (system.profiles["ceiling backend"], ceiling_result.sent)),
                ("gateway vs ceiling gateway",
                 (system.profiles[GATEWAY], result.sent),
                 (system.profiles["ceiling gateway"], ceiling_result.sent)),
            ])
            return 0

        phases = []
        offset = args.warmup
        for round_number in range(1, args.rounds + 1):
            phases.append(_measure(f"ceiling, round {round_number}", ceiling,
                                   ceiling_all[offset:offset + args.marks], args.clients, args.seconds,
                                   None, ceiling_pids))
            system.check_alive()
            if stub_uri:
                phases.append(_measure(f"gateway + stub, round {round_number}", stub,
                                       stub_all[offset:offset + args.marks], args.clients, args.seconds,
                                       _wrote, stub_pids))
                system.check_alive()
            phases.append(_measure(f"marks, round {round_number}", gateway,
                                   marks[offset:offset + args.marks], args.clients, args.seconds,
                                   _wrote, marks_pids))
            system.check_alive()
            offset += args.marks
        report(phases, args)
        return 0


def _median_of(phases, kind, key):
    values = [key(p) for p in phases if p["name"].startswith(kind)]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def print_phases(phases, columns, rate="req/s"):
    """A row per phase of ``_measure``: its rate, latency, errors, the CPU milliseconds each
    process of ``columns`` (gateway, service, broker, load generator) used per completed request,
    and how busy the machine was; then what failed, by status."""
    rows = [("phase", rate, "p50 ms", "p99 ms", "errors", "gateway ms", "service ms", "broker ms",
             "client ms", "machine busy")]
    for phase in phases:
        result, cpu = phase["result"], phase["cpu"]
        done = max(1, result.completed)
        busy = phase["machine"] / result.elapsed / (os.cpu_count() or 1) if result.elapsed else None
        rows.append((phase["name"], f"{result.rate:,.0f}", _ms(result.percentile(0.5)),
                     _ms(result.percentile(0.99)), result.errors,
                     *("-" if cpu.get(name) is None else f"{cpu[name] / done * 1000:.2f}"
                       for name in columns),
                     "-" if busy is None else f"{busy * 100:.0f} %"))
    print_table(rows)
    for phase in phases:
        if phase["result"].errors:
            print(f"  {phase['name']}: {phase['result'].error_summary()}")


def report(phases, args):
    print(f"\n{args.clients} concurrent keep-alive clients, {args.marks:,} requests per round, "
          f"each mark a distinct (entry, aspect, judge) that must answer 200 with changed=true")
    columns = ("gateway", "competitions", "broker", "load generator")
    print_phases(phases, columns)
    print("  gateway/service/broker/client ms: CPU milliseconds each process used per request. For the\n"
          "  ceiling, 'gateway' is its @http process and 'service' its @rpc process; for 'gateway + stub',\n"
          "  the real gateway in front of a competitions stub that answers at once. The broker also\n"
          "  serves anything else running on this machine, and 'machine busy' counts everything.")

    def rate(kind):
        return _median_of(phases, kind, lambda p: p["result"].rate)

    def cpu(kind, name):
        return _median_of(phases, kind, lambda p: (p["cpu"][name] / max(1, p["result"].completed) * 1000
                                                   if name in p["cpu"] else None))

    ceiling, marks, stub = rate("ceiling"), rate("marks"), rate("gateway + stub")
    ratio = marks / ceiling if ceiling else 0.0
    print("  marks / ceiling per round: " + ", ".join(
        f"{m['result'].rate / c['result'].rate:.0%}" for c, m in zip(
            [p for p in phases if p["name"].startswith("ceiling")],
            [p for p in phases if p["name"].startswith("marks")]) if c["result"].rate))
    print(f"\nmarks through the gateway: {marks:,.0f} marks/s; raw nameko @http+RPC ceiling: "
          f"{ceiling:,.0f} req/s (medians of {args.rounds} rounds)")
    if stub is not None:
        print(f"the gateway in front of a stub service: {stub:,.0f} req/s, {stub / ceiling:.0%} of the "
              f"ceiling (what the gateway's own layers leave)")
    verdict = "met" if ratio >= AIM_RATIO else "NOT met"
    print(f"aim: marks >= {AIM_RATIO:.0%} of the ceiling -> {verdict} ({ratio:.0%})")
    extra = {name: (cpu("marks", name) or 0.0) - (cpu("ceiling", name) or 0.0) for name in columns[:3]}
    print("CPU per mark beyond the ceiling's request: " + ", ".join(
        f"{label} {extra[name]:+.2f} ms" for name, label in
        (("gateway", "gateway"), ("competitions", "competitions service"), ("broker", "broker"))))
    if stub is not None:
        layer = (cpu("gateway + stub", "gateway") or 0.0) - (cpu("ceiling", "gateway") or 0.0)
        service = (cpu("marks", "competitions") or 0.0) - (cpu("gateway + stub", "competitions") or 0.0)
        print(f"  of which the gateway's layers (stub run) {layer:+.2f} ms, the service's own work "
              f"(marks run minus stub) {service:+.2f} ms")
    if ratio < AIM_RATIO:
        print("  to see inside the processes: .venv/bin/python -m bench.bench_marks --profile")
    return ratio


if __name__ == "__main__":
    sys.exit(main())
