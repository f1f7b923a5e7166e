"""The real processes, for end-to-end tests, fault tests and benchmarks: started the way
`make run` starts them, each on a throwaway RabbitMQ vhost and data directory.

A :class:`Broker` makes and removes vhosts through the management API, looks into their queues
and, for fault tests, closes a vhost's connections from the broker's side or stops and starts
RabbitMQ itself. A :class:`System` owns everything one test or benchmark starts: its vhosts, its
data directory, a free port for the gateway, the environment of its processes and the processes
themselves; it can stop them gently, SIGKILL one, restart one on the same data, run one under
cProfile, and :meth:`System.close` ends every process it ever started, whatever state it left
them in, and removes its vhosts. :func:`isolated_system` is a System for the length of a
``with`` block. Every wait is bounded; a System's waits fail at once,
with the end of its log, when a process they wait on exits.

Each process's output (its log) goes to ``logs/<name>.log`` beside the data directory, so that a
test can count what a service logged (retries, parkings) and a failure can be read afterwards.
"""
import atexit
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from contextlib import contextmanager

import requests
from kombu import Connection
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.utils import find_free_port

from cli.run import service_command, stop_services
from common.outbox import ConfirmedPublisher, outbox_entries
from common.storage import open_database
from common.testing.waiting import wait_until
from common.topology import declare_subscriptions, event_exchange
from services import PROCESSES

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG_PATH = str(ROOT / "config.yaml")
HOST = "127.0.0.1"

# Process names, as services/__init__.py lists them.
COMPETITIONS = "competitions"
GATEWAY = "gateway"
TALENT_POOL = "talent_pool"
STUDIOS = "studios"
NOTIFICATIONS = "notifications"

TOKEN_SECRET = "e2e-token-secret-0123456789abcdef0123456789"
PERSONAL_DATA_SECRET = "e2e-personal-data-secret-0123456789abcdef"

# Who asks a service whether it is up.
PROBE = {"subject": "readiness-probe", "role": "admin"}

# `nameko run` under cProfile; SIGUSR1 forgets what was profiled so far (start-up, warm-up).
PROFILED_NAMEKO = """
import cProfile, signal, sys, time
out = sys.argv[1]
sys.argv = ["nameko"] + sys.argv[2:]
from nameko.cli.main import main
# CPU time, not wall time: on two shared cores a wall clock charges whichever function happened
# to be running when the process was preempted.
profile = cProfile.Profile(time.process_time)
signal.signal(signal.SIGUSR1, lambda *_: profile.clear())
profile.enable()
try:
    main()
finally:
    profile.disable()
    profile.dump_stats(out)
"""

# Processes still running when the interpreter exits (a test run interrupted mid-way) are killed.
_LIVE = set()


@atexit.register
def _kill_leftovers():
    for process in list(_LIVE):
        _kill(process)


def _kill(process):
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # start_services makes each a group leader
        except ProcessLookupError:
            pass
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        pass
    _LIVE.discard(process)


class ProcessExited(AssertionError):
    """A process the test needs running has exited."""


