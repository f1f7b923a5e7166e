"""The notifications service's public API: what it accepts and what it answers, in marshmallow.

The gateway imports this module and nothing else of the service. A subscriber is the caller: the
gateway's verified principal, as the service last saw it (its role and scope decide what it may
hear of).
"""
from marshmallow import fields, validate

from common.schemas import Instant, Out, PageQuery, Strict, page_of
from services.notifications.domain.preferences import CHANNELS, DAILY, PERSONAL_CHANNELS
from services.notifications.domain.subscriptions import MAX_FILTER_VALUES, MAX_VALUE_LENGTH
from services.notifications.domain.targets import MAX_URL_LENGTH
from services.notifications.domain.templates import LANGUAGES
from services.notifications.domain.topics import FILTERS, TOPICS

TOPIC = validate.OneOf(list(TOPICS))
MAX_ENDPOINTS = 10
FILTER_VALUES = fields.List(fields.String(validate=validate.Length(min=1, max=MAX_VALUE_LENGTH)),
                            validate=validate.Length(min=1, max=MAX_FILTER_VALUES))

# --- requests


class SubscriberSchema(Strict):
    """How the caller is reached: the language of their messages, the email they gave."""
    language = fields.String(load_default="zh-CN", validate=validate.OneOf(LANGUAGES))
    email = fields.Email(allow_none=True, load_default=None, validate=validate.Length(max=254))


class FiltersSchema(Strict):
    """Each filter: the values of which the event must carry one."""
    unit = FILTER_VALUES
    competition_id = FILTER_VALUES
    studio_id = FILTER_VALUES
    industry_chain = FILTER_VALUES


class SubscriptionSchema(Strict):
    topics = fields.List(fields.String(validate=TOPIC), required=True,
                         validate=validate.Length(min=1, max=len(TOPICS)),
                         metadata={"description": "event types: GET /topics lists them"})
    filters = fields.Nested(FiltersSchema, load_default=dict)
    channels = fields.List(fields.String(validate=validate.OneOf(PERSONAL_CHANNELS)),
                           load_default=lambda: ["inbox"],
                           validate=validate.Length(max=len(PERSONAL_CHANNELS)),
                           metadata={"description": "inbox and/or email (the address PUT /subscriber "
                                                    "gave); webhooks go to the endpoints named"})
    endpoint_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                               load_default=list, validate=validate.Length(max=MAX_ENDPOINTS),
                               metadata={"description": "the caller's webhook endpoints to call"})


class EndpointSchema(Strict):
    url = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL_LENGTH),
                        metadata={"description": "an http or https URL; private addresses are refused"})
    description = fields.String(load_default="", validate=validate.Length(max=200))


class ReplayRangeSchema(Strict):
    """The failed and held messages made in a time range, to be sent again."""
    since = Instant(required=True, metadata={"description": "from this instant on (ISO 8601, with its offset)"})
    until = Instant(required=True, metadata={"description": "up to, not including, this one"})


class TopicPreferenceSchema(Strict):
    muted = fields.Boolean(load_default=False)
    digest = fields.String(allow_none=True, load_default=None, validate=validate.OneOf([DAILY]))


class ChannelPreferenceSchema(Strict):
    muted = fields.Boolean(load_default=False)


class PreferencesSchema(Strict):
    """Mutes on three levels: everything, a topic, a channel; a topic's busy messages in a digest."""
    muted = fields.Boolean(load_default=False)
    topics = fields.Dict(keys=fields.String(validate=TOPIC), values=fields.Nested(TopicPreferenceSchema),
                         load_default=dict)
    channels = fields.Dict(keys=fields.String(validate=validate.OneOf(CHANNELS)),
                           values=fields.Nested(ChannelPreferenceSchema), load_default=dict)


class InboxQuerySchema(PageQuery):
    unread = fields.Boolean(load_default=False, metadata={"description": "only what is not read yet"})


# --- responses


class TopicView(Out):
    topic = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    filters = fields.List(fields.String(validate=validate.OneOf(FILTERS)), required=True)


