"""The talent pool service's public API: what it accepts and what it answers, in marshmallow.

The gateway imports this module and nothing else of the service: it validates requests with the
request schemas (unknown fields rejected, sizes bounded), dumps the service's views through the
response schemas, and documents both in OpenAPI.

A talent's or a nomination's ID number appears only masked, under ``id_number_masked`` (the
service's views call it ``id_number``); the person key, which identifies a person across services,
is never shown.
"""
from marshmallow import fields, validate

from common.schemas import (MaskedIdNumber, Out, PageQuery, Strict, Timestamp, limit_field,
                            offset_field, page_of)

from common.vocabulary import SKILL_LEVELS
from services.talent_pool.domain.nomination import NOMINATION_STATUSES, PASS, REJECT, STAGES
from services.talent_pool.domain.search_keys import ALL_STATUSES
from services.talent_pool.domain.talent import ACTIVE, EXPIRED, REMOVED, STATUSES

NAME = validate.Length(min=1, max=200)
PERSON_NAME = validate.Length(min=1, max=100)
REASON = validate.Length(min=1, max=1000)
MAX_PAGE = 1000
# An export is refused, not cut short, when its filters match more talents than this.
MAX_EXPORT_ROWS = 100_000
SORTS = ("name", "-admitted_at")
SORT = validate.OneOf(SORTS)
SORT_DESCRIPTION = "name (then id) or -admitted_at (newest first, then id)"


# --- requests


class TalentFilterSchema(Strict):
    """Which talents: every filter optional, all of them must hold."""
    industry_chain = fields.String(validate=NAME, metadata={"description": "产业链, e.g. 装备制造"})
    trade = fields.String(validate=NAME, metadata={"description": "工种, e.g. 数控车工"})
    skill_level = fields.String(validate=validate.OneOf(SKILL_LEVELS),
                                metadata={"description": "exactly this level"})
    min_skill_level = fields.String(validate=validate.OneOf(SKILL_LEVELS),
                                    metadata={"description": "this level or higher"})
    region = fields.String(validate=validate.Regexp(r"^[0-9]{2,6}$", error="Use 2 to 6 digits."),
                           metadata={"description": "administrative region code or its prefix"})
    employer = fields.String(validate=NAME)
    name = fields.String(validate=PERSON_NAME)
    honour = fields.String(validate=validate.Length(min=1, max=100),
                           metadata={"description": "a title (技术能手), a prize (first) or its name "
                                                    "(一等奖), or a studio lead's honour (劳模, 工匠)"})
    status = fields.String(load_default=ACTIVE, validate=validate.OneOf(STATUSES + (ALL_STATUSES,)))
    needs_review = fields.Boolean(metadata={"description": "only talents flagged for a curator's review"})


class TalentSearchSchema(TalentFilterSchema):
    sort = fields.String(load_default="name", validate=SORT, metadata={"description": SORT_DESCRIPTION})
    limit = limit_field(MAX_PAGE)
    offset = offset_field()


class TalentStatisticsSchema(TalentFilterSchema):
    pass


class TalentExportSchema(TalentFilterSchema):
    """Which talents to export, in which order: every one the filters match, a page at a time."""
    sort = fields.String(load_default="name", validate=SORT, metadata={"description": SORT_DESCRIPTION})


class ExportCursorSchema(Strict):
    """Where an export goes on: the export and how many of its talents were already read."""
    export_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    offset = fields.Integer(required=True, validate=validate.Range(min=0))


class TalentStatusChangeSchema(Strict):
    status = fields.String(required=True, validate=validate.OneOf([ACTIVE, EXPIRED, REMOVED]))
    reason = fields.String(required=True, validate=REASON)


class NominationSchema(Strict):
    """A worker nominated for the pool by a union reviewer."""
    name = fields.String(required=True, validate=PERSON_NAME)
    id_number = fields.String(required=True, validate=validate.Length(min=18, max=18))
    employer = fields.String(required=True, validate=NAME)
    industry_chain = fields.String(required=True, validate=NAME)
    trade = fields.String(required=True, validate=NAME)
    skill_level = fields.String(required=True, validate=validate.OneOf(SKILL_LEVELS))
    reason = fields.String(required=True, validate=REASON)


class NominationQuerySchema(PageQuery):
    status = fields.String(validate=validate.OneOf(NOMINATION_STATUSES))
    stage = fields.String(validate=validate.OneOf(STAGES))


class NominationReviewSchema(Strict):
    decision = fields.String(required=True, validate=validate.OneOf([PASS, REJECT]))
    comment = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    stage = fields.String(validate=validate.OneOf(STAGES),
                          metadata={"description": "the stage the reviewer means to decide; refused (409) "
                                                   "unless it is the nomination's current stage"})


