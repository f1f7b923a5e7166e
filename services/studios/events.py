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
from marshmallow import RAISE, Schema, fields, validate

SOURCE = "studios"
STUDIO_RATED = "studio.rated"
RATING_REVOKED = "studio.rating_revoked"
RESULT_VERIFIED = "result.verified"

REVOCATION_KINDS = ("ordered", "automatic", "natural")
RATING_OUTCOMES = ("first", "kept", "raised", "lowered")


class _Contract(Schema):
    class Meta:
        unknown = RAISE


class PersonSchema(_Contract):
    person_key = fields.String(required=True)
    name = fields.String(required=True)
    id_number_masked = fields.String(required=True)


class LeadSchema(PersonSchema):
    honour = fields.String(required=True)


class StudioFacts(_Contract):
    studio_id = fields.String(required=True)
    studio_name = fields.String(required=True)
    level = fields.String(required=True)
    enterprise = fields.String(required=True)
    industry_chain = fields.String(required=True)
    region_code = fields.String(required=True)
    unit = fields.String(required=True)


class CategorySummarySchema(_Contract):
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


class BenefitSchema(_Contract):
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
