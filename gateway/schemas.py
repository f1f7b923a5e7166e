"""What the gateway answers: response schemas for the views the competitions service returns.

Requests are validated with the competitions service's own schemas
(services/competitions/schemas.py); this module only shapes responses, and the OpenAPI document
is generated from both. A response is dumped through its schema, so a key a service adds to a
view reaches callers only once it is declared here.

Personal data: no schema here has a field for a full ID number. Entries carry the masked form
only, under ``id_number_masked``, and the field masks again on the way out, so even a service
mistake could not put a full number on the wire.
"""
from marshmallow import Schema, fields

from common.personal_id import mask_id_number
from services.competitions.schemas import (AwardRulesSchema, CorrectedMarkSchema,
                                           EligibilityRulesSchema, JudgingRulesSchema,
                                           MarkingSchemeSchema, RankingRulesSchema)


class Out(Schema):
    """Base of every response schema (fields keep their declared order)."""


class MaskedIdNumber(fields.String):
    """An ID number as shown to people: first 3 and last 4 characters, the rest ``*``."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return mask_id_number(str(value))


Timestamp = fields.String  # ISO 8601 in UTC, as the services write them


class HealthSchema(Out):
    status = fields.String(required=True, metadata={"example": "ok"})


# --- competitions


class EventSummarySchema(Out):
    id = fields.String(required=True)
    trade = fields.String(required=True)
    name = fields.String(required=True)


class JudgeViewSchema(Out):
    judge_id = fields.String(required=True)
    name = fields.String(required=True)
    # Shown to the organisers only (conflicts of interest); others get judge_id and name.
    enterprise = fields.String()


class OfficialsViewSchema(Out):
    chief_judge = fields.String()
    supervisor = fields.String()


class SignatureSchema(Out):
    by = fields.String(required=True)
    at = Timestamp(required=True)


class SignOffsSchema(Out):
    chief_judge = fields.Nested(SignatureSchema)
    supervisor = fields.Nested(SignatureSchema)


class PublicationSchema(Out):
    version = fields.Integer(required=True)
    published_at = Timestamp(required=True)
    correlation_id = fields.String(allow_none=True)
    correction_reason = fields.String(allow_none=True)


class HistoryEntrySchema(Out):
    """One line of a competition's history; which details appear depends on the action."""

    at = Timestamp(required=True)
    by = fields.String(required=True)
    role = fields.String()
    action = fields.String(required=True)
    event_id = fields.String()
    judge_id = fields.String()
    reason = fields.String(allow_none=True)
    previous = fields.String()
    status = fields.String()
    as_role = fields.String()
    changed_fields = fields.List(fields.String(), data_key="fields", attribute="fields")
    officials = fields.Nested(OfficialsViewSchema)
    marks = fields.List(fields.Nested(CorrectedMarkSchema))


class EventViewSchema(Out):
    id = fields.String(required=True)
    trade = fields.String(required=True)
    name = fields.String(required=True)
    eligibility = fields.Nested(EligibilityRulesSchema, allow_none=True)
    marking_scheme = fields.Nested(MarkingSchemeSchema, allow_none=True)
    judging = fields.Nested(JudgingRulesSchema, allow_none=True)
    ranking = fields.Nested(RankingRulesSchema, allow_none=True)
    awards = fields.Nested(AwardRulesSchema, allow_none=True)
    judges = fields.List(fields.Nested(JudgeViewSchema))


class CompetitionSummarySchema(Out):
    id = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    industry_chain = fields.String(required=True)
    organising_unit = fields.String(required=True)
    year = fields.Integer(allow_none=True)
    status = fields.String(required=True)
    created_at = Timestamp(required=True)
    events = fields.List(fields.Nested(EventSummarySchema))


class CompetitionViewSchema(CompetitionSummarySchema):
    description = fields.String()
    officials = fields.Nested(OfficialsViewSchema)
    sign_offs = fields.Nested(SignOffsSchema)
    publication = fields.Nested(PublicationSchema, allow_none=True)
    events = fields.List(fields.Nested(EventViewSchema))
    allowed_actions = fields.List(fields.String(),
                                  metadata={"description": "status actions the caller may take now"})
    history = fields.List(fields.Nested(HistoryEntrySchema),
                          metadata={"description": "shown to the organisers only"})


# --- registration