# --- responses


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


class TalentPageSchema(page_of(TalentRowSchema)):
    sort = fields.String(metadata={"description": "the order the items are in"})


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


class TalentStudioHonourSchema(Out):
    """The star rating (星级评定) of a studio the talent leads: the latest the pool has seen, in
    effect (``rated``) or taken away (``revoked``)."""

    studio_id = fields.String(required=True)
    studio_name = fields.String(allow_none=True)
    level = fields.String(allow_none=True, metadata={"description": "the studio's level: enterprise ... national"})
    enterprise = fields.String(allow_none=True)
    industry_chain = fields.String(allow_none=True)
    unit = fields.String(allow_none=True, metadata={"description": "the union that rates the studio"})
    lead_honour = fields.String(allow_none=True, metadata={"description": "the lead's honour, e.g. 劳模"})
    rating_id = fields.String(required=True)
    round_id = fields.String(allow_none=True)
    round_name = fields.String(allow_none=True, metadata={
        "description": "null when only the rating's revocation has arrived"})
    year = fields.Integer(allow_none=True)
    stars = fields.Integer(allow_none=True, metadata={"description": "0-5"})
    previous_stars = fields.Integer(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "first, kept, raised or lowered"})
    points = fields.Float(allow_none=True)
    effective_at = Timestamp(allow_none=True)
    status = fields.String(required=True, metadata={"description": "rated or revoked"})
    revocation_kind = fields.String(allow_none=True, metadata={
        "description": "ordered (责令摘牌), automatic (自动摘牌) or natural (自然摘牌)"})
    revocation_reason = fields.String(allow_none=True)
    revoked_at = Timestamp(allow_none=True)
    recorded_at = Timestamp()


class EconomicBenefitSchema(Out):
    cost_saved = fields.Float(required=True, metadata={"description": "yuan"})
    value_created = fields.Float(required=True, metadata={"description": "yuan"})
    confirmed = fields.Boolean(required=True, metadata={
        "description": "confirmed by the enterprise's financial department"})


class TalentInnovationResultSchema(Out):
    """A verified innovation result the talent is an author of."""

    result_id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"example": "tackling"})
    kind_name = fields.String(allow_none=True, metadata={"example": "技术攻关"})
    title = fields.String(required=True)
    achieved_on = fields.String(allow_none=True, metadata={"description": "ISO date"})
    year = fields.Integer(allow_none=True)
    studio_id = fields.String(required=True)
    studio_name = fields.String(allow_none=True)
    industry_chain = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    patent_number = fields.String(allow_none=True)
    economic_benefit = fields.Nested(EconomicBenefitSchema, allow_none=True)
    people_trained = fields.Integer(allow_none=True)
    author_position = fields.Integer(allow_none=True, metadata={"description": "1 for the first author"})
    verified_at = Timestamp(allow_none=True)
    recorded_at = Timestamp()


class TalentStudioMembershipSchema(Out):
    studio_id = fields.String(required=True)
    studio_name = fields.String(allow_none=True)
    role = fields.String(required=True, metadata={
        "description": "lead (led it in a star rating) or member (an author of its results)"})


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
                       "studio_rated, studio_rating_revoked, result_recorded, expired, removed, "
                       "reactivated"})
    reason = fields.String(allow_none=True)
    changes = fields.List(fields.Nested(TalentChangeSchema), metadata={
        "description": "the fields changed, with their old and new values; empty in the entry "
                       "that created the talent"})
    created = fields.Boolean(metadata={"description": "true in the entry that created the talent"})
    source_event = fields.String(allow_none=True)
    honour = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))
    studio_honour = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), metadata={
        "description": "the studio honour changed: studio_id, rating_id, old and new"})
    result_id = fields.String()
    nomination_id = fields.String()


class TalentViewSchema(Out):
    """One talent in full: honours, studio honours, innovation results, studio memberships,
    certificates, sources and history."""

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
    studio_honours = fields.List(fields.Nested(TalentStudioHonourSchema), metadata={
        "description": "one per studio the talent led in a star rating"})
    innovation_results = fields.List(fields.Nested(TalentInnovationResultSchema))
    studio_memberships = fields.List(fields.Nested(TalentStudioMembershipSchema))
    status = fields.String(required=True)
    status_reason = fields.String(allow_none=True)
    admitted_at = Timestamp(allow_none=True)
    review_date = fields.String(allow_none=True)
    needs_review = fields.Nested(NeedsReviewSchema, allow_none=True)
    units = fields.List(fields.String(), metadata={
        "description": "organising units of its honours and units of its studios: their organisers "
                       "may read this talent"})
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


NominationPageSchema = page_of(NominationViewSchema)
