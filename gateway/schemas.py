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
    skill_level = fields.String(allow_none=True, metadata={
        "description": "the skill level the event is held at and certifies"})
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



# --- talent pool
#
# A talent's or a nomination's ID number appears only masked, under ``id_number_masked`` (the
# service's views call it ``id_number``); the person key, which identifies a person across
# services, is never shown.


class TalentHonourRowSchema(Out):
    competition_name = fields.String(required=True)
    level = fields.String(required=True)
    year = fields.Integer(allow_none=True)
    trade = fields.String(required=True)
    prize = fields.String(allow_none=True)
    prize_name = fields.String(allow_none=True)
    titles = fields.List(fields.String())


class TalentRowSchema(Out):
    """One talent in a search result, as listed and exported."""

    id = fields.String(required=True, metadata={"example": "tal-3f2a9c1d7b4e8a05c6d2"})
    name = fields.String(required=True)
    employer = fields.String(required=True)
    region_code = fields.String(required=True, metadata={
        "description": "6-digit administrative region code", "example": "320925"})
    industry_chains = fields.List(fields.String(), required=True)
    trades = fields.List(fields.String(), required=True)
    skill_level = fields.String(allow_none=True, metadata={"example": "技师"})
    certificates = fields.List(fields.String(), metadata={"description": "certificate levels"})
    honours = fields.List(fields.Nested(TalentHonourRowSchema),
                          metadata={"description": "honours that still hold a prize or a title"})
    status = fields.String(required=True, metadata={
        "description": "candidate, active, expired or removed"})
    status_reason = fields.String(allow_none=True)
    admitted_at = Timestamp(allow_none=True)
    review_date = fields.String(allow_none=True, metadata={"description": "ISO date"})
    needs_review = fields.Boolean(metadata={
        "description": "a correction took away what admitted this talent: a curator should look"})


class TalentPageSchema(Out):
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    sort = fields.String()
    talents = fields.List(fields.Nested(TalentRowSchema), required=True)


class TalentHonourSchema(Out):
    """An honour from a competition, at the latest publication version the pool has seen."""

    competition_id = fields.String(required=True)
    competition_name = fields.String(required=True)
    level = fields.String(required=True)
    organising_unit = fields.String()
    year = fields.Integer(allow_none=True)
    industry_chain = fields.String()
    event_id = fields.String(required=True)
    trade = fields.String(required=True)
    rank = fields.Integer(allow_none=True)
    finalists = fields.Integer(allow_none=True)
    prize = fields.String(allow_none=True)
    prize_name = fields.String(allow_none=True)
    titles = fields.List(fields.String())
    promotion_level = fields.String(allow_none=True)
    certificate_level = fields.String(allow_none=True)
    publication_version = fields.Integer()
    correction_reason = fields.String(allow_none=True)
    recorded_at = Timestamp()


class TalentCertificateSchema(Out):
    level = fields.String(required=True)
    trade = fields.String(allow_none=True)
    competition_id = fields.String()
    event_id = fields.String()
    competition_name = fields.String(allow_none=True)
    year = fields.Integer(allow_none=True)


class TalentSourceSchema(Out):
    """How a talent entered the record: a competition entry or a nomination."""

    kind = fields.String(required=True, metadata={"description": "competition or nomination"})
    competition_id = fields.String()
    event_id = fields.String()
    entry_id = fields.String(allow_none=True)
    nomination_id = fields.String()
    industry_chain = fields.String()
    trade = fields.String()
    skill_level = fields.String()
    employer = fields.String()
    reason = fields.String()
    nominated_by = fields.String()
    recorded_at = Timestamp()


class NeedsReviewSchema(Out):
    reason = fields.String(required=True)
    since = Timestamp(required=True)


class TalentChangeSchema(Out):
    field = fields.String(required=True)
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


class TalentHistoryEntrySchema(Out):
    """One change to a talent: who, when, what and why."""

    at = Timestamp(required=True)
    by = fields.String(required=True)
    action = fields.String(required=True, metadata={
        "description": "award_recorded, award_corrected, admitted, nomination_recorded, "
                       "expired, removed, reactivated"})
    reason = fields.String(allow_none=True)
    changes = fields.List(fields.Nested(TalentChangeSchema), metadata={
        "description": "the fields changed, with their old and new values; empty in the entry "
                       "that created the talent"})
    created = fields.Boolean(metadata={"description": "true in the entry that created the talent"})
    source_event = fields.String(allow_none=True)
    honour = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))
    nomination_id = fields.String()


