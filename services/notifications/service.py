"""The notifications service: thin nameko entrypoints over the use cases.

Every topic of ``domain/topics.py`` comes in through a reliable handler (retried with backoff,
then parked: never lost, never a hot loop) and is fanned out to the inboxes, email addresses and
webhook endpoints that asked for it; timers in every instance send the deliveries due, each
claimed first, and gather the digests due;
subscribers come in through the gateway's RPC calls, each taking the caller first; admins list
and replay its parked messages (``ParkedMessagesAdmin``).
"""
from nameko.timer import timer

from common.auth import caller_from
from common.consumer import reliable_event_handler
from common.parking import ParkedMessagesAdmin
from common.rpc import CorrelationId, rpc
from common.storage import Store
from services.notifications import deliveries, digests, emails, endpoints, fanout, inbox, subscribers
from services.notifications.events import (CONTESTANT_AWARDED, RATING_REVOKED, RESULT_VERIFIED,
                                           RESULTS_PUBLISHED, SOURCES, STUDIO_RATED,
                                           TALENT_ADMITTED, TALENT_UPDATED)
from services.notifications.deliveries import Sender
from services.notifications.repository import NotificationsRepository
from services.notifications.settings import Settings

# Seconds between two runs of the sender of webhooks and emails, and of the digests' gathering,
# in every instance.
SEND_INTERVAL = 1
DIGEST_INTERVAL = 30


class NotificationsService(ParkedMessagesAdmin):
    name = "notifications"

    store = Store(NotificationsRepository)
    settings = Settings()
    sender = Sender()
    correlation_id = CorrelationId()

    # what the other services publish

    @reliable_event_handler(SOURCES[RESULTS_PUBLISHED], RESULTS_PUBLISHED)
    def results_published(self, envelope):
        return self._hear(envelope)

    @reliable_event_handler(SOURCES[CONTESTANT_AWARDED], CONTESTANT_AWARDED)
    def contestant_awarded(self, envelope):
        return self._hear(envelope)

    @reliable_event_handler(SOURCES[TALENT_ADMITTED], TALENT_ADMITTED)
    def talent_admitted(self, envelope):
        return self._hear(envelope)

    @reliable_event_handler(SOURCES[TALENT_UPDATED], TALENT_UPDATED)
    def talent_updated(self, envelope):
        return self._hear(envelope)

    @reliable_event_handler(SOURCES[STUDIO_RATED], STUDIO_RATED)
    def studio_rated(self, envelope):
        return self._hear(envelope)

    @reliable_event_handler(SOURCES[RATING_REVOKED], RATING_REVOKED)
    def rating_revoked(self, envelope):
        return self._hear(envelope)

    @reliable_event_handler(SOURCES[RESULT_VERIFIED], RESULT_VERIFIED)
    def result_verified(self, envelope):
        return self._hear(envelope)

    def _hear(self, envelope):
        """The event fanned out, and what it made to send started at once, not at the next run of
        the timer."""
        added = fanout.hear(self.store, self.settings, envelope)
        if added:
            deliveries.send_due(self.store, self.settings, self.sender)
        return added

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

    @rpc
    def list_emails(self, caller, query=None):
        return emails.list_emails(self.store, caller_from(caller), query)

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
    def endpoints_health(self, caller):
        return endpoints.health(self.store, caller_from(caller))

    @rpc
    def rotate_secret(self, caller, endpoint_id):
        return endpoints.rotate_secret(self.store, self.settings, caller_from(caller), endpoint_id)

    @rpc
    def enable_endpoint(self, caller, endpoint_id):
        return endpoints.enable_endpoint(self.store, caller_from(caller), endpoint_id)

    @rpc
    def list_deliveries(self, caller, endpoint_id, query=None):
        return endpoints.list_deliveries(self.store, caller_from(caller), endpoint_id, query)

    @rpc
    def replay_delivery(self, caller, endpoint_id, delivery_id):
        return endpoints.replay_delivery(self.store, caller_from(caller), endpoint_id, delivery_id)

    @rpc
    def replay_failed(self, caller, endpoint_id, payload):
        return endpoints.replay_failed(self.store, caller_from(caller), endpoint_id, payload)

    @timer(interval=SEND_INTERVAL)
    def send_deliveries(self):
        deliveries.send_due(self.store, self.settings, self.sender)

    @timer(interval=DIGEST_INTERVAL)
    def gather_digests(self):
        digests.send_due(self.store)

