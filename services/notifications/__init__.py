"""The notifications service: subscribers, their subscriptions and preferences, and what they
hear of the other services' events; for now in an in-app inbox (signed webhooks and email come
with the delivery log)."""