class EntryViewSchema(Out):
    id = fields.String(required=True)
    event_id = fields.String(required=True)
    name = fields.String(required=True)
    id_number_masked = MaskedIdNumber(attribute="id_number", required=True,
                                      metadata={"example": "320***********123X"})
    employer = fields.String(required=True)
    trade = fields.String(required=True)
    skill_level = fields.String(required=True)
    status = fields.String(required=True)
    reason = fields.String(allow_none=True)
    registered_at = Timestamp(required=True)
    code = fields.String(metadata={"description": "the blind entry code, shown once results are signed off"})


class EntryPageSchema(Out):
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    entries = fields.List(fields.Nested(EntryViewSchema), required=True)


# --- judging


class SheetRowSchema(Out):
    entry_code = fields.String(required=True)
    marks = fields.Dict(keys=fields.String(), values=fields.Float(),
                        metadata={"description": "this judge's marks so far, by aspect id"})
    completion_seconds = fields.Float(allow_none=True)


class MarkingSheetSchema(Out):
    competition_id = fields.String(required=True)
    event_id = fields.String(required=True)
    status = fields.String(required=True)
    marking_scheme = fields.Nested(MarkingSchemeSchema)
    entries = fields.List(fields.Nested(SheetRowSchema), required=True)


class MarkReceiptSchema(Out):
    entry_code = fields.String(required=True)
    aspect_id = fields.String(required=True)
    value = fields.Float(required=True)
    changed = fields.Boolean(required=True)


class CompletionTimeReceiptSchema(Out):
    entry_code = fields.String(required=True)
    completion_seconds = fields.Float(required=True)


class AuditRecordSchema(Out):
    """One change to an entry: a mark, a completion time or a registration decision."""

    at = Timestamp(required=True)
    by = fields.String(required=True)
    action = fields.String()
    aspect_id = fields.String()
    judge_id = fields.String()
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)
    reason = fields.String(allow_none=True)
    correction = fields.Boolean()


class MarkHistorySchema(Out):
    entry_code = fields.String(required=True)
    history = fields.List(fields.Nested(AuditRecordSchema), required=True)


# --- results


class RankingRowSchema(Out):
    rank = fields.Integer(required=True)
    code = fields.String(required=True)
    total = fields.Float(required=True)
    components = fields.Dict(keys=fields.String(), values=fields.Float())
    completion_seconds = fields.Float(allow_none=True)
    complete = fields.Boolean(required=True)
    flagged = fields.List(fields.String(), metadata={"description": "aspects awaiting review"})
    shared = fields.Boolean(required=True)
    name = fields.String(metadata={"description": "revealed once results are signed off"})
    employer = fields.String(metadata={"description": "revealed once results are signed off"})


class LiveRankingSchema(Out):
    competition_id = fields.String(required=True)
    event_id = fields.String(required=True)
    trade = fields.String(required=True)
    status = fields.String(required=True)
    revealed = fields.Boolean(required=True)
    ranking = fields.List(fields.Nested(RankingRowSchema), required=True)


class SignOffResultSchema(Out):
    competition_id = fields.String(required=True)
    status = fields.String(required=True)
    sign_offs = fields.Nested(SignOffsSchema, required=True)


class PublicationResultSchema(Out):
    competition_id = fields.String(required=True)
    status = fields.String(required=True)
    publication = fields.Nested(PublicationSchema, required=True)


class PublicPublicationSchema(Out):
    # No correlation id: that is for operators tracing a request, not for the public.
    version = fields.Integer(required=True)
    published_at = Timestamp(required=True)
    correction_reason = fields.String(allow_none=True)


class PublishedResultSchema(Out):
    rank = fields.Integer(required=True)
    shared = fields.Boolean()
    code = fields.String()
    name = fields.String(required=True)
    employer = fields.String()
    total = fields.Float(required=True)
    components = fields.Dict(keys=fields.String(), values=fields.Float())
    prize = fields.String(allow_none=True)
    prize_name = fields.String(allow_none=True)
    titles = fields.List(fields.String())
    promotion_level = fields.String(allow_none=True)
    certificate_level = fields.String(allow_none=True)


class PublishedEventSchema(Out):
    event_id = fields.String(required=True)
    trade = fields.String(required=True)
    results = fields.List(fields.Nested(PublishedResultSchema), required=True)


class PublishedResultsSchema(Out):
    competition_id = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    industry_chain = fields.String(required=True)
    publication = fields.Nested(PublicPublicationSchema, required=True)
    events = fields.List(fields.Nested(PublishedEventSchema), required=True)

