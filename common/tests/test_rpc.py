"""ServiceRpc against real services on the real broker."""

import eventlet
import pytest
from mock import PropertyMock, patch
from nameko.contextdata import UserId
from nameko.exceptions import RemoteError
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import find_free_port, get_container

from common.auth import JUDGE, issue_token
from common.errors import GatewayTimeout, NotFound, ServiceUnavailable
from common.rpc import CorrelationId, ServiceRpc, _MethodProxy
from common.testing.waiting import wait_until
from common.web import route


class TargetService:
    name = "rpc_target"

    correlation_id = CorrelationId()
    user_id = UserId()

    @rpc
    def context(self):
        return {"correlation_id": self.correlation_id, "user_id": self.user_id}

    @rpc
    def echo(self, value):
        return value

    @rpc
    def slow(self, seconds):
        eventlet.sleep(seconds)
        return "late"

    @rpc
    def missing(self, thing_id):
        raise NotFound(f"no thing {thing_id}", fields={"thing_id": ["unknown"]})

    @rpc
    def broken(self):
        raise RuntimeError("internal detail")


class CallerService:
    name = "rpc_caller"

    target = ServiceRpc("rpc_target")
    nobody = ServiceRpc("rpc_nobody")

    @rpc
    def call(self, method, *args):
        return getattr(self.target, method)(*args)

    @rpc
    def call_patiently(self, method, *args):
        return getattr(self.target.with_timeout(5), method)(*args)

    @rpc
    def call_nobody(self):
        return self.nobody.anything()


@pytest.fixture
def caller(runner_factory, rabbit_config):
    config = {**rabbit_config, "RPC_TIMEOUT": 0.3}
    runner = runner_factory(config, TargetService, CallerService)
    runner.start()
    container = get_container(runner, CallerService)
    container.target_container = get_container(runner, TargetService)
    return container


def pending_replies(container):
    listener = CallerService.target.rpc_reply_listener
    shared = container.shared_extensions[listener.sharing_key]
    return shared._reply_events


def test_reply_within_time(caller):
    with entrypoint_hook(caller, "call") as call:
        assert call("echo", {"名字": "张三"}) == {"名字": "张三"}
    assert pending_replies(caller) == {}


def test_no_reply_in_time_is_gateway_timeout(caller):
    with entrypoint_hook(caller, "call") as call:
        with pytest.raises(GatewayTimeout) as error:
            call("slow", 1.0)
    assert error.value.status == 504
    assert "rpc_target" in error.value.message
    assert pending_replies(caller) == {}
    # The late reply, sent once the slow worker is done and queued ahead of the next one, is
    # dropped; the proxy keeps working.
    wait_until(lambda: not caller.target_container._worker_threads, timeout=10,
               message="the slow call finishing")
    with entrypoint_hook(caller, "call") as call:
        assert call("echo", 1) == 1


def test_per_call_timeout(caller):
    with entrypoint_hook(caller, "call_patiently") as call:
        assert call("slow", 0.5) == "late"


def test_service_errors_arrive_unchanged(caller):
    with entrypoint_hook(caller, "call") as call:
        with pytest.raises(NotFound) as error:
            call("missing", "t1")
    assert error.value.message == "no thing t1"
    assert error.value.fields == {"thing_id": ["unknown"]}


def test_unexpected_service_errors_are_remote_errors(caller):
    with entrypoint_hook(caller, "call") as call:
        with pytest.raises(RemoteError):
            call("broken")


def test_service_not_running_is_unavailable(caller):
    with entrypoint_hook(caller, "call_nobody") as call:
        with pytest.raises(ServiceUnavailable):
            call()


def test_broker_unreachable_is_unavailable(caller):
    # Publish to a port nothing listens on: kombu's real connection error, quickly.
    closed = "pyamqp://guest:guest@127.0.0.1:{}/".format(find_free_port())
    with patch.object(_MethodProxy, "amqp_uri", new_callable=PropertyMock, return_value=closed):
        with entrypoint_hook(caller, "call") as call:
            with pytest.raises(ServiceUnavailable, match="broker"):
                call("echo", 1)
    # (a 503, not the 504 RPC_TIMEOUT would give: the failure was reported, not waited out)
    assert pending_replies(caller) == {}


def test_timeout_must_be_positive(container_factory, rabbit_config):
    container = container_factory(CallerService, {**rabbit_config, "RPC_TIMEOUT": 0})
    with pytest.raises(ValueError, match="RPC_TIMEOUT"):
        container.start()


class GatewayService:
    name = "rpc_gateway"

    target = ServiceRpc("rpc_target")

    @route("GET", "/things/<thing_id>", public=True)
    def get_thing(self, request, principal, thing_id):
        return self.target.missing(thing_id)

    @route("GET", "/slow", public=True)
    def slow(self, request, principal):
        return self.target.slow(1.0)

    @route("GET", "/context")
    def context(self, request, principal):
        return self.target.context()

    @route("GET", "/broken", public=True)
    def broken(self, request, principal):
        return self.target.broken()


@pytest.mark.parametrize("path, status, error", [
    ("/things/t9", 404, "not_found"),
    ("/slow", 504, "gateway_timeout"),
    ("/broken", 500, "internal_error"),
])
def test_gateway_answers_service_failures_in_json(runner_factory, rabbit_config, web_config,
                                                  web_session, path, status, error):
    config = {**rabbit_config, **web_config, "RPC_TIMEOUT": 0.3, "TOKEN_SECRET": "x" * 32}
    runner_factory(config, TargetService, GatewayService).start()
    response = web_session.get(path)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["error"] == error
    assert "internal detail" not in response.text


def test_request_id_reaches_the_service(runner_factory, rabbit_config, web_config, web_session):
    secret = "x" * 32
    config = {**rabbit_config, **web_config, "TOKEN_SECRET": secret}
    runner_factory(config, TargetService, GatewayService).start()
    token = issue_token(secret, "user-42", JUDGE)
    response = web_session.get(
        "/context", headers={"X-Request-Id": "req-7", "Authorization": f"Bearer {token}"})
    assert response.json() == {"correlation_id": "req-7", "user_id": "user-42"}
