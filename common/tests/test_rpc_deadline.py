"""A request its caller stopped waiting for never runs: expired by the broker while it waits in
the queue, refused by the service when it is delivered too late. Against the real broker."""
import time

import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.services import entrypoint_hook

from common.errors import GatewayTimeout
from common.rpc import ServiceRpc, rpc
from common.storage import Store
from common.testing.waiting import wait_until
from tests.processes import Broker


class Calls:
    outbox_collections = []

    def __init__(self, database):
        self.calls = database["calls"]


class RecorderService:
    name = "rpc_recorder"

    store = Store(Calls)

    @rpc
    def record(self, label):
        self.store.calls.insert_one({"label": label})
        return label

    @rpc
    def recorded(self):
        return sorted(call["label"] for call in self.store.calls.find({}))


class ImpatientService:
    name = "rpc_impatient"

    recorder = ServiceRpc("rpc_recorder")

    @rpc
    def record(self, label):
        return self.recorder.record(label)


QUEUE = "rpc-rpc_recorder"


def test_a_request_that_timed_out_while_the_service_was_down_never_runs(container_factory,
                                                                       service_config):
    config = {**service_config, "RPC_TIMEOUT": 0.5}
    recorder = container_factory(RecorderService, config)
    recorder.start()
    recorder.stop()  # its durable queue stays, with nobody consuming it
    impatient = container_factory(ImpatientService, config)
    impatient.start()

    with entrypoint_hook(impatient, "record") as record:
        with pytest.raises(GatewayTimeout):
            record("while down")
    # The broker dropped the request once the caller's timeout had passed.
    wait_until(lambda: Broker.queue_state(config["AMQP_URI"], QUEUE) == (0, 0), 30,
               message="the expired request gone from the queue")

    container_factory(RecorderService, config).start()
    with entrypoint_hook(impatient, "record") as record:
        assert record("after the start") == "after the start"
    with ClusterRpcProxy(config, timeout=10) as cluster:
        assert cluster.rpc_recorder.recorded() == ["after the start"]
    assert Broker.queue_state(config["AMQP_URI"], QUEUE)[0] == 0


def test_a_request_delivered_after_its_deadline_is_refused(container_factory, service_config):
    container_factory(RecorderService, service_config).start()
    # As a request that waited for a worker after delivery, where the broker expires nothing.
    late = {"rpc_deadline": time.time() - 1}
    with ClusterRpcProxy(service_config, context_data=late, timeout=10) as cluster:
        with pytest.raises(GatewayTimeout, match="not started"):
            cluster.rpc_recorder.record("too late")
    with ClusterRpcProxy(service_config, timeout=10) as cluster:
        assert cluster.rpc_recorder.recorded() == []


def test_a_deadline_that_is_no_time_counts_as_none(container_factory, service_config):
    container_factory(RecorderService, service_config).start()
    with ClusterRpcProxy(service_config, context_data={"rpc_deadline": "soon"}, timeout=10) as cluster:
        cluster.rpc_recorder.record("kept")
        assert cluster.rpc_recorder.recorded() == ["kept"]
