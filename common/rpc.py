"""RPC from the gateway to a service, bounded in time.

nameko's ``RpcProxy`` waits for a reply forever. ``ServiceRpc`` gives the worker the same kind of
proxy, but every call is bounded by ``RPC_TIMEOUT`` seconds and its failures are errors that
common.web answers as JSON:

* no reply in time                          -> GatewayTimeout (504)
* broker unreachable, or no such service    -> ServiceUnavailable (503)
* a JiangxinError raised by the service     -> the same error (NotFound stays NotFound)
* anything else raised by the service       -> nameko's RemoteError (500, details logged only)

A reply that arrives after its deadline is dropped by the reply listener. A request outlives
neither: it is published with an AMQP ``expiration`` of the timeout, so the broker drops it
unread from a queue nobody consumed in time, and it carries its deadline (context data
``rpc_deadline``, seconds since the epoch), past which the service's ``rpc`` entrypoint refuses to
start it: a request delivered but still waiting for a worker is not expired by the broker. A 504
therefore means "not done", and a client may retry.

The gateway's request id travels with every call as nameko context data; a service reads it with
``correlation_id = CorrelationId()`` to stamp the events it publishes.

A service's entrypoints are ``@rpc`` from here, which also answers a create route's
``Idempotency-Key`` (common.idempotency) and turns the store's outages into ServiceUnavailable.
"""
import functools
import logging
import time

import eventlet
from nameko.amqp.publish import Publisher
from nameko.constants import USER_ID_CONTEXT_KEY
from nameko.contextdata import ContextDataProvider
from nameko.exceptions import UnknownService, deserialize_to_instance
from nameko.extensions import DependencyProvider
from nameko.rpc import MethodProxy, Rpc, RpcProxy

from common.errors import ANSWERS, GatewayTimeout, JiangxinError, ServiceUnavailable
from common.idempotency import IdempotencyStore
from common.storage import outage
from common.topology import BROKER_ERRORS
from common.web import (CORRELATION_ID_CONTEXT_KEY, IDEMPOTENCY_KEY_CONTEXT_KEY,
                        REQUEST_HASH_CONTEXT_KEY, log_expected_errors_in_one_line)

# A service's answers arrive at the caller as the same classes, not as nameko's RemoteError.
for _answer in ANSWERS:
    deserialize_to_instance(_answer)

_log = logging.getLogger(__name__)

# Fail fast when the broker is down: the caller gets a 503 in about a second instead of hanging
# through kombu's default backoff.
DEFAULT_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1,
}


class _FailFastPublisher(Publisher):
    # Connection attempts (nameko's default: 3 retries over about 5 s) bounded like publishing.
    transport_options = {
        "max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5,
    }


DEADLINE_CONTEXT_KEY = "rpc_deadline"


class _MethodProxy(MethodProxy):
    publisher_cls = _FailFastPublisher
    deadline = None  # seconds since the epoch, sent as the request's rpc_deadline

    def get_message_headers(self, worker_ctx):
        headers = super().get_message_headers(worker_ctx)
        if self.deadline is not None:
            headers[self._get_header_name(DEADLINE_CONTEXT_KEY)] = self.deadline
        return headers


class _TrackedReplies:
    """The reply listener as seen by one call: remembers the correlation ids it registers, so a
    call that gives up can take its pending reply events back out of the shared listener."""

    def __init__(self, listener):
        self._listener = listener
        self._correlation_ids = []

    @property
    def routing_key(self):
        return self._listener.routing_key

    def get_reply_event(self, correlation_id):
        self._correlation_ids.append(correlation_id)
        return self._listener.get_reply_event(correlation_id)

    def forget(self):
        pending = getattr(self._listener, "_reply_events", {})
        for correlation_id in self._correlation_ids:
            pending.pop(correlation_id, None)
        self._correlation_ids.clear()


class TimedMethodProxy:
    def __init__(self, worker_ctx, service_name, method_name, reply_listener, timeout, options):
        self.worker_ctx = worker_ctx
        self.service_name = service_name
        self.method_name = method_name
        self.reply_listener = reply_listener
        self.timeout = timeout
        self.options = options

    def __call__(self, *args, **kwargs):
        replies = _TrackedReplies(self.reply_listener)
        deadline = eventlet.Timeout(self.timeout)
        try:
            proxy = _MethodProxy(self.worker_ctx, self.service_name, self.method_name, replies,
                                 **{**self.options, "expiration": self.timeout})
            proxy.deadline = time.time() + self.timeout
            return proxy._call(*args, **kwargs).result()
        except eventlet.Timeout as exc:
            if exc is not deadline:
                raise
            raise GatewayTimeout(
                f"{self.service_name} did not answer {self.method_name} within "
                f"{self.timeout:g} s") from None
        except JiangxinError:
            raise
        except UnknownService:
            raise ServiceUnavailable(f"the {self.service_name} service is not running") from None
        except BROKER_ERRORS as exc:
            _log.warning("rpc %s.%s: broker unreachable: %r",
                         self.service_name, self.method_name, exc)
            raise ServiceUnavailable("the message broker is not reachable") from None
        finally:
            deadline.cancel()
            replies.forget()

    def __repr__(self):
        return f"<timed proxy method: {self.service_name}.{self.method_name}>"


