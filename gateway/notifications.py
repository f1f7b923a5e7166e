"""The notifications' routes: the caller as a subscriber, their subscriptions and preferences,
their inbox and emails, and their webhook endpoints with each one's delivery log and replays.

Every signed-in caller is a subscriber; each route acts on the caller's own subscriber, so no
route takes another's id: an item or a subscription of someone else answers 404, as one that
does not exist. What a subscriber may hear of is decided by the service.
"""
from common.rpc import ServiceRpc
from common.web import route
from services.notifications import api

SUBSCRIBERS = ["notification subscribers"]
INBOX = ["notification inbox"]
ENDPOINTS = ["webhook endpoints"]


class NotificationRoutes:
    notifications = ServiceRpc("notifications")

    @route("GET", "/topics", response=api.TopicListView, tags=SUBSCRIBERS,
           summary="The topics one may subscribe to, and the filters each takes")
    def list_topics(self, request, principal):
        return self.notifications.list_topics(principal.to_dict())

    @route("GET", "/subscriber", response=api.SubscriberView, tags=SUBSCRIBERS,
           summary="The caller as a subscriber: how they are reached, their preferences")
    def get_subscriber(self, request, principal):
        return self.notifications.get_subscriber(principal.to_dict())

    @route("PUT", "/subscriber", body=api.SubscriberSchema, response=api.SubscriberView,
           tags=SUBSCRIBERS, summary="Set the language of the caller's messages and their email")
    def update_subscriber(self, request, principal, payload):
        return self.notifications.update_subscriber(principal.to_dict(), payload)

    @route("PUT", "/subscriber/preferences", body=api.PreferencesSchema, response=api.SubscriberView,
           tags=SUBSCRIBERS, summary="Mute everything, a topic or a channel; digest a busy topic")
    def set_preferences(self, request, principal, payload):
        return self.notifications.set_preferences(principal.to_dict(), payload)

    @route("POST", "/subscriptions", body=api.SubscriptionSchema, response=api.SubscriptionView,
           status=201, tags=SUBSCRIBERS, summary="Subscribe to topics, with filters")
    def subscribe(self, request, principal, payload):
        return self.notifications.subscribe(principal.to_dict(), payload)

    @route("GET", "/subscriptions", query=api.PageQuery, response=api.SubscriptionPageSchema,
           tags=SUBSCRIBERS, summary="The caller's subscriptions")
    def list_subscriptions(self, request, principal, query):
        return self.notifications.list_subscriptions(principal.to_dict(), query)

    @route("GET", "/subscriptions/<subscription_id>", response=api.SubscriptionView,
           tags=SUBSCRIBERS, summary="One of the caller's subscriptions")
    def get_subscription(self, request, principal, subscription_id):
        return self.notifications.get_subscription(principal.to_dict(), subscription_id)

    @route("DELETE", "/subscriptions/<subscription_id>", status=204, tags=SUBSCRIBERS,
           summary="End one of the caller's subscriptions")
    def unsubscribe(self, request, principal, subscription_id):
        self.notifications.unsubscribe(principal.to_dict(), subscription_id)
        return 204, None

    @route("GET", "/subscriber/emails", query=api.PageQuery, response=api.EmailPageSchema,
           tags=SUBSCRIBERS, summary="The caller's emails, newest first, each with every attempt")
    def list_emails(self, request, principal, query):
        return self.notifications.list_emails(principal.to_dict(), query)

    @route("GET", "/inbox", query=api.InboxQuerySchema, response=api.InboxPageSchema, tags=INBOX,
           summary="The caller's inbox, newest first")
    def list_inbox(self, request, principal, query):
        return self.notifications.list_inbox(principal.to_dict(), query)

    @route("GET", "/inbox/unread", response=api.UnreadView, tags=INBOX,
           summary="How many of the caller's inbox items are not read yet")
    def unread(self, request, principal):
        return self.notifications.unread(principal.to_dict())

    @route("POST", "/inbox/<item_id>/read", response=api.InboxItemView, tags=INBOX,
           summary="Mark one of the caller's inbox items read")
    def mark_read(self, request, principal, item_id):
        return self.notifications.mark_read(principal.to_dict(), item_id)

    @route("POST", "/endpoints", body=api.EndpointSchema, response=api.EndpointCreatedView,
           status=201, tags=ENDPOINTS,
           summary="Register a webhook endpoint; its signing secret is shown this once")
    def register_endpoint(self, request, principal, payload):
        return self.notifications.register_endpoint(principal.to_dict(), payload)

    @route("GET", "/endpoints", query=api.PageQuery, response=api.EndpointPageSchema, tags=ENDPOINTS,
           summary="The caller's webhook endpoints with their health (an admin's: every one)")
    def list_endpoints(self, request, principal, query):
        return self.notifications.list_endpoints(principal.to_dict(), query)

    @route("GET", "/endpoints/health", response=api.HealthView, tags=ENDPOINTS,
           summary="For admins: how many endpoints are active, failing, disabled, and those not healthy")
    def endpoints_health(self, request, principal):
        return self.notifications.endpoints_health(principal.to_dict())

    @route("GET", "/endpoints/<endpoint_id>", response=api.EndpointView, tags=ENDPOINTS,
           summary="One webhook endpoint and its health")
    def get_endpoint(self, request, principal, endpoint_id):
        return self.notifications.get_endpoint(principal.to_dict(), endpoint_id)

    @route("GET", "/endpoints/<endpoint_id>/deliveries", query=api.PageQuery,
           response=api.DeliveryPageSchema, tags=ENDPOINTS,
           summary="An endpoint's deliveries, newest first, each with every attempt")
    def list_deliveries(self, request, principal, query, endpoint_id):
        return self.notifications.list_deliveries(principal.to_dict(), endpoint_id, query)

    # A rotation retried with its Idempotency-Key answers the same secret: rotating twice would
    # drop the secret the receiver still verifies with.
    @route("POST", "/endpoints/<endpoint_id>/secret", response=api.SecretRotatedView, tags=ENDPOINTS,
           creates=True, summary="Rotate the signing secret: the new one is shown this once, the "
                                 "previous one signs beside it for a day")
    def rotate_secret(self, request, principal, endpoint_id):
        return self.notifications.rotate_secret(principal.to_dict(), endpoint_id)

    @route("POST", "/endpoints/<endpoint_id>/enable", response=api.EndpointView, tags=ENDPOINTS,
           summary="Call a disabled endpoint again, once its cooldown has passed (409 before)")
    def enable_endpoint(self, request, principal, endpoint_id):
        return self.notifications.enable_endpoint(principal.to_dict(), endpoint_id)

    @route("POST", "/endpoints/<endpoint_id>/deliveries/<delivery_id>/replay", response=api.DeliveryView,
           tags=ENDPOINTS, summary="Send one message again now (409 while the endpoint is disabled)")
    def replay_delivery(self, request, principal, endpoint_id, delivery_id):
        return self.notifications.replay_delivery(principal.to_dict(), endpoint_id, delivery_id)

    @route("POST", "/endpoints/<endpoint_id>/replay", body=api.ReplayRangeSchema, response=api.ReplayedView,
           tags=ENDPOINTS, summary="Send again the failed and held messages made in a time range, "
                                   "at most 10,000 in one call")
    def replay_failed(self, request, principal, payload, endpoint_id):
        return self.notifications.replay_failed(principal.to_dict(), endpoint_id, payload)
