"""Signatures a receiver verifies with the standardwebhooks library, as it would."""
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifications.domain.signing import (ROTATION_OVERLAP, new_secret, rotated, signed_headers,
                                                  signing_secrets, webhook_body)

NOW = datetime.datetime.now(datetime.timezone.utc)


def verified(secret, body, headers):
    return Webhook(secret).verify(body.encode("utf-8"), headers)


@given(st.text(max_size=200), st.text(min_size=1, max_size=40))
def test_a_delivery_verifies_with_its_endpoints_secret_and_no_other(text, event_id):
    secret = new_secret()
    body = webhook_body("competition.results_published", "2026-12-03T08:00:00.000+00:00",
                        {"name": text})
    headers = signed_headers(event_id, body, [secret], NOW)
    assert verified(secret, body, headers)["data"] == {"name": text}
    with pytest.raises(WebhookVerificationError):
        verified(new_secret(), body, headers)
    with pytest.raises(WebhookVerificationError):
        verified(secret, body + " ", headers)


def test_during_a_rotation_either_secret_verifies():
    old, new = new_secret(), new_secret()
    body = webhook_body("studio.rated", "2026-12-03T08:00:00.000+00:00", {"stars": 4, "名称": "王建国劳模创新工作室"})
    headers = signed_headers("evt-1", body, [new, old], NOW)
    assert headers["webhook-signature"].count("v1,") == 2
    assert verified(new, body, headers)["data"]["名称"] == "王建国劳模创新工作室"
    assert verified(old, body, headers)["data"]["stars"] == 4


def test_every_attempt_is_signed_with_its_own_time_and_keeps_the_producers_id():
    secret = new_secret()
    body = webhook_body("talent.admitted", "2026-12-01T08:00:00.000+00:00", {})
    first = signed_headers("evt-9", body, [secret], NOW - datetime.timedelta(hours=10))
    again = signed_headers("evt-9", body, [secret], NOW)
    assert first["webhook-id"] == again["webhook-id"] == "evt-9"
    with pytest.raises(WebhookVerificationError, match="too old"):
        verified(secret, body, first)  # a signature ten hours old: why each attempt signs anew
    assert verified(secret, body, again) is not None
    # The time is the instant, whatever zone it is given in.
    beijing = NOW.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert signed_headers("evt-9", body, [secret], beijing) == again


def test_secrets_are_standard_and_fresh():
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50 and all(s.startswith("whsec_") for s in secrets)
    with pytest.raises(ValueError):
        signed_headers("evt-1", "{}", [], NOW)


def test_a_rotation_signs_with_both_secrets_for_a_day_then_with_the_new_one_alone():
    first, second, third = new_secret(), new_secret(), new_secret()
    secrets, until = rotated([first], second, NOW)
    assert secrets == [second, first] and until == NOW + ROTATION_OVERLAP
    assert signing_secrets(secrets, until, NOW) == [second, first]
    assert signing_secrets(secrets, until, until) == [second]
    again, _ = rotated(secrets, third, NOW)
    assert again == [third, second]  # the secret of the rotation before is dropped
