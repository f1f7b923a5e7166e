"""The event envelope: the versioned contract every event travels in.

``data`` carries the event type's own payload, described per type in docs/events.md and by the
publishing service's schemas. No full personal ID number ever goes into an event.
"""
import uuid

from marshmallow import RAISE, Schema, fields, validate

from common.clock import utc_now


class Contract(Schema):
    """Base of every published event's data schema: a publisher sends exactly its contract, so
    a field it does not declare is an error in tests, not something a consumer might read."""

    class Meta:
        unknown = RAISE


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    event_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    event_type = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+\.[a-z_]+$"))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.String(required=True)
    source = fields.String(required=True)
    correlation_id = fields.String(required=True, allow_none=True)
    data = fields.Dict(required=True)


def make_event(event_type, data, *, source, version=1, correlation_id=None, event_id=None,
               occurred_at=None):
    """A new envelope. Pass ``event_id`` only where the id must be stable across retries."""
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "event_type": event_type,
        "version": version,
        "occurred_at": occurred_at or utc_now(),
        "source": source,
        "correlation_id": correlation_id,
        "data": data,
    }


# marshmallow schemas keep no state between loads; building one per event costs more than the load.
ENVELOPE = EnvelopeSchema()


def parse_event(body):
    """Validate an incoming envelope; raises marshmallow.ValidationError if it is not one."""
    return ENVELOPE.load(body)
