"""Exchanges and queues, declared before anything is published.

nameko drops an event published before its consumer's queue exists, so every queue a service
consumes from is declared up front: by each consuming service as it starts (nameko does that) and
by ``declare_subscriptions`` run from ``python -m cli topology`` before the first service starts.
Queue names follow nameko's own scheme, derived from the consuming service and handler names:
renaming a handler orphans its queue.
"""
import inspect

import amqp.exceptions
import kombu.exceptions
from kombu import Connection, Exchange, Queue
from nameko.constants import PERSISTENT
from nameko.events import SERVICE_POOL, EventHandler
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

# What a lost or refused connection to the broker raises, through kombu or py-amqp.
BROKER_ERRORS = (
    kombu.exceptions.OperationalError,
    amqp.exceptions.ConnectionError,
    amqp.exceptions.RecoverableConnectionError,
    ConnectionError,
)


def event_exchange_name(source):
    return f"{source}.events"


def event_exchange(source):
    # Declared exactly as nameko declares it, or the broker refuses the second declaration.
    return Exchange(event_exchange_name(source), type="topic", durable=True,
                    delivery_mode=PERSISTENT, auto_delete=False)


def event_queue_name(source, event_type, service_name, method_name):
    return f"evt-{source}-{event_type}--{service_name}.{method_name}"


def subscriptions(service_cls):
    """(source, event_type, queue name) for every pooled event handler of a service class."""
    found = []
    for method_name, method in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, EventHandler) and entrypoint.handler_type == SERVICE_POOL:
                queue = event_queue_name(entrypoint.source_service, entrypoint.event_type,
                                         service_cls.name, method_name)
                found.append((entrypoint.source_service, entrypoint.event_type, queue))
    return found


def declare_subscriptions(amqp_uri, service_classes):
    """Declare every event exchange and consumer queue the given services use; returns the queues."""
    declared = []
    with Connection(amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        for service_cls in service_classes:
            for source, event_type, queue_name in subscriptions(service_cls):
                queue = Queue(queue_name, exchange=event_exchange(source), routing_key=event_type,
                              durable=True, auto_delete=False, exclusive=False)
                queue(channel).declare()
                declared.append(queue_name)
    return declared
