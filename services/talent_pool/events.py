"""Events of the talent pool: what it consumes and what it publishes (see docs/events.md).

Consumed: ``competition.contestant_awarded`` v1, read through ``AwardedV1``, this service's own
reading of that contract. A consumer must not import the publisher's package, and a publisher may
add fields to a version, so the reading keeps only the fields the pool uses and ignores the rest.

Published, through the outbox, with source ``talent_pool``: ``talent.admitted`` v1 and
``talent.updated`` v1. Both carry the talent as it is after the change. No ID number travels in
them, not even masked: a person is named by the protected person key, as in every event.
"""
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from common.events import make_event
from common.personal_id import mask_id_number
from services.talent_pool.domain.talent import ADMITTED, UPDATED

SOURCE = "talent_pool"
CONSUMED_SOURCE = "competitions"
CONTESTANT_AWARDED = "competition.contestant_awarded"
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


class AwardedV1(Schema):
    """The talent pool's reading of ``competition.contestant_awarded`` v1."""

    class Meta:
        unknown = EXCLUDE

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
    person_key = fields.String(required=True, validate=validate.Length(min=8, max=64))
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


# One instance each: marshmallow schemas keep no state between loads, and building one per event
# (with its nested schemas) costs more than the load itself.
AWARDED_V1 = AwardedV1()


def read_award(envelope):
    """The award in a ``competition.contestant_awarded`` envelope; raises UnsupportedEvent for a
    version this service cannot read, marshmallow's ValidationError for a malformed payload."""
    if envelope["event_type"] != CONTESTANT_AWARDED or envelope["version"] != CONTRACT_VERSION:
        raise UnsupportedEvent(f"no reading of {envelope['event_type']} v{envelope['version']}")
    award = AWARDED_V1.load(envelope["data"])
    if award["id_number_masked"] is not None:
        # Masked again here: whatever a publisher sends, the pool never keeps more than the mask.
        award["id_number_masked"] = mask_id_number(award["id_number_masked"])
    return award


# published


class _Contract(Schema):
    class Meta:
        unknown = RAISE


class CertificateSchema(_Contract):
    level = fields.String(required=True)
    trade = fields.String(allow_none=True, required=True)
    competition_id = fields.String(required=True)
    event_id = fields.String(required=True)
    competition_name = fields.String(allow_none=True, required=True)
    year = fields.Integer(allow_none=True, required=True)


class HonourSchema(_Contract):
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


class SourceSchema(_Contract):
    """What caused the change: a competition result, a nomination or a curator."""
    kind = fields.String(required=True, validate=validate.OneOf(["competition", "nomination", "curator"]))
    competition_id = fields.String()
    event_id = fields.String()
    publication_version = fields.Integer()
    nomination_id = fields.String()
    by = fields.String()


class TalentSnapshot(_Contract):
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
    corrected, a nomination added, a curator's status change."""
    action = fields.String(required=True)
    reason = fields.String(allow_none=True, required=True)
    source = fields.Nested(SourceSchema, required=True)
    previous_status = fields.String(required=True)
    changes = fields.List(fields.String(), required=True)


_HONOUR_FIELDS = tuple(HonourSchema().fields)
# The contract of each event type this service publishes. The events are built to fit it, field
# for field, and the tests prove that they do for every kind of change: checking every event here
# again as it is made would cost a tenth of an admission.
CONTRACTS = {ADMITTED: TalentAdmittedV1, UPDATED: TalentUpdatedV1}


def snapshot(talent):
    return {
        "talent_id": talent["_id"], "person_key": talent["person_key"], "name": talent["name"],
        "employer": talent["employer"], "region_code": talent["region_code"],
        "industry_chains": list(talent["industry_chains"]), "trades": list(talent["trades"]),
        "skill_level": talent["skill_level"], "certificates": list(talent["certificates"]),
        "honours": [{key: honour.get(key) for key in _HONOUR_FIELDS} for honour in talent["honours"]],
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
