"""Recording the events a service publishes, from the real broker.

``event_recorder`` builds a nameko service that consumes the given event types the way a real
consumer would (its own queues, declared when it starts) and keeps what it receives in
``received``, for a test to run beside the service under test and read.
"""
from nameko.events import event_handler


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