class Broker:
    """The local RabbitMQ: vhosts through its management API, queues through AMQP."""

    @classmethod
    def of(cls, amqp_uri, management_port=15672):
        """The broker ``amqp_uri`` points at, reached with the same credentials."""
        parsed = urllib.parse.urlparse(amqp_uri)
        host = parsed.hostname or HOST
        return cls(api=f"http://{host}:{management_port}/api",
                   amqp_address=f"{host}:{parsed.port or 5672}",
                   user=urllib.parse.unquote(parsed.username or "guest"),
                   password=urllib.parse.unquote(parsed.password or "guest"))

    def __init__(self, api=f"http://{HOST}:15672/api", amqp_address=f"{HOST}:5672",
                 user="guest", password="guest"):
        self.api = api
        self.amqp_address = amqp_address
        self.user = user
        self.password = password
        self.session = requests.Session()
        self.session.auth = (user, password)

    def _call(self, method, *path, **kwargs):
        url = "/".join([self.api, *(requests.utils.quote(p, safe="") for p in path)])
        response = self.session.request(method, url, timeout=10, **kwargs)
        response.raise_for_status()
        return response

    def create_vhost(self, prefix="jiangxin_test"):
        vhost = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self._call("PUT", "vhosts", vhost, json={})
        self._call("PUT", "permissions", vhost, self.user,
                   json={"configure": ".*", "write": ".*", "read": ".*"})
        return vhost

    def delete_vhost(self, vhost):
        try:
            self._call("DELETE", "vhosts", vhost)
        except requests.HTTPError as error:
            if error.response is None or error.response.status_code != 404:
                raise

    def amqp_uri(self, vhost):
        return f"pyamqp://{self.user}:{self.password}@{self.amqp_address}/{vhost}"

    def connections(self, vhost):
        """The names of the connections open to ``vhost``, asked of the broker with rabbitmqctl:
        exact at the moment of asking."""
        out = self._ctl("list_connections", "--no-table-headers", "vhost", "name")
        return {name for listed_vhost, name in (line.split("\t", 1) for line in out.splitlines())
                if listed_vhost == vhost}

    def managed_connections(self, vhost):
        """The names of ``vhost``'s connections as the management API lists them: a connection
        only some seconds after it opened, and one closing until its client has answered."""
        return {connection["name"] for connection in self._call("GET", "vhosts", vhost, "connections").json()
                if connection["vhost"] == vhost}

    def close_connections(self, vhost, reason="closed by a fault test"):
        """Close from the broker's side, through the management API, every connection it lists
        for ``vhost``, as a broker going away closes them, without touching the broker itself or
        any other vhost; returns their names. A client notices when it next reads: until then
        its connection may still be listed."""
        names = self.managed_connections(vhost)
        for name in names:
            try:
                self._call("DELETE", "connections", name, headers={"X-Reason": reason})
            except requests.HTTPError as error:
                if error.response is None or error.response.status_code != 404:  # 404: gone already
                    raise
        return names

    @staticmethod
    def _ctl(*arguments, timeout=60):
        return subprocess.run(["rabbitmqctl", "-q", *arguments], capture_output=True, text=True,
                              timeout=timeout, check=True).stdout

    def queue_counts(self, vhost):
        """{queue: (ready, unacknowledged)} for every queue of ``vhost``, asked of the broker with
        rabbitmqctl: exact at the moment of asking. A passive declare sees only the ready
        messages, the management API samples its figures every few seconds; a message a consumer
        holds but has not yet acked is seen here."""
        out = self._ctl("list_queues", "-p", vhost, "--no-table-headers",
                        "name", "messages_ready", "messages_unacknowledged")
        counts = {}
        for line in out.splitlines():
            name, ready, unacked = line.rsplit("\t", 2)
            counts[name] = (int(ready), int(unacked))
        return counts

    # the broker itself, stopped and started: only for fault tests, always started again

    def stop_app(self):
        self._ctl("stop_app", timeout=120)

    def start_app(self, timeout=180):
        """Start the broker's application (a no-op if it runs) and wait until it serves AMQP
        and its management API again."""
        self._ctl("start_app", timeout=timeout)
        self._ctl("await_startup", timeout=timeout)

        def serves():
            try:
                with Connection(f"pyamqp://{self.user}:{self.password}@{self.amqp_address}//",
                                connect_timeout=3) as connection:
                    connection.connect()
                return self.session.get(f"{self.api}/overview", timeout=5).status_code == 200
            except Exception:  # noqa: BLE001 - whatever fails, it does not serve yet
                return False
        wait_until(serves, timeout, interval=0.5, message="RabbitMQ serving again")

    @contextmanager
    def app_stopped(self):
        """The broker down for the duration of the block; started again however the block ends."""
        try:
            self.stop_app()
            yield
        finally:
            self.start_app()

    @staticmethod
    def queue_state(amqp_uri, queue):
        """(ready messages, consumers) of an existing queue, asked with a passive declare:
        exact at the moment of asking, unlike the management API's periodic statistics."""
        with Connection(amqp_uri, connect_timeout=5) as connection:
            _, messages, consumers = connection.channel().queue_declare(queue=queue, passive=True)
        return messages, consumers


