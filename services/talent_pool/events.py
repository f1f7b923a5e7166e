"""Events of the talent pool: what it consumes and what it publishes (see docs/events.md).

Consumed: ``competition.contestant_awarded`` v1, read through ``AwardedV1``, and the studios
service's ``studio.rated``, ``studio.rating_revoked`` and ``result.verified`` v1, read through
``StudioRatedV1``, ``RatingRevokedV1`` and ``ResultVerifiedV1``: this service's own readings of
those contracts. A consumer must not import the publisher's package, and a publisher may add
fields to a version, so a reading keeps only the fields the pool uses and ignores the rest.

Published, through the outbox, with source ``talent_pool``: ``talent.admitted`` v1 and
``talent.updated`` v1. Both carry the talent as it is after the change. No ID number travels in
them, not even masked: a person is named by the protected person key, as in every event.
"""
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from common.events import Contract, make_event
from common.personal_id import mask_id_number
from common.schemas import Instant
from services.talent_pool.domain.talent import ADMITTED, UPDATED

SOURCE = "talent_pool"
CONSUMED_SOURCE = "competitions"
CONTESTANT_AWARDED = "competition.contestant_awarded"
STUDIOS_SOURCE = "studios"
STUDIO_RATED = "studio.rated"
RATING_REVOKED = "studio.rating_revoked"
RESULT_VERIFIED = "result.verified"
CONTRACT_VERSION = 1


class UnsupportedEvent(ValueError):
    """An event this service has no reading for (a version it does not know)."""


# consumed


# Every string the pool reads from an award is bounded (as the publisher bounds what it accepts),
# so that no event can store an unbounded name in a talent: an award beyond them is parked.
ID = validate.Length(min=1, max=64)
NAME = validate.Length(max=200)
PERSON_NAME = validate.Length(max=100)
SHORT = validate.Length(max=64)
TEXT = validate.Length(max=1000)
MAX_TITLES = 20
# A result is recorded once per author, each a write of its own: the handler stays short.
MAX_AUTHORS = 50
PERSON_KEY = validate.Length(min=8, max=64)
YEAR = validate.Range(min=1900, max=9999)
STARS = validate.Range(min=0, max=5)


class _Reading(Schema):
    class Meta:
        unknown = EXCLUDE


class Day(fields.Date):
    """An ISO date, kept as its text."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).isoformat()


class AwardedV1(_Reading):
    """The talent pool's reading of ``competition.contestant_awarded`` v1."""

    competition_id = fields.String(required=True, validate=ID)
    competition_name = fields.String(required=True, validate=NAME)
    level = fields.String(required=True, validate=SHORT)
    industry_chain = fields.String(required=True, validate=NAME)
    organising_unit = fields.String(required=True, validate=SHORT)
    year = fields.Integer(allow_none=True, required=True)
    publication_version = fields.Integer(required=True, validate=validate.Range(min=1))
    correction_reason = fields.String(allow_none=True, load_default=None, validate=TEXT)
    event_id = fields.String(required=True, validate=ID)
    trade = fields.String(required=True, validate=NAME)
    entry_id = fields.String(required=True, validate=SHORT)
    person_key = fields.String(required=True, validate=PERSON_KEY)
    name = fields.String(required=True, validate=PERSON_NAME)
    employer = fields.String(required=True, validate=NAME)
    region_code = fields.String(required=True, validate=SHORT)
    # Added to v1 after its first publishers: older events have none.
    id_number_masked = fields.String(allow_none=True, load_default=None, validate=SHORT)
    skill_level = fields.String(required=True, validate=SHORT)
    rank = fields.Integer(required=True)
    finalists = fields.Integer(required=True)
    prize = fields.String(allow_none=True, required=True, validate=SHORT)
    prize_name = fields.String(allow_none=True, required=True, validate=SHORT)
    titles = fields.List(fields.String(validate=NAME), required=True,
                         validate=validate.Length(max=MAX_TITLES))
    promotion_level = fields.String(allow_none=True, required=True, validate=SHORT)
    certificate_level = fields.String(allow_none=True, required=True, validate=SHORT)


class PersonV1(_Reading):
    """A person a studio event names: an author, or (with the honour) the lead."""
    person_key = fields.String(required=True, validate=PERSON_KEY)
    name = fields.String(required=True, validate=PERSON_NAME)
    id_number_masked = fields.String(allow_none=True, load_default=None, validate=SHORT)


