"""RPC from the gateway to a service, bounded in time.

nameko's ``RpcProxy`` waits for a reply forever. ``ServiceRpc`` gives the worker the same kind of
proxy, but every call is bounded by ``RPC_TIMEOUT`` seconds and its failures are errors that
common.web answers as JSON:

* no reply in time                          -> GatewayTimeout (504)
* broker unreachable, or no such service    -> ServiceUnavailable (503)
* a JiangxinError raised by the service     -> the same error (NotFound stays NotFound)
* anything else raised by the service       -> nameko's RemoteError (500, details logged only)

A reply that arrives after its deadline is dropped by the reply listener.

The gateway's request id travels with every call as nameko context data; a service reads it with
``correlation_id = CorrelationId()`` to stamp the events it publishes.
"""
import logging

import eventlet
from nameko.amqp.publish import Publisher
from nameko.contextdata import ContextDataProvider
from nameko.exceptions import UnknownService
from nameko.rpc import MethodProxy, RpcProxy
from nameko.rpc import rpc as nameko_rpc

from common.errors import BROKER_ERRORS, GatewayTimeout, JiangxinError, ServiceUnavailable
from common.web import CORRELATION_ID_CONTEXT_KEY, log_expected_errors_in_one_line

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


class _MethodProxy(MethodProxy):
    publisher_cls = _FailFastPublisher


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
                                **dict(self.options))
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


def rpc(method):
    """A service's RPC entrypoint. Its JiangxinErrors are answers to the caller (a 404, a 409),
    not failures of the service: nameko then logs them in one line, without a traceback."""
    log_expected_errors_in_one_line()
    return nameko_rpc(expected_exceptions=JiangxinError)(method)
