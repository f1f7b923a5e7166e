"""Jiangxin's processes, listed once: `make run`, the topology step, the test harness, the gateway
and deploy/ all follow this list, and a test fails when one of them disagrees.

A service is named as nameko names it; ``target`` is what `nameko run` runs; ``consumes_events``
says whether it has reliable event handlers (and so parked messages an operator may list and
replay). This module names the services and imports none of them: the gateway may read it.
"""
import dataclasses


@dataclasses.dataclass(frozen=True)
class Process:
    name: str
    target: str
    consumes_events: bool = False


# In the order they start: the gateway last, once there is something to call.
SERVICES = (
    Process("competitions", "services.competitions.service:CompetitionsService"),
    Process("talent_pool", "services.talent_pool.service:TalentPoolService", consumes_events=True),
    Process("studios", "services.studios.service:StudiosService"),
    Process("notifications", "services.notifications.service:NotificationsService", consumes_events=True),
)
GATEWAY = Process("gateway", "gateway.service:GatewayService")
PROCESSES = SERVICES + (GATEWAY,)

SERVICE_NAMES = tuple(service.name for service in SERVICES)
CONSUMING_SERVICES = tuple(service.name for service in SERVICES if service.consumes_events)


def service_classes():
    """The nameko classes of every process, imported: for the topology they consume, and for tests."""
    import importlib

    classes = []
    for entry in PROCESSES:
        module, _, cls = entry.target.partition(":")
        classes.append(getattr(importlib.import_module(module), cls))
    return classes
