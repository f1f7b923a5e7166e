"""Events on the real broker, for tests: published as a publisher's relay publishes them, and
recorded as a consumer receives them.

``publish_event`` sends an envelope to its source's exchange, keyed by its type. ``event_recorder``
builds a nameko service that consumes the given event types the way a real consumer would (its
own queues, declared when it starts) and keeps what it receives in ``received``, for a test to
run beside the service under test and read.
"""
from kombu import Connection, Producer
from nameko.events import event_handler

from common.topology import event_exchange


def publish_event(amqp_uri, body):
    """Publish the envelope ``body`` as its publisher's outbox relay does: to
    ``<its source>.events``, keyed by its type."""
    exchange = event_exchange(body["source"])
    with Connection(amqp_uri) as connection:
        Producer(connection.channel()).publish(body, exchange=exchange, routing_key=body["event_type"],
                                               serializer="json", declare=[exchange])


def event_recorder(source, *event_types, name=None):
    """A service class recording every event of ``event_types`` that ``source`` publishes."""
    received = []

    def recording(event_type):
        @event_handler(source, event_type)
        def record(self, envelope):
            received.append(envelope)
        return record

    attributes = {"name": name or f"{source}_recorder", "received": received,
                  "__doc__": f"Records what {source} announces: {', '.join(event_types)}."}
    for event_type in event_types:
        attributes[event_type.replace(".", "_")] = recording(event_type)
    return type("EventRecorder", (), attributes)