class TalentViewSchema(Out):
    """One talent in full: honours, certificates, sources and history."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    id_number_masked = MaskedIdNumber(attribute="id_number", allow_none=True, metadata={
        "description": "from the talent's competition entries or nomination; null when none supplied it",
        "example": "320***********123X"})
    employer = fields.String(required=True)
    region_code = fields.String(required=True)
    industry_chains = fields.List(fields.String(), required=True)
    trades = fields.List(fields.String(), required=True)
    skill_level = fields.String(allow_none=True)
    certificates = fields.List(fields.Nested(TalentCertificateSchema))
    honours = fields.List(fields.Nested(TalentHonourSchema))
    status = fields.String(required=True)
    status_reason = fields.String(allow_none=True)
    admitted_at = Timestamp(allow_none=True)
    review_date = fields.String(allow_none=True)
    needs_review = fields.Nested(NeedsReviewSchema, allow_none=True)
    units = fields.List(fields.String(), metadata={
        "description": "organising units of its honours: their organisers may read this talent"})
    sources = fields.List(fields.Nested(TalentSourceSchema))
    history = fields.List(fields.Nested(TalentHistoryEntrySchema))
    created_at = Timestamp()
    revision = fields.Integer()


class TalentCountSchema(Out):
    count = fields.Integer(required=True)


class ChainCountSchema(TalentCountSchema):
    industry_chain = fields.String(required=True)


class TradeCountSchema(TalentCountSchema):
    trade = fields.String(required=True)


class LevelCountSchema(TalentCountSchema):
    skill_level = fields.String(allow_none=True, metadata={"description": "null: not known"})


class TalentStatisticsViewSchema(Out):
    filters = fields.Dict(keys=fields.String(), values=fields.Raw(),
                          metadata={"description": "the filters the counts are for"})
    total = fields.Integer(required=True)
    by_industry_chain = fields.List(fields.Nested(ChainCountSchema), required=True,
                                    metadata={"description": "a talent counts once per chain it has"})
    by_trade = fields.List(fields.Nested(TradeCountSchema), required=True,
                           metadata={"description": "a talent counts once per trade it has"})
    by_skill_level = fields.List(fields.Nested(LevelCountSchema), required=True,
                                 metadata={"description": "in ladder order, lowest first"})


class NominationReviewViewSchema(Out):
    stage = fields.String(required=True)
    stage_name = fields.String(required=True, metadata={"example": "资格审查"})
    decision = fields.String(required=True, metadata={"description": "pass or reject"})
    comment = fields.String(required=True)
    by = fields.String(required=True)
    at = Timestamp(required=True)


class NominationViewSchema(Out):
    """A worker nominated for the pool and the reviews so far: 资格审查 -> 专家初评 -> 综合复审."""

    id = fields.String(required=True, metadata={"example": "nom-0a1b2c3d4e5f"})
    name = fields.String(required=True)
    id_number_masked = MaskedIdNumber(attribute="id_number", required=True,
                                      metadata={"example": "320***********123X"})
    employer = fields.String(required=True)
    region_code = fields.String(required=True)
    industry_chain = fields.String(required=True)
    trade = fields.String(required=True)
    skill_level = fields.String(required=True)
    reason = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "in_review, admitted or rejected"})
    stage = fields.String(allow_none=True, metadata={
        "description": "the stage awaiting a decision; null once closed"})
    stage_name = fields.String(allow_none=True)
    reviews = fields.List(fields.Nested(NominationReviewViewSchema), required=True)
    nominated_by = fields.String(required=True)
    nominated_at = Timestamp(required=True)
    closed_at = Timestamp(allow_none=True)
    talent_id = fields.String(allow_none=True, metadata={"description": "the talent it admitted"})


class NominationPageSchema(Out):
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    nominations = fields.List(fields.Nested(NominationViewSchema), required=True)


# --- operations


class ParkedMessageSchema(Out):
    """A message a service's handler kept failing on, kept with its error until replayed."""

    id = fields.String(required=True)
    queue = fields.String(required=True)
    event_type = fields.String(allow_none=True)
    event_id = fields.String(allow_none=True)
    attempts = fields.Integer(required=True)
    parked_at = Timestamp(required=True)
    error = fields.String(allow_none=True, metadata={"description": "the last lines of the failure"})
    body = fields.Raw(allow_none=True, metadata={
        "description": "the message as received (events carry no ID numbers)"})


class ParkedPageSchema(Out):
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    parked = fields.List(fields.Nested(ParkedMessageSchema), required=True)


class ReplayResultSchema(Out):
    replayed = fields.Integer(required=True, metadata={"description": "messages put back on their queues"})
