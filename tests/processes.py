"""The real processes, for end-to-end and fault tests: started the way `make run` starts them.

A :class:`Broker` makes a throwaway RabbitMQ vhost through the management API and looks into its
queues. A :class:`System` owns everything one test starts: its data directory, a free port for
the gateway, the environment given to ``cli.run.start_services`` and the processes themselves;
it can stop them gently, SIGKILL one, restart one on the same data, and :meth:`System.close`
ends every process it ever started, whatever state the test left them in. Every wait is bounded.
"""
import atexit
import os
import pathlib
import signal
import subprocess
import time
import uuid
from contextlib import contextmanager

import requests
from kombu import Connection
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.utils import find_free_port

from cli.run import start_services, stop_services
from common.storage import open_database
from common.topology import declare_subscriptions

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG_PATH = str(ROOT / "config.yaml")
HOST = "127.0.0.1"

COMPETITIONS = "services.competitions.service"
GATEWAY = "gateway.service"

TOKEN_SECRET = "e2e-token-secret-0123456789abcdef0123456789"
PERSONAL_DATA_SECRET = "e2e-personal-data-secret-0123456789abcdef"

# Who asks a service whether it is up.
PROBE = {"subject": "readiness-probe", "role": "admin"}

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


def wait_until(condition, timeout, interval=0.2, message="condition"):
    """Poll ``condition`` until it returns something truthy, which is returned; fail at ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message}: not reached within {timeout:g} s (last: {value!r})")
        time.sleep(interval)


class Broker:
    """The local RabbitMQ: vhosts through its management API, queues through AMQP."""

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

    @staticmethod
    def queue_state(amqp_uri, queue):
        """(ready messages, consumers) of an existing queue, asked with a passive declare:
        exact at the moment of asking, unlike the management API's periodic statistics."""
        with Connection(amqp_uri, connect_timeout=5) as connection:
            _, messages, consumers = connection.channel().queue_declare(queue=queue, passive=True)
        return messages, consumers


class System:
    """The processes of one test, on their own vhost, data directory and gateway port."""

    def __init__(self, amqp_uri, directory, **environment):
        self.amqp_uri = amqp_uri
        self.data_dir = pathlib.Path(directory) / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = find_free_port(HOST)
        self.address = f"{HOST}:{self.port}"
        self.base_url = f"http://{self.address}"
        self.token_secret = TOKEN_SECRET
        self.environment = {
            "AMQP_URI": amqp_uri,
            "MONGO_URI": "",  # the embedded store, under DATA_DIR
            "DATA_DIR": str(self.data_dir),
            "GATEWAY_ADDRESS": self.address,
            "TOKEN_SECRET": TOKEN_SECRET,
            "PERSONAL_DATA_SECRET": PERSONAL_DATA_SECRET,
            "OUTBOX_RELAY": "true",
            "LOG_LEVEL": "WARNING",
            **environment,
        }
        self.processes = {}  # module -> Popen of its latest start
        self._started = []  # every Popen ever started, for close()

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

    def start(self, *modules, **env_overrides):
        started = start_services(CONFIG_PATH, self.env(**env_overrides), modules)
        for module, process in started.items():
            self.processes[module] = process
            self._started.append(process)
            _LIVE.add(process)
        return started

    def running(self, module):
        process = self.processes.get(module)
        return process is not None and process.poll() is None

    def _require_running(self, module):
        process = self.processes[module]
        if process.poll() is not None:
            raise AssertionError(f"{module} exited with status {process.returncode}")

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
        try:
            self.stop(timeout=10)
        finally:
            for process in self._started:
                _kill(process)

    # waiting until a process serves

    @contextmanager
    def rpc(self, timeout=20):
        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=timeout) as cluster:
            yield cluster

    def wait_for_competitions(self, timeout=60):
        """Until the competitions service answers an RPC."""
        def answers():
            self._require_running(COMPETITIONS)
            try:
                with self.rpc(timeout=5) as cluster:
                    cluster.competitions.list_competitions(PROBE, {"limit": 1})
            except UnknownService:
                return False  # its RPC queue is not there yet
            except RpcTimeout:
                return False  # there, but still starting up
            return True
        wait_until(answers, timeout, interval=0.3, message="competitions answering RPC")

    def wait_for_gateway(self, timeout=60):
        def answers():
            self._require_running(GATEWAY)
            try:
                return requests.get(f"{self.base_url}/health", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False
        wait_until(answers, timeout, interval=0.3, message="gateway answering GET /health")

    def wait_for_consumers(self, module, queues, timeout=60):
        """Until every one of ``queues`` has a consumer (the consuming service has started)."""
        def consuming():
            self._require_running(module)
            return all(Broker.queue_state(self.amqp_uri, queue)[1] > 0 for queue in queues)
        wait_until(consuming, timeout, interval=0.3, message=f"{module} consuming {queues}")

    # looking inside a stopped service

    def read_store(self, service_name, read):
        """``read(database)`` on a service's embedded store, from this process: litemongo keeps
        every collection in SQLite (WAL), which other processes may read while the service runs."""
        database = open_database({"DATA_DIR": str(self.data_dir)}, service_name)
        try:
            return read(database)
        finally:
            client = getattr(database, "client", None)
            if client is not None and hasattr(client, "close"):
                client.close()


@contextmanager
def isolated_system(broker, directory, vhost_prefix, **environment):
    """A :class:`System` on a vhost of its own, which goes with every process when the block ends."""
    vhost = broker.create_vhost(vhost_prefix)
    try:
        system = System(broker.amqp_uri(vhost), directory, **environment)
        try:
            yield system
        finally:
            system.close()
    finally:
        broker.delete_vhost(vhost)