def vhost_of(amqp_uri):
    return urllib.parse.unquote(urllib.parse.urlparse(amqp_uri).path[1:]) or "/"


def settled(amqp_uri, queues=None):
    """True when none of ``queues`` (every queue of ``amqp_uri``'s vhost by default) holds a
    message, ready or delivered and not yet acked: whatever reached them was handled to the end.
    Asked of the broker (``Broker.queue_counts``), never guessed from elapsed time."""
    counts = Broker.of(amqp_uri).queue_counts(vhost_of(amqp_uri))
    return all(counts.get(queue, (0, 0)) == (0, 0) for queue in (counts if queues is None else queues))


class System:
    """The processes of one test or benchmark, on their own vhost, data directory and gateway port."""

    def __init__(self, broker, directory, vhost_prefix, config_path=CONFIG_PATH, **environment):
        self.broker = broker
        self.config_path = config_path
        self.directory = pathlib.Path(directory)
        self.data_dir = self.directory / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = self.directory / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.port = find_free_port(HOST)
        self.address = f"{HOST}:{self.port}"
        self.base_url = f"http://{self.address}"
        self.token_secret = TOKEN_SECRET
        # The vhost is made last: nothing after it can fail and leave it behind.
        self.vhosts = []  # every vhost made for this system, removed by close()
        self.vhost = self._new_vhost(vhost_prefix)
        self.amqp_uri = broker.amqp_uri(self.vhost)
        self.environment = {
            "AMQP_URI": self.amqp_uri,
            "MONGO_URI": "",  # the embedded store, under DATA_DIR
            "DATA_DIR": str(self.data_dir),
            "GATEWAY_ADDRESS": self.address,
            "TOKEN_SECRET": TOKEN_SECRET,
            "PERSONAL_DATA_SECRET": PERSONAL_DATA_SECRET,
            "OUTBOX_RELAY": "true",
            "CHECK_RESPONSES": "true",
            "LOG_LEVEL": "WARNING",
            **environment,
        }
        self.processes = {}  # process name -> Popen of its latest start
        self.profiles = {}  # name -> where its cProfile statistics are written as it exits
        self._started = []  # every Popen ever started, for close()

    def _new_vhost(self, prefix):
        vhost = self.broker.create_vhost(prefix)
        self.vhosts.append(vhost)
        return vhost

    def another_vhost(self, prefix):
        """The AMQP URI of one more fresh vhost, for processes started with ``AMQP_URI=`` it (a
        second system beside this one); removed with this system's own."""
        return self.broker.amqp_uri(self._new_vhost(prefix))

    def env(self, **overrides):
        env = {**os.environ, **self.environment, **overrides}
        # `nameko run` imports modules relative to the project root, wherever pytest was run from.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        return env

    # starting and stopping

    def declare_topology(self, service_classes=None):
        """Declare the consumer queues before anything publishes, as `make run` does."""
        if service_classes is None:
            from cli.topology import declare_all
            return declare_all({"AMQP_URI": self.amqp_uri})
        return declare_subscriptions(self.amqp_uri, service_classes)

    def log_path(self, name):
        return self.log_dir / f"{name}.log"

    def log(self, name):
        """Everything the process ``name`` wrote so far, restarts included."""
        path = self.log_path(name)
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def start(self, *names, profile=False, **env_overrides):
        """Start the processes ``names``, each under its own name."""
        return {name: self.start_as(name, name, profile, **env_overrides) for name in names}

    def start_as(self, name, target, profile=False, **env_overrides):
        """Start ``target`` (a process of services/__init__.py by its name, or any `nameko run`
        target) as the process ``name``. Under cProfile if ``profile``: SIGUSR1 clears what was
        profiled so far, and the statistics are written to ``profiles[name]`` when it stops."""
        listed = {process.name: process.target for process in PROCESSES}
        command = service_command(self.config_path, listed.get(target, target))
        if profile:
            self.profiles[name] = self.log_dir / f"{name}.prof"
            command = [sys.executable, "-c", PROFILED_NAMEKO, str(self.profiles[name]), *command[1:]]
        with open(self.log_path(name), "ab") as log:
            process = subprocess.Popen(command, env=self.env(**env_overrides), stdout=log,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        self.processes[name] = process
        self._started.append(process)
        _LIVE.add(process)
        return process

    def pid(self, name):
        return self.processes[name].pid

    def running(self, module):
        process = self.processes.get(module)
        return process is not None and process.poll() is None

    def check_alive(self, names=None):
        """ProcessExited, with the end of its log, if any of the processes ``names`` (all by
        default) has exited."""
        for name in self.processes if names is None else names:
            process = self.processes[name]
            if process.poll() is not None:
                tail = "\n".join(self.log(name).splitlines()[-30:])
                raise ProcessExited(f"{name} exited with status {process.returncode}; the end of "
                                    f"its log ({self.log_path(name)}):\n{tail}")

    def wait_until(self, condition, timeout, interval=0.3, message="condition", running=None,
                   ignoring=()):
        """:func:`wait_until`, failing at once if one of the ``running`` processes (all by
        default) exits meanwhile; ``condition`` raising one of ``ignoring`` counts as not yet."""
        def reached():
            self.check_alive(running)
            try:
                return condition()
            except ignoring:
                return False
        return wait_until(reached, timeout, interval=interval, message=message)

    def stop(self, *modules, timeout=15):
        """SIGTERM, then SIGKILL after ``timeout``: a clean shutdown."""
        chosen = {m: self.processes[m] for m in (modules or self.processes) if m in self.processes}
        stop_services(chosen, timeout=timeout)
        for process in chosen.values():
            _LIVE.discard(process)

    def kill(self, module):
        """SIGKILL: the process dies on the spot, between any two instructions."""
        _kill(self.processes[module])

    def close(self):
        """Every process ever started ended, then every vhost of this system removed."""
        try:
            self.stop(timeout=10)
        finally:
            for process in self._started:
                _kill(process)
            for vhost in self.vhosts:
                self.broker.delete_vhost(vhost)

    # waiting until a process serves

    @contextmanager
    def rpc(self, timeout=20):
        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=timeout) as cluster:
            yield cluster

    def wait_for_rpc(self, name, call, timeout=60):
        """Until ``call(cluster)`` returns through RPC, the process ``name`` running meanwhile."""
        def answers():
            with self.rpc(timeout=5) as cluster:
                call(cluster)
            return True
        # UnknownService: its RPC queue is not there yet; RpcTimeout: there, but still starting up
        self.wait_until(answers, timeout, message=f"{name} answering RPC", running=[name],
                        ignoring=(UnknownService, RpcTimeout))

    def wait_for_competitions(self, timeout=60):
        """Until the competitions service answers an RPC."""
        self.wait_for_rpc(COMPETITIONS, lambda cluster: cluster.competitions.list_competitions(
            PROBE, {"limit": 1}), timeout)

    def wait_for_talent_pool(self, timeout=60):
        """Until the talent pool answers an RPC and consumes its events."""
        from services.talent_pool.service import TalentPoolService
        self._wait_for_consuming(TALENT_POOL, TalentPoolService, timeout)

    def wait_for_studios(self, timeout=60):
        """Until the studios service answers an RPC."""
        self.wait_for_rpc(STUDIOS, lambda cluster: cluster.studios.list_studios(
            PROBE, {"limit": 1}), timeout)

    def wait_for_notifications(self, timeout=60):
        """Until the notifications service answers an RPC and consumes its events."""
        from services.notifications.service import NotificationsService
        self._wait_for_consuming(NOTIFICATIONS, NotificationsService, timeout)

    def _wait_for_consuming(self, name, service_class, timeout):
        """Until the consuming service ``name`` answers an RPC (its parked messages) and has a
        consumer on every queue it subscribes."""
        self.wait_for_rpc(name, lambda cluster: getattr(cluster, name).list_parked(
            PROBE, {"limit": 1}), timeout)
        from common.topology import subscriptions
        self.wait_for_consumers(name, [q for _, _, q in subscriptions(service_class)], timeout)

    def wait_for_gateway(self, timeout=60):
        self.wait_until(lambda: requests.get(f"{self.base_url}/health", timeout=2).status_code == 200,
                        timeout, message="gateway answering GET /health", running=[GATEWAY],
                        ignoring=(requests.ConnectionError,))

    def wait_for_consumers(self, module, queues, timeout=60):
        """Until every one of ``queues`` has a consumer (the consuming service has started)."""
        self.wait_until(lambda: all(Broker.queue_state(self.amqp_uri, queue)[1] > 0 for queue in queues),
                        timeout, message=f"{module} consuming {queues}", running=[module])

    # publishing as a service's outbox relay does, and watching the queues

    def publish(self, envelopes, source="competitions"):
        """Publish ``envelopes`` to ``<source>.events`` exactly as that service's relay does:
        persistent, ``mandatory``, with publisher confirms; fails unless every one is routed."""
        publisher = ConfirmedPublisher(self.amqp_uri, source, confirm_timeout=30)
        confirmed = []
        try:
            for start in range(0, len(envelopes), 256):
                batch = outbox_entries(envelopes[start:start + 256])
                ids, failures = publisher.publish(batch)
                if failures or len(ids) != len(batch):
                    raise AssertionError(f"not published: {failures or 'unconfirmed'}")
                confirmed.extend(ids)
        finally:
            publisher.close()
        return confirmed

    def tap(self, source, event_type, name=None, durable=True):
        """A queue of the test's own bound to ``<source>.events`` for ``event_type``: it keeps a
        copy of every such event published from now on. Returns its name. Durable unless told:
        a transient one costs the broker no disk write, for what is only read to measure."""
        name = name or f"test-tap-{source}-{event_type}"
        with Connection(self.amqp_uri, connect_timeout=5) as connection:
            channel = connection.channel()
            exchange = event_exchange(source)
            exchange(channel).declare()
            channel.queue_declare(queue=name, durable=durable, auto_delete=False)
            channel.queue_bind(queue=name, exchange=exchange.name, routing_key=event_type)
        return name

    def drain_tap(self, name):
        """Every message waiting in a tap queue (taken off it), as decoded bodies."""
        bodies = []
        with Connection(self.amqp_uri, connect_timeout=5) as connection:
            channel = connection.channel()
            while True:
                message = channel.basic_get(name, no_ack=True)
                if message is None:
                    return bodies
                bodies.append(json.loads(message.body))

    def queue_counts(self):
        """{queue: (ready, unacknowledged)} of this system's vhost, exact (see Broker)."""
        return self.broker.queue_counts(self.vhost)

    def wait_until_settled(self, queues, timeout=120, running=()):
        """Until none of ``queues`` holds a message, ready or delivered but not yet acked: every
        message that reached them was handled to the end (a reliable handler acks only after its
        work, or after storing a retry or a parking). Fails at once if one of the ``running``
        modules exits meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive(running)
            counts = self.queue_counts()
            busy = {q: counts[q] for q in queues if counts.get(q, (0, 0)) != (0, 0)}
            if not busy:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"queues not settled within {timeout:g} s: "
                                     f"{busy} (ready, unacknowledged)")
            time.sleep(0.5)

    # looking inside a service's store (running or stopped)

    def read_store(self, service_name, read):
        """``read(database)`` on a service's embedded store, from this process: litemongo keeps
        every collection in SQLite (WAL), which other processes may read while the service runs."""
        # Without the service's lock (only service processes take it): this reads, or writes
        # what a test stands in for, beside the running service.
        database = open_database({"DATA_DIR": str(self.data_dir)}, service_name)
        try:
            return read(database)
        finally:
            client = getattr(database, "client", None)
            if client is not None and hasattr(client, "close"):
                client.close()

    def talents(self, projection=None):
        """Every talent in the talent pool's store, outboxes left out unless asked for."""
        projection = projection or {"outbox": 0, "outbox_due_at": 0}
        return self.read_store("talent_pool", lambda database: list(
            database["talents"].find({}, projection)))

    def count_talents(self):
        return self.read_store("talent_pool", lambda database: database["talents"].count_documents({}))


@contextmanager
def isolated_system(broker, directory, vhost_prefix, **settings):
    """A :class:`System` on a vhost of its own, which goes with every process when the block ends."""
    system = System(broker, directory, vhost_prefix, **settings)
    try:
        yield system
    finally:
        system.close()