class TopicListView(Out):
    items = fields.List(fields.Nested(TopicView), required=True)


class SubscriberView(Out):
    id = fields.String(required=True)
    role = fields.String(required=True)
    unit = fields.String(allow_none=True)
    studio = fields.String(allow_none=True)
    language = fields.String(required=True)
    email = fields.String(allow_none=True)
    preferences = fields.Nested(PreferencesSchema, required=True)


class SubscriptionView(Out):
    id = fields.String(required=True)
    topics = fields.List(fields.String(), required=True)
    filters = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)
    channels = fields.List(fields.String(), required=True)
    endpoint_ids = fields.List(fields.String(), required=True)
    created_at = fields.String(required=True)


class EndpointView(Out):
    """A webhook endpoint and its health; its secret is never shown again after creation."""
    id = fields.String(required=True)
    url = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "active or disabled"})
    failing_since = fields.String(allow_none=True)
    disabled_at = fields.String(allow_none=True)
    enable_after = fields.String(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    created_at = fields.String(required=True)


class EndpointCreatedView(EndpointView):
    secret = fields.String(required=True, metadata={"description": "whsec_...: shown this once"})


class SecretRotatedView(EndpointCreatedView):
    previous_secret_until = fields.String(
        required=True, metadata={"description": "until then the previous secret signs too"})


class EndpointHealthView(EndpointView):
    backlog = fields.Integer(required=True, metadata={"description": "messages pending or held"})


class HealthView(Out):
    """Every endpoint's health, for admins: how many are active, failing, disabled, and the ones
    not healthy (failing or disabled), most backlogged first."""
    active = fields.Integer(required=True)
    failing = fields.Integer(required=True, metadata={"description": "active, but failing now"})
    disabled = fields.Integer(required=True)
    unhealthy = fields.List(fields.Nested(EndpointHealthView), required=True)


class ReplayedView(Out):
    replayed = fields.Integer(required=True, metadata={"description": "messages due again now"})
    remaining = fields.Integer(required=True, metadata={
        "description": "more in the range, past the most one replay sends: replay again"})


class AttemptView(Out):
    at = fields.String(required=True)
    reason = fields.String(required=True, metadata={"description": "scheduled, manual or replay"})
    status = fields.Integer(allow_none=True, metadata={
        "description": "the HTTP status a webhook's receiver answered, or the SMTP server's reply code"})
    latency_ms = fields.Float(required=True)
    response_body = fields.String(required=True, metadata={"description": "at most 20 KB of it"})
    error = fields.String(allow_none=True)
    outcome = fields.String(required=True)


class SentView(Out):
    id = fields.String(required=True)
    topic = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pending, delivered, held, failed"})
    next_attempt_at = fields.String(allow_none=True)
    attempts = fields.List(fields.Nested(AttemptView), required=True)
    created_at = fields.String(required=True)


class DeliveryView(SentView):
    endpoint_id = fields.String(required=True)
    event_id = fields.String(required=True, metadata={"description": "the webhook-id"})


class EmailView(SentView):
    event_id = fields.String(required=True, metadata={"description": "the message's id (its Message-ID)"})
    to = fields.String(required=True)
    subject = fields.String(required=True)
    language = fields.String(required=True)


class InboxItemView(Out):
    id = fields.String(required=True)
    topic = fields.String(required=True)
    subject = fields.String(required=True)
    text = fields.String(required=True)
    language = fields.String(required=True)
    event_id = fields.String(required=True)
    occurred_at = fields.String(required=True)
    received_at = fields.String(required=True)
    read_at = fields.String(allow_none=True)


class UnreadView(Out):
    unread = fields.Integer(required=True)


SubscriptionPageSchema = page_of(SubscriptionView)
EndpointPageSchema = page_of(EndpointView)
DeliveryPageSchema = page_of(DeliveryView)
EmailPageSchema = page_of(EmailView)
InboxPageSchema = page_of(InboxItemView)