class TimedServiceProxy:
    def __init__(self, worker_ctx, service_name, reply_listener, timeout, options):
        self._worker_ctx = worker_ctx
        self._service_name = service_name
        self._reply_listener = reply_listener
        self._timeout = timeout
        self._options = options

    def with_timeout(self, seconds):
        """The same proxy with another bound, for the odd call known to take longer."""
        return TimedServiceProxy(self._worker_ctx, self._service_name, self._reply_listener,
                                 float(seconds), self._options)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return TimedMethodProxy(self._worker_ctx, self._service_name, name,
                                self._reply_listener, self._timeout, self._options)


class ServiceRpc(RpcProxy):
    """``proxy = ServiceRpc("competitions")``; in a worker ``self.proxy.method(...)``.

    The bound in seconds is the config value ``timeout_config_key`` (``RPC_TIMEOUT``), else
    ``default_timeout``. Other keyword options go to nameko's publisher, as for RpcProxy.
    """

    def __init__(self, target_service, timeout_config_key="RPC_TIMEOUT", default_timeout=10.0,
                 **options):
        options.setdefault("retry_policy", DEFAULT_PUBLISH_RETRY_POLICY)
        super().__init__(target_service, **options)
        self.timeout_config_key = timeout_config_key
        self.default_timeout = default_timeout

    @property
    def timeout(self):
        value = self.container.config.get(self.timeout_config_key)
        return float(value) if value not in (None, "") else float(self.default_timeout)

    def setup(self):
        if self.timeout <= 0:
            raise ValueError(f"{self.timeout_config_key} must be a positive number of seconds")
        super().setup()

    def get_dependency(self, worker_ctx):
        return TimedServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener,
                                 self.timeout, self.options)


class CorrelationId(ContextDataProvider):
    """In a service: the id of the gateway request that caused this call, or None."""

    context_key = CORRELATION_ID_CONTEXT_KEY


# Where each worker of a service with kit rpc entrypoints finds its WorkerContext.
_WORKER_CONTEXT_ATTR = "_rpc_worker_context"


class _WorkerContext(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return worker_ctx


def _seconds(value):
    """A deadline header as epoch seconds; one that is not a number counts as none."""
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class GuardedRpc(Rpc):
    """nameko's Rpc entrypoint that refuses late requests, answers Idempotency-Keys and reports
    the store's outages as ServiceUnavailable; see :func:`rpc`."""

    idempotency = IdempotencyStore()

    def bind(self, container, method_name):
        instance = super().bind(container, method_name)
        # The method's wrapper needs its worker's context data, which nameko gives dependencies
        # only: one is added for the whole service, so that a service declares nothing for it.
        if not any(isinstance(d, _WorkerContext) for d in container.dependencies):
            container.dependencies.add(_WorkerContext().bind(container, _WORKER_CONTEXT_ATTR))
        return instance

    def run(self, worker_ctx, call):
        data = worker_ctx.data
        deadline = _seconds(data.get(DEADLINE_CONTEXT_KEY))
        if deadline is not None and time.time() > deadline:
            # Its caller has answered 504 ("not done") already: run now, it could do twice what
            # the client then retried.
            raise GatewayTimeout(f"{self.container.service_name}.{self.method_name} was not "
                                 "started before its caller stopped waiting")
        try:
            key = data.get(IDEMPOTENCY_KEY_CONTEXT_KEY)
            if key:
                return self.idempotency.run(data.get(USER_ID_CONTEXT_KEY), self.method_name, key,
                                            data.get(REQUEST_HASH_CONTEXT_KEY), call)
            return call()
        except Exception as exc:
            message = outage(exc)
            if message is None:
                raise
            _log.warning("%s.%s: %s", self.container.service_name, self.method_name, message)
            raise ServiceUnavailable(message) from None


def rpc(method):
    """A service's RPC entrypoint. Its JiangxinErrors are answers to the caller (a 404, a 409),
    not failures of the service: nameko then logs them in one line, without a traceback. A
    request past its deadline is refused (GatewayTimeout), one with an Idempotency-Key answered
    once (common.idempotency), and a full, read-only, locked or unreachable store is a
    ServiceUnavailable."""
    log_expected_errors_in_one_line()

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        worker_ctx = getattr(self, _WORKER_CONTEXT_ATTR)
        return worker_ctx.entrypoint.run(worker_ctx, functools.partial(method, self, *args, **kwargs))

    return GuardedRpc.decorator(expected_exceptions=JiangxinError)(guarded)
