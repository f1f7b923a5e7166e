"""Studio records: the studios service's events in, talents out.

- ``studio.rated`` and ``studio.rating_revoked`` change the talent of the studio's lead: the
  studio honour, and admission by the policy (``studio_lead_min_stars``);
- ``result.verified`` records the result on the talent of each of its authors, one write per
  author (a change is atomic within one document only).

Each is idempotent per person (domain/studios.py: a rating or revocation already placed, a result
already recorded, changes nothing), so a redelivery, a replay of a parked message or a resend is
harmless, and a result whose handling stopped after some authors (a crash, a store failing
half way) is completed by the redelivery: the authors done already are left as they are. Like
``record_award`` they raise freely, and the reliable handler retries, then parks.
"""
from common.clock import utc_datetime
from services.talent_pool import events
from services.talent_pool.admission import record_on_talent
from services.talent_pool.domain.studios import (apply_rating_revoked, apply_studio_rating,
                                                 apply_verified_result)


def record_studio_rating(store, policy, envelope, now=None):
    """Record the rating in a ``studio.rated`` envelope on its lead's talent."""
    rating = events.read_studio_rating(envelope)
    return record_on_talent(
        store, envelope, rating["lead"]["person_key"],
        lambda current, when, **ref: apply_studio_rating(current, rating, policy, when, **ref), now)


def record_rating_revoked(store, policy, envelope, now=None):
    """Record the revocation in a ``studio.rating_revoked`` envelope on its lead's talent."""
    revocation = events.read_rating_revoked(envelope)
    return record_on_talent(
        store, envelope, revocation["lead"]["person_key"],
        lambda current, when, **ref: apply_rating_revoked(current, revocation, policy, when, **ref),
        now)


def record_verified_result(store, envelope, now=None):
    """Record the result in a ``result.verified`` envelope on every author's talent, one after
    the other; returns what was decided for each."""
    result = events.read_verified_result(envelope)
    now = now or utc_datetime()
    seen, decided = set(), []
    for author in result["authors"]:
        if author["person_key"] in seen:
            continue  # named twice: recorded once, at the first place
        seen.add(author["person_key"])
        decided.append(record_on_talent(
            store, envelope, author["person_key"],
            lambda current, when, author=author, **ref: apply_verified_result(
                current, result, author, when, **ref), now))
    return {"result_id": result["result_id"], "authors": decided}