class LeadV1(PersonV1):
    honour = fields.String(allow_none=True, load_default=None, validate=SHORT)


class StudioFactsV1(_Reading):
    """What every studio event says of its studio."""
    studio_id = fields.String(required=True, validate=ID)
    studio_name = fields.String(required=True, validate=NAME)
    level = fields.String(required=True, validate=SHORT)
    enterprise = fields.String(required=True, validate=NAME)
    industry_chain = fields.String(required=True, validate=NAME)
    region_code = fields.String(required=True, validate=SHORT)
    unit = fields.String(required=True, validate=SHORT)


class StudioRatedV1(StudioFactsV1):
    """The talent pool's reading of ``studio.rated`` v1 (the category breakdown left out)."""
    lead = fields.Nested(LeadV1, required=True)
    rating_id = fields.String(required=True, validate=ID)
    round_id = fields.String(required=True, validate=ID)
    round_name = fields.String(required=True, validate=NAME)
    year = fields.Integer(required=True, validate=YEAR)
    stars = fields.Integer(required=True, validate=STARS)
    previous_stars = fields.Integer(allow_none=True, load_default=None, validate=STARS)
    outcome = fields.String(required=True, validate=SHORT)
    points = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=0, max=1000))
    effective_at = Instant(required=True)


class RatingRevokedV1(StudioFactsV1):
    """The talent pool's reading of ``studio.rating_revoked`` v1."""
    lead = fields.Nested(LeadV1, required=True)
    rating_id = fields.String(required=True, validate=ID)
    stars_before = fields.Integer(required=True, validate=STARS)
    kind = fields.String(required=True, validate=SHORT)
    reason = fields.String(required=True, validate=TEXT)
    revoked_at = Instant(required=True)


class BenefitV1(_Reading):
    cost_saved = fields.Float(required=True)
    value_created = fields.Float(required=True)
    confirmed = fields.Boolean(required=True)


class ResultVerifiedV1(StudioFactsV1):
    """The talent pool's reading of ``result.verified`` v1."""
    result_id = fields.String(required=True, validate=ID)
    kind = fields.String(required=True, validate=SHORT)
    kind_name = fields.String(required=True, validate=SHORT)
    title = fields.String(required=True, validate=NAME)
    achieved_on = Day(required=True)
    year = fields.Integer(required=True, validate=YEAR)
    patent_number = fields.String(allow_none=True, load_default=None, validate=SHORT)
    economic_benefit = fields.Nested(BenefitV1, required=True)
    people_trained = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000_000))
    authors = fields.List(fields.Nested(PersonV1), required=True,
                          validate=validate.Length(max=MAX_AUTHORS))
    verified_at = Instant(required=True)


# One instance each: marshmallow schemas keep no state between loads, and building one per event
# (with its nested schemas) costs more than the load itself.
AWARDED_V1 = AwardedV1()
STUDIO_RATED_V1 = StudioRatedV1()
RATING_REVOKED_V1 = RatingRevokedV1()
RESULT_VERIFIED_V1 = ResultVerifiedV1()


def _read(envelope, event_type, reading):
    """The data of ``envelope`` through ``reading``; raises UnsupportedEvent for another type or
    a version this service cannot read, marshmallow's ValidationError for a malformed payload."""
    if envelope["event_type"] != event_type or envelope["version"] != CONTRACT_VERSION:
        raise UnsupportedEvent(f"no reading of {envelope['event_type']} v{envelope['version']}")
    return reading.load(envelope["data"])


def _masked(person):
    if person["id_number_masked"] is not None:
        # Masked again here: whatever a publisher sends, the pool never keeps more than the mask.
        person["id_number_masked"] = mask_id_number(person["id_number_masked"])
    return person


def read_award(envelope):
    """The award in a ``competition.contestant_awarded`` envelope (see ``_read``)."""
    return _masked(_read(envelope, CONTESTANT_AWARDED, AWARDED_V1))


def read_studio_rating(envelope):
    """The rating in a ``studio.rated`` envelope (see ``_read``)."""
    rating = _read(envelope, STUDIO_RATED, STUDIO_RATED_V1)
    _masked(rating["lead"])
    return rating


def read_rating_revoked(envelope):
    """The revocation in a ``studio.rating_revoked`` envelope (see ``_read``)."""
    revocation = _read(envelope, RATING_REVOKED, RATING_REVOKED_V1)
    _masked(revocation["lead"])
    return revocation


