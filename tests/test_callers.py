"""Every service answers a call that names no caller (or not a valid one) with a 403, never a 500:
one way to turn the RPC caller into a Principal (common.auth.caller_from)."""
import inspect

import pytest
from nameko.rpc import Rpc
from nameko.testing.services import entrypoint_hook

from common.errors import Forbidden
from services import SERVICES, service_classes

# What anyone may read: the public results, rated studios and notices ask for no caller.
PUBLIC = {("competitions", "published_results"), ("studios", "public_studios"),
          ("studios", "public_notice")}
CLASSES = {cls.name: cls for cls in service_classes()}


def rpc_methods(service_cls):
    for name, method in inspect.getmembers(service_cls, inspect.isfunction):
        if any(isinstance(e, Rpc) for e in getattr(method, "nameko_entrypoints", ())):
            if (service_cls.name, name) not in PUBLIC:
                yield name, len(inspect.signature(method).parameters) - 2  # self, caller


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_a_call_without_a_valid_caller_is_refused_by_every_method(service, container_factory,
                                                                  service_config):
    container = container_factory(CLASSES[service], service_config)
    container.start()
    methods = list(rpc_methods(CLASSES[service]))
    assert methods
    for caller in (None, {}, {"subject": "x"}, {"subject": "x", "role": "emperor"}):
        for name, others in methods:
            with entrypoint_hook(container, name) as call:
                with pytest.raises(Forbidden):
                    call(caller, *[None] * others)
