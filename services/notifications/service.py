"""The notifications service: thin nameko entrypoints over the use cases.

Every topic of ``domain/topics.py`` comes in through a reliable handler (retried with backoff,
then parked: never lost, never a hot loop) and is fanned out to the inboxes and webhook endpoints
that asked for it; a timer in every instance sends the deliveries due, each claimed first;
subscribers come in through the gateway's RPC calls, each taking the caller first; admins list
and replay its parked messages (``ParkedMessagesAdmin``).
"""
from nameko.timer import timer

from common.auth import caller_from
from common.consumer import reliable_event_handler
from common.parking import ParkedMessagesAdmin
from common.rpc import CorrelationId, rpc
from common.storage import Store
from services.notifications import deliveries, endpoints, fanout, inbox, subscribers
from services.notifications.events import (CONTESTANT_AWARDED, RATING_REVOKED, RESULT_VERIFIED,
                                           RESULTS_PUBLISHED, SOURCES, STUDIO_RATED,
                                           TALENT_ADMITTED, TALENT_UPDATED)
from services.notifications.repository import NotificationsRepository
from services.notifications.settings import Settings, WebhookSession

# Seconds between two runs of the webhook sender, in every instance.
SEND_INTERVAL = 1


class NotificationsService(ParkedMessagesAdmin):
    name = "notifications"

    store = Store(NotificationsRepository)
    settings = Settings()
    session = WebhookSession()
    correlation_id = CorrelationId()

    # what the other services publish

    @reliable_event_handler(SOURCES[RESULTS_PUBLISHED], RESULTS_PUBLISHED)
    def results_published(self, envelope):
        return fanout.hear(self.store, envelope)

    @reliable_event_handler(SOURCES[CONTESTANT_AWARDED], CONTESTANT_AWARDED)
    def contestant_awarded(self, envelope):
        return fanout.hear(self.store, envelope)

    @reliable_event_handler(SOURCES[TALENT_ADMITTED], TALENT_ADMITTED)
    def talent_admitted(self, envelope):
        return fanout.hear(self.store, envelope)

    @reliable_event_handler(SOURCES[TALENT_UPDATED], TALENT_UPDATED)
    def talent_updated(self, envelope):
        return fanout.hear(self.store, envelope)

    @reliable_event_handler(SOURCES[STUDIO_RATED], STUDIO_RATED)
    def studio_rated(self, envelope):
        return fanout.hear(self.store, envelope)

    @reliable_event_handler(SOURCES[RATING_REVOKED], RATING_REVOKED)
    def rating_revoked(self, envelope):
        return fanout.hear(self.store, envelope)

    @reliable_event_handler(SOURCES[RESULT_VERIFIED], RESULT_VERIFIED)
    def result_verified(self, envelope):
        return fanout.hear(self.store, envelope)

    # subscribers

    @rpc
    def list_topics(self, caller):
        caller_from(caller)
        return subscribers.list_topics()

    @rpc
    def get_subscriber(self, caller):
        return subscribers.get_subscriber(self.store, caller_from(caller))

    @rpc
    def update_subscriber(self, caller, payload):
        return subscribers.update_subscriber(self.store, caller_from(caller), payload)

    @rpc
    def set_preferences(self, caller, payload):
        return subscribers.set_preferences(self.store, caller_from(caller), payload)

    @rpc
    def subscribe(self, caller, payload):
        return subscribers.subscribe(self.store, caller_from(caller), payload)

    @rpc
    def list_subscriptions(self, caller, query=None):
        return subscribers.list_subscriptions(self.store, caller_from(caller), query)

    @rpc
    def get_subscription(self, caller, subscription_id):
        return subscribers.get_subscription(self.store, caller_from(caller), subscription_id)

    @rpc
    def unsubscribe(self, caller, subscription_id):
        return subscribers.unsubscribe(self.store, caller_from(caller), subscription_id)

    # the inbox

    @rpc
    def list_inbox(self, caller, query=None):
        return inbox.list_inbox(self.store, caller_from(caller), query)

    @rpc
    def unread(self, caller):
        return inbox.unread(self.store, caller_from(caller))

    @rpc
    def mark_read(self, caller, item_id):
        return inbox.mark_read(self.store, caller_from(caller), item_id)

    # webhook endpoints and their deliveries

    @rpc
    def register_endpoint(self, caller, payload):
        return endpoints.register_endpoint(self.store, self.settings, caller_from(caller), payload)

    @rpc
    def list_endpoints(self, caller, query=None):
        return endpoints.list_endpoints(self.store, caller_from(caller), query)

    @rpc
    def get_endpoint(self, caller, endpoint_id):
        return endpoints.get_endpoint(self.store, caller_from(caller), endpoint_id)

    @rpc
    def list_deliveries(self, caller, endpoint_id, query=None):
        return endpoints.list_deliveries(self.store, caller_from(caller), endpoint_id, query)

    @timer(interval=SEND_INTERVAL)
    def send_deliveries(self):
        deliveries.send_due(self.store, self.settings, self.session)