def read_verified_result(envelope):
    """The result in a ``result.verified`` envelope (see ``_read``)."""
    result = _read(envelope, RESULT_VERIFIED, RESULT_VERIFIED_V1)
    for author in result["authors"]:
        _masked(author)
    return result


# published



class CertificateSchema(Contract):
    level = fields.String(required=True)
    trade = fields.String(allow_none=True, required=True)
    competition_id = fields.String(required=True)
    event_id = fields.String(required=True)
    competition_name = fields.String(allow_none=True, required=True)
    year = fields.Integer(allow_none=True, required=True)


class HonourSchema(Contract):
    competition_id = fields.String(required=True)
    competition_name = fields.String(allow_none=True, required=True)
    level = fields.String(allow_none=True, required=True)
    organising_unit = fields.String(allow_none=True, required=True)
    year = fields.Integer(allow_none=True, required=True)
    industry_chain = fields.String(allow_none=True, required=True)
    event_id = fields.String(required=True)
    trade = fields.String(allow_none=True, required=True)
    rank = fields.Integer(allow_none=True, required=True)
    finalists = fields.Integer(allow_none=True, required=True)
    prize = fields.String(allow_none=True, required=True)
    prize_name = fields.String(allow_none=True, required=True)
    titles = fields.List(fields.String(), required=True)
    promotion_level = fields.String(allow_none=True, required=True)
    certificate_level = fields.String(allow_none=True, required=True)
    publication_version = fields.Integer(required=True)


class StudioHonourSchema(Contract):
    """The star rating of a studio the talent leads: the latest the pool has seen, rated or
    revoked."""
    studio_id = fields.String(required=True)
    studio_name = fields.String(allow_none=True, required=True)
    level = fields.String(allow_none=True, required=True)
    enterprise = fields.String(allow_none=True, required=True)
    industry_chain = fields.String(allow_none=True, required=True)
    unit = fields.String(allow_none=True, required=True)
    lead_honour = fields.String(allow_none=True, required=True)
    rating_id = fields.String(required=True)
    round_id = fields.String(allow_none=True, required=True)
    round_name = fields.String(allow_none=True, required=True)
    year = fields.Integer(allow_none=True, required=True)
    stars = fields.Integer(allow_none=True, required=True)
    outcome = fields.String(allow_none=True, required=True)
    effective_at = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf(["rated", "revoked"]))
    revocation_kind = fields.String(allow_none=True, required=True)
    revocation_reason = fields.String(allow_none=True, required=True)
    revoked_at = fields.String(allow_none=True, required=True)


class BenefitSchema(BenefitV1):
    """A result's economic benefit, as the pool publishes it: as it read it."""

    class Meta:
        unknown = RAISE


class InnovationResultSchema(Contract):
    """A verified innovation result the talent is an author of."""
    result_id = fields.String(required=True)
    kind = fields.String(required=True)
    kind_name = fields.String(allow_none=True, required=True)
    title = fields.String(required=True)
    achieved_on = fields.String(allow_none=True, required=True)
    year = fields.Integer(allow_none=True, required=True)
    studio_id = fields.String(required=True)
    studio_name = fields.String(allow_none=True, required=True)
    patent_number = fields.String(allow_none=True, required=True)
    economic_benefit = fields.Nested(BenefitSchema, required=True)
    people_trained = fields.Integer(allow_none=True, required=True)
    author_position = fields.Integer(allow_none=True, required=True)
    verified_at = fields.String(allow_none=True, required=True)


class StudioMembershipSchema(Contract):
    studio_id = fields.String(required=True)
    studio_name = fields.String(allow_none=True, required=True)
    role = fields.String(required=True, validate=validate.OneOf(["lead", "member"]))


class SourceSchema(Contract):
    """What caused the change: a competition result, a nomination, a studio's rating or result, or
    a curator."""
    kind = fields.String(required=True,
                         validate=validate.OneOf(["competition", "nomination", "studio", "curator"]))
    competition_id = fields.String()
    event_id = fields.String()
    publication_version = fields.Integer()
    nomination_id = fields.String()
    studio_id = fields.String()
    rating_id = fields.String()
    result_id = fields.String()
    by = fields.String()


