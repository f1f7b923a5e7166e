"""Webhook signatures, as Standard Webhooks define them.

Each attempt of a delivery is signed afresh with the time it is sent (``webhook-timestamp``), so
a receiver's tolerance of a few minutes (the standardwebhooks library's is five) never refuses a
retry of an old message. ``webhook-id`` is the producer's event id: the same on every attempt
and on a replay, so a receiver can drop what it already has. During a secret rotation the
endpoint's new and previous secrets both sign, in one header (``v1,<sig> v1,<sig>``).
"""
import base64
import datetime
import json
import secrets

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # 256 bits, as the key of HMAC-SHA256 wants
# How long the previous secret still signs after a rotation: a receiver has this long to switch.
ROTATION_OVERLAP = datetime.timedelta(hours=24)


def new_secret():
    """A fresh ``whsec_`` secret: base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def webhook_body(event_type, occurred_at, data):
    """The exact text a delivery sends (and signs): the Standard Webhooks payload shape, Chinese
    kept as it is, the same bytes on every attempt."""
    return json.dumps({"type": event_type, "timestamp": occurred_at, "data": data},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def signed_headers(message_id, body, endpoint_secrets, now):
    """The signature headers of one attempt to send ``body`` at ``now`` (an aware datetime), signed
    with each of ``endpoint_secrets`` (current first, then the previous during a rotation)."""
    if not endpoint_secrets:
        raise ValueError("an endpoint signs with at least one secret")
    at = now.astimezone(datetime.timezone.utc)
    return {"webhook-id": message_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": " ".join(Webhook(secret).sign(message_id, at, body)
                                          for secret in endpoint_secrets)}


def rotated(endpoint_secrets, new, now, overlap=ROTATION_OVERLAP):
    """``(secrets, previous_secret_until)`` after a rotation to ``new``: the current secret signs
    beside it until ``now + overlap``; one left from an earlier rotation is dropped."""
    return [new, endpoint_secrets[0]], now + overlap


def signing_secrets(endpoint_secrets, previous_secret_until, now):
    """The secrets an attempt at ``now`` signs with: the current one, and the previous one while
    its overlap lasts."""
    if len(endpoint_secrets) > 1 and previous_secret_until is not None and now < previous_secret_until:
        return endpoint_secrets[:2]
    return endpoint_secrets[:1]
