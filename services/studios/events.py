"""The events the studios service publishes: versioned contracts (see docs/events.md).

Published through the outbox, with source ``studios``:

- ``studio.rated`` v1: a star rating took effect (after its public notice and every objection
  answered), with the points and the breakdown summary by category;
- ``studio.rating_revoked`` v1: a studio lost its stars (ordered, automatic after a failed 复评,
  or natural when the studio ended);
- ``result.verified`` v1: a reviewer verified an innovation result, with its authors.

A person (the lead, an author) is named by the protected person key and shown by the masked ID
number; no full ID number travels in any of them.
"""
from marshmallow import fields, validate

from common.events import Contract, make_event
from services.studios.domain.kinds import KIND_NAMES
from services.studios.domain.studio import lead_of

SOURCE = "studios"
STUDIO_RATED = "studio.rated"
RATING_REVOKED = "studio.rating_revoked"
RESULT_VERIFIED = "result.verified"

REVOCATION_KINDS = ("ordered", "automatic", "natural")
RATING_OUTCOMES = ("first", "kept", "raised", "lowered")



class PersonSchema(Contract):
    person_key = fields.String(required=True)
    name = fields.String(required=True)
    id_number_masked = fields.String(required=True)


class LeadSchema(PersonSchema):
    honour = fields.String(required=True)


class StudioFacts(Contract):
    studio_id = fields.String(required=True)
    studio_name = fields.String(required=True)
    level = fields.String(required=True)
    enterprise = fields.String(required=True)
    industry_chain = fields.String(required=True)
    region_code = fields.String(required=True)
    unit = fields.String(required=True)


class CategorySummarySchema(Contract):
    category = fields.String(required=True)
    name = fields.String(required=True)
    points = fields.Float(required=True)
    max_points = fields.Float(required=True)


class StudioRatedV1(StudioFacts):
    """studio.rated v1: a rating of a yearly round took effect. ``rating_id`` names the rating
    (one per studio and round): a consumer that has it recorded has nothing more to do."""
    lead = fields.Nested(LeadSchema, required=True)
    rating_id = fields.String(required=True)
    round_id = fields.String(required=True)
    round_name = fields.String(required=True)
    year = fields.Integer(required=True)
    stars = fields.Integer(required=True, validate=validate.Range(min=0, max=5))
    previous_stars = fields.Integer(allow_none=True, required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(RATING_OUTCOMES))
    points = fields.Float(required=True)
    categories = fields.List(fields.Nested(CategorySummarySchema), required=True)
    effective_at = fields.String(required=True)


class RatingRevokedV1(StudioFacts):
    """studio.rating_revoked v1: the studio's stars were taken away (摘牌)."""
    lead = fields.Nested(LeadSchema, required=True)
    rating_id = fields.String(required=True)
    stars_before = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(REVOCATION_KINDS))
    reason = fields.String(required=True)
    revoked_at = fields.String(required=True)


class BenefitSchema(Contract):
    cost_saved = fields.Float(required=True)
    value_created = fields.Float(required=True)
    confirmed = fields.Boolean(required=True)


class ResultVerifiedV1(StudioFacts):
    """result.verified v1: an innovation result passed its review."""
    result_id = fields.String(required=True)
    kind = fields.String(required=True)
    kind_name = fields.String(required=True)
    title = fields.String(required=True)
    achieved_on = fields.String(required=True)
    year = fields.Integer(required=True)
    patent_number = fields.String(allow_none=True, required=True)
    economic_benefit = fields.Nested(BenefitSchema, required=True)
    people_trained = fields.Integer(required=True)
    authors = fields.List(fields.Nested(PersonSchema), required=True)
    verified_at = fields.String(required=True)


CONTRACTS = {STUDIO_RATED: StudioRatedV1, RATING_REVOKED: RatingRevokedV1,
             RESULT_VERIFIED: ResultVerifiedV1}


# building them


def _facts(studio):
    return {"studio_id": studio["_id"], "studio_name": studio["name"], "level": studio["level"],
            "enterprise": studio["enterprise"], "industry_chain": studio["industry_chain"],
            "region_code": studio["region_code"], "unit": studio["unit"]}


def _person(member):
    return {"person_key": member["person_key"], "name": member["name"],
            "id_number_masked": member["id_number_masked"]}


def _lead(studio):
    return {**_person(lead_of(studio)), "honour": studio["lead"]["honour"]}


def studio_rated(studio, correlation_id=None):
    """The envelope announcing the rating now in effect on ``studio``."""
    rating = studio["rating"]
    data = {**_facts(studio), "lead": _lead(studio),
            **{key: rating[key] for key in ("rating_id", "round_id", "round_name", "year", "stars",
                                            "previous_stars", "outcome", "points", "categories",
                                            "effective_at")}}
    return make_event(STUDIO_RATED, data, source=SOURCE, correlation_id=correlation_id)


def rating_revoked(studio, change, revoked_at, correlation_id=None):
    """The envelope announcing the revocation the domain reported (``change``)."""
    data = {**_facts(studio), "lead": _lead(studio), "rating_id": change["rating_id"],
            "stars_before": change["stars_before"], "kind": change["kind"],
            "reason": change["reason"], "revoked_at": revoked_at}
    return make_event(RATING_REVOKED, data, source=SOURCE, correlation_id=correlation_id)


def result_verified(result, correlation_id=None):
    benefit = result["economic_benefit"]
    data = {"studio_id": result["studio_id"], "studio_name": result["studio_name"],
            **{key: result[key] for key in ("enterprise", "industry_chain", "region_code", "unit")},
            "level": result["studio_level"],
            "result_id": result["_id"], "kind": result["kind"], "kind_name": KIND_NAMES[result["kind"]],
            "title": result["title"], "achieved_on": result["achieved_on"], "year": result["year"],
            "patent_number": result.get("patent_number"),
            "economic_benefit": {"cost_saved": benefit["cost_saved"],
                                 "value_created": benefit["value_created"],
                                 "confirmed": benefit["confirmation"] is not None},
            "people_trained": result["people_trained"],
            "authors": [_person(author) for author in result["authors"]],
            "verified_at": result["verified_at"]}
    return make_event(RESULT_VERIFIED, data, source=SOURCE, correlation_id=correlation_id)