class TalentSnapshot(Contract):
    talent_id = fields.String(required=True)
    person_key = fields.String(required=True)
    name = fields.String(required=True)
    employer = fields.String(required=True)
    region_code = fields.String(required=True)
    industry_chains = fields.List(fields.String(), required=True)
    trades = fields.List(fields.String(), required=True)
    skill_level = fields.String(allow_none=True, required=True)
    certificates = fields.List(fields.Nested(CertificateSchema), required=True)
    honours = fields.List(fields.Nested(HonourSchema), required=True)
    # Added to v1 with the studio events: absent in events sent before.
    studio_honours = fields.List(fields.Nested(StudioHonourSchema), required=True)
    innovation_results = fields.List(fields.Nested(InnovationResultSchema), required=True)
    studio_memberships = fields.List(fields.Nested(StudioMembershipSchema), required=True)
    status = fields.String(required=True)
    status_reason = fields.String(allow_none=True, required=True)
    admitted_at = fields.String(allow_none=True, required=True)
    review_date = fields.String(allow_none=True, required=True)
    needs_review = fields.Boolean(required=True)
    revision = fields.Integer(required=True)


class TalentAdmittedV1(TalentSnapshot):
    """talent.admitted v1: a person entered (or re-entered) the pool by an admission decision."""
    reason = fields.String(required=True)
    source = fields.Nested(SourceSchema, required=True)
    readmission = fields.Boolean(required=True)
    previous_status = fields.String(required=True)


class TalentUpdatedV1(TalentSnapshot):
    """talent.updated v1: a talent in (or once in) the pool changed: an honour recorded or
    corrected, a nomination added, a studio rating recorded or revoked, an innovation result
    recorded, a curator's status change."""
    action = fields.String(required=True)
    reason = fields.String(allow_none=True, required=True)
    source = fields.Nested(SourceSchema, required=True)
    previous_status = fields.String(required=True)
    changes = fields.List(fields.String(), required=True)


_HONOUR_FIELDS = tuple(HonourSchema().fields)
_STUDIO_HONOUR_FIELDS = tuple(StudioHonourSchema().fields)
_RESULT_FIELDS = tuple(InnovationResultSchema().fields)
_MEMBERSHIP_FIELDS = tuple(StudioMembershipSchema().fields)
# The contract of each event type this service publishes. The events are built to fit it, field
# for field, and the tests prove that they do for every kind of change: checking every event here
# again as it is made would cost a tenth of an admission.
CONTRACTS = {ADMITTED: TalentAdmittedV1, UPDATED: TalentUpdatedV1}


def _shaped(items, keys):
    return [{key: item.get(key) for key in keys} for item in items or ()]


def snapshot(talent):
    results = _shaped(talent.get("innovation_results"), _RESULT_FIELDS)
    for result in results:
        result["economic_benefit"] = dict(result["economic_benefit"])
    return {
        "talent_id": talent["_id"], "person_key": talent["person_key"], "name": talent["name"],
        "employer": talent["employer"], "region_code": talent["region_code"],
        "industry_chains": list(talent["industry_chains"]), "trades": list(talent["trades"]),
        "skill_level": talent["skill_level"], "certificates": list(talent["certificates"]),
        "honours": _shaped(talent["honours"], _HONOUR_FIELDS),
        "studio_honours": _shaped(talent.get("studio_honours"), _STUDIO_HONOUR_FIELDS),
        "innovation_results": results,
        "studio_memberships": _shaped(talent.get("studio_memberships"), _MEMBERSHIP_FIELDS),
        "status": talent["status"], "status_reason": talent["status_reason"],
        "admitted_at": talent["admitted_at"], "review_date": talent["review_date"],
        "needs_review": bool(talent.get("needs_review")), "revision": talent["revision"],
    }


def announcement(talent, change, correlation_id=None):
    """The envelope for one change the domain reported (``{"type": ..., ...}``), shaped by its
    contract (``CONTRACTS``)."""
    data = snapshot(talent)
    if change["type"] == ADMITTED:
        data.update(reason=change["reason"], source=change["source"],
                    readmission=change["readmission"], previous_status=change["previous_status"])
    elif change["type"] == UPDATED:
        data.update(action=change["action"], reason=change["reason"], source=change["source"],
                    previous_status=change["previous_status"], changes=change["changes"])
    else:
        raise ValueError(f"unknown change {change['type']!r}")
    return make_event(change["type"], data, source=SOURCE, correlation_id=correlation_id)
