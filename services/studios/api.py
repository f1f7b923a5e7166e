"""The studios service's public API: what it accepts and what it answers, in marshmallow.

The gateway imports this module and nothing else of the service. A member's ID number is accepted
(sealed by the gateway on its way) and only ever answered masked, under ``id_number_masked``.
"""
from marshmallow import fields, validate

from common.schemas import (IsoDate, MaskedIdNumber, Out, PageQuery, StoredFileOut, Strict, Timestamp,
                            UploadField, page_of)
from common.vocabulary import COMPETITION_LEVELS
from services.studios.domain.alliance import MIN_MEMBERS
from services.studios.domain.kinds import FIVE_SMALL_KINDS, KIND_NAMES, KINDS, STANDARD_LEVELS
from services.studios.domain.reporting import (GROUPINGS as REPORT_GROUPINGS, PATENTS as REPORT_PATENTS,
                                              STARS as REPORT_STARS)
from services.studios.domain.results import REVIEW_STEPS, STATUSES as RESULT_STATUSES
from services.studios.domain.studio import HONOURS, LEVELS, STATUSES

NAME = validate.Length(min=1, max=200)
SHORT = validate.Length(min=1, max=64)
TEXT = validate.Length(max=5000)
REASON = validate.Length(min=1, max=1000)
COMMENT = validate.Length(min=1, max=2000)
REGION = validate.Regexp(r"^[0-9]{6}$", error="Use the 6-digit administrative region code.")
ID = validate.Regexp(r"^[a-z]{3}-[0-9a-f]{12}$", error="Not an id of this service.")
MONEY = validate.Range(min=0, max=1e11)
MAX_MEMBERS = 200


# --- requests: studios


class MemberSchema(Strict):
    """A member of a studio: a person, told apart from others by their ID number."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    id_number = fields.String(required=True, validate=validate.Length(min=18, max=18),
                              metadata={"description": "sealed by the gateway; stored protected, "
                                                       "answered masked"})
    position = fields.String(validate=validate.Length(max=100))
    enterprise_head = fields.Boolean(load_default=False,
                                     metadata={"description": "an enterprise head may not be the "
                                                              "first author of an advanced operating method"})
    joined_on = IsoDate()


class LeadSchema(MemberSchema):
    honour = fields.String(required=True, validate=validate.OneOf(HONOURS),
                           metadata={"description": "the 劳模 or 工匠 honour the lead holds"})


class StudioSchema(Strict):
    """A studio registered by a union admin or reviewer."""
    name = fields.String(required=True, validate=NAME)
    unit = fields.String(required=True, validate=SHORT,
                         metadata={"description": "the union the studio answers to"})
    enterprise = fields.String(required=True, validate=NAME)
    industry_chain = fields.String(required=True, validate=NAME)
    region_code = fields.String(required=True, validate=REGION)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    founded_on = IsoDate(required=True)
    description = fields.String(validate=TEXT)
    lead = fields.Nested(LeadSchema, required=True)
    members = fields.List(fields.Nested(MemberSchema), load_default=list,
                          validate=validate.Length(max=MAX_MEMBERS),
                          metadata={"description": "members besides the lead"})


class StudioQuerySchema(PageQuery):
    unit = fields.String(validate=SHORT)
    level = fields.String(validate=validate.OneOf(LEVELS))
    status = fields.String(validate=validate.OneOf(STATUSES))
    industry_chain = fields.String(validate=NAME)
    min_stars = fields.Integer(validate=validate.Range(min=1, max=5))


class NewMembersSchema(Strict):
    members = fields.List(fields.Nested(MemberSchema), required=True,
                          validate=validate.Length(min=1, max=50))


class MemberLeavingSchema(Strict):
    reason = fields.String(required=True, validate=REASON)


class LeadChangeSchema(Strict):
    member_id = fields.String(required=True, validate=SHORT,
                              metadata={"description": "the member who leads from now on"})
    honour = fields.String(required=True, validate=validate.OneOf(HONOURS))
    reason = fields.String(required=True, validate=REASON)


class StudioStatusSchema(Strict):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES),
                           metadata={"description": "suspended, active again, or revoked (the "
                                                    "studio ends; its stars go with it)"})
    reason = fields.String(required=True, validate=REASON)


class StarRevocationSchema(Strict):
    """责令摘牌: a union orders the stars off."""
    reason = fields.String(required=True, validate=REASON)


# --- requests: alliances


class AllianceSchema(Strict):
    name = fields.String(required=True, validate=NAME)
    unit = fields.String(required=True, validate=SHORT)
    description = fields.String(validate=TEXT)
    members = fields.List(fields.String(validate=ID), required=True,
                          validate=validate.Length(min=MIN_MEMBERS, max=MAX_MEMBERS))
    convenor = fields.String(required=True, validate=ID,
                             metadata={"description": "the convening studio (盟主), a member"})


class AllianceQuerySchema(PageQuery):
    unit = fields.String(validate=SHORT)


class AllianceStudioSchema(Strict):
    studio_id = fields.String(required=True, validate=ID)


class JointProjectSchema(Strict):
    title = fields.String(required=True, validate=NAME)
    description = fields.String(validate=TEXT)
    studio_ids = fields.List(fields.String(validate=ID), required=True,
                             validate=validate.Length(min=MIN_MEMBERS, max=MAX_MEMBERS))
    started_on = IsoDate(required=True)


# --- requests: results


class ConfirmationSchema(Strict):
    """The financial department's confirmation of an economic benefit."""
    department = fields.String(required=True, validate=NAME)
    document_ref = fields.String(required=True, validate=NAME)
    confirmed_on = IsoDate(required=True)


class BenefitSchema(Strict):
    cost_saved = fields.Float(load_default=0, validate=MONEY, metadata={"description": "yuan"})
    value_created = fields.Float(load_default=0, validate=MONEY, metadata={"description": "yuan"})
    confirmation = fields.Nested(ConfirmationSchema, allow_none=True, load_default=None)


class DetailsSchema(Strict):
    """The fields of one kind or another; which a kind requires is checked at submission."""
    five_small_kind = fields.String(validate=validate.OneOf(FIVE_SMALL_KINDS),
                                    metadata={"description": "五小: " + ", ".join(
                                        f"{k} {v}" for k, v in FIVE_SMALL_KINDS.items())})
    problem = fields.String(validate=TEXT, metadata={"description": "攻关: the problem solved"})
    applied_since = IsoDate(metadata={"description": "先进操作法: in use since (a year at least)"})
    adopted_on = IsoDate(metadata={"description": "合理化建议: adopted by the enterprise on"})
    standard_number = fields.String(validate=SHORT)
    standard_level = fields.String(validate=validate.OneOf(STANDARD_LEVELS))


class ResultSchema(Strict):
    """An innovation result, written by the studio's lead (a draft until submitted)."""
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"description": ", ".join(f"{k} {v}" for k, v in KIND_NAMES.items())})
    title = fields.String(required=True, validate=NAME)
    description = fields.String(validate=TEXT)
    achieved_on = IsoDate(required=True, metadata={"description": "granted, finished or adopted on"})
    authors = fields.List(fields.String(validate=SHORT), required=True,
                          validate=validate.Length(min=1, max=20),
                          metadata={"description": "member ids, first author first"})
    details = fields.Nested(DetailsSchema, load_default=dict)
    patent_number = fields.String(allow_none=True, validate=validate.Length(max=32),
                                  metadata={"description": "patents: e.g. ZL202310123456.7"})
    economic_benefit = fields.Nested(BenefitSchema, load_default=dict)
    people_trained = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))
    converted = fields.Boolean(load_default=False, metadata={"description": "成果转化: put to use"})
    prior_award_level = fields.String(allow_none=True, validate=validate.OneOf(COMPETITION_LEVELS),
                                      metadata={"description": "the highest award it already won"})
    ip_dispute = fields.Boolean(load_default=False)


MAX_EVIDENCE = 20


class EvidenceSchema(Strict):
    """One evidence file (a certificate scan, a photo, a report): PDF, PNG, JPEG, WebP, DOCX or
    XLSX, checked by its content, at most 10 MiB."""
    file = UploadField(required=True)


class ResultQuerySchema(PageQuery):
    status = fields.String(validate=validate.OneOf(RESULT_STATUSES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    studio_id = fields.String(validate=ID)
    year = fields.Integer(validate=validate.Range(min=1949, max=2100))


class ReviewSchema(Strict):
    action = fields.String(required=True, validate=validate.OneOf(list(REVIEW_STEPS)),
                           metadata={"description": "start_review, verify, return (for rework), "
                                                    "reject, or duplicate (of `duplicate_of`)"})
    comment = fields.String(required=True, validate=COMMENT)
    duplicate_of = fields.String(validate=ID)


# --- requests: rating rounds


class PeriodSchema(Strict):
    from_ = IsoDate(required=True, data_key="from", attribute="from")
    to = IsoDate(required=True)


class RoundSchema(Strict):
    """A yearly rating round of a union's active studios."""
    name = fields.String(required=True, validate=NAME)
    unit = fields.String(required=True, validate=SHORT)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    period = fields.Nested(PeriodSchema, required=True,
                           metadata={"description": "verified results achieved within it count"})
    notice_days = fields.Integer(validate=validate.Range(min=1, max=30),
                                 metadata={"description": "length of the public notice (公示); "
                                                          "default from the configuration (7)"})


class NoticeSchema(Strict):
    closes_at = Timestamp(metadata={"description": "when the public notice closes (ISO 8601); "
                                                   "default: the round's notice_days from now"})


class RoundQuerySchema(PageQuery):
    unit = fields.String(validate=SHORT)


class ExpertScoreSchema(Strict):
    expert = fields.String(required=True, validate=validate.Length(min=1, max=100))
    score = fields.Float(required=True, validate=validate.Range(min=0, max=100))


class PanelScoresSchema(Strict):
    """Each expert's score of one panel item (expert review, site visit...) of one studio."""
    studio_id = fields.String(required=True, validate=ID)
    item = fields.String(required=True, validate=SHORT)
    scores = fields.List(fields.Nested(ExpertScoreSchema), required=True,
                         validate=validate.Length(min=1, max=15))


class ObjectionSchema(Strict):
    """A signed objection to a proposed rating (the objector's identity is kept confidential)."""
    text = fields.String(required=True, validate=validate.Length(min=5, max=2000))


class ObjectionAnswerSchema(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(["dismissed", "upheld"]),
                             metadata={"description": "upheld withdraws the proposed rating"})
    text = fields.String(required=True, validate=COMMENT)


# --- responses


class MemberViewSchema(Out):
    member_id = fields.String(required=True)
    name = fields.String(required=True)
    id_number_masked = MaskedIdNumber(required=True)
    position = fields.String()
    enterprise_head = fields.Boolean()
    joined_on = fields.String()
    left_on = fields.String()
    left_because = fields.String()


class LeadViewSchema(Out):
    member_id = fields.String(required=True)
    name = fields.String(required=True)
    honour = fields.String(required=True)


class RatingSummarySchema(Out):
    rating_id = fields.String(required=True)
    round_id = fields.String(required=True)
    round_name = fields.String(required=True)
    year = fields.Integer(required=True)
    stars = fields.Integer(required=True)
    points = fields.Float(required=True)
    outcome = fields.String(required=True)
    effective_at = Timestamp(required=True)
    revoked = fields.Dict()


class HistoryEntrySchema(Out):
    at = Timestamp(required=True)
    by = fields.String(required=True)
    role = fields.String(required=True)
    action = fields.String(required=True)
    reason = fields.String()
    details = fields.Dict()


class StudioViewSchema(Out):
    id = fields.String(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    enterprise = fields.String(required=True)
    industry_chain = fields.String(required=True)
    region_code = fields.String(required=True)
    level = fields.String(required=True)
    founded_on = fields.String(required=True)
    description = fields.String()
    lead = fields.Nested(LeadViewSchema, required=True)
    status = fields.String(required=True)
    status_reason = fields.String(allow_none=True)
    stars = fields.Integer(required=True)
    rating = fields.Nested(RatingSummarySchema, allow_none=True)
    members = fields.List(fields.Nested(MemberViewSchema))
    former_members = fields.List(fields.Nested(MemberViewSchema))
    member_count = fields.Integer(required=True)
    history = fields.List(fields.Nested(HistoryEntrySchema))
    revision = fields.Integer(required=True)


class PublicStudioSchema(Out):
    """A rated studio as the public sees it: no personal data beyond the lead's name."""
    id = fields.String(required=True)
    name = fields.String(required=True)
    enterprise = fields.String(required=True)
    industry_chain = fields.String(required=True)
    region_code = fields.String(required=True)
    level = fields.String(required=True)
    lead_name = fields.String(required=True)
    lead_honour = fields.String(required=True)
    stars = fields.Integer(required=True)
    round_name = fields.String(required=True)
    year = fields.Integer(required=True)


class ProjectViewSchema(Out):
    project_id = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String()
    studio_ids = fields.List(fields.String(), required=True)
    started_on = fields.String(required=True)


class ConvenorTermSchema(Out):
    studio_id = fields.String(required=True)
    # "from" is a Python keyword: the attribute is named apart from the field.
    from_ = Timestamp(required=True, data_key="from", attribute="from")
    until = Timestamp(allow_none=True)


class AllianceViewSchema(Out):
    id = fields.String(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    description = fields.String()
    members = fields.List(fields.String(), required=True)
    convenor = fields.String(required=True)
    convenors = fields.List(fields.Nested(ConvenorTermSchema), required=True)
    projects = fields.List(fields.Nested(ProjectViewSchema), required=True)
    history = fields.List(fields.Nested(HistoryEntrySchema))
    revision = fields.Integer(required=True)


class AuthorViewSchema(Out):
    member_id = fields.String(required=True)
    name = fields.String(required=True)
    id_number_masked = MaskedIdNumber(required=True)


class ReviewEntrySchema(Out):
    at = Timestamp(required=True)
    by = fields.String(required=True)
    action = fields.String(required=True)
    comment = fields.String(required=True)
    duplicate_of = fields.String()


class SimilarResultSchema(Out):
    result_id = fields.String(required=True)
    title = fields.String(required=True)
    studio_id = fields.String(required=True)
    similarity = fields.Float(required=True)


class BenefitViewSchema(Out):
    cost_saved = fields.Float(required=True)
    value_created = fields.Float(required=True)
    confirmation = fields.Dict(allow_none=True)


class ResultViewSchema(Out):
    id = fields.String(required=True)
    studio_id = fields.String(required=True)
    studio_name = fields.String(required=True)
    enterprise = fields.String(required=True)
    kind = fields.String(required=True)
    kind_name = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String()
    achieved_on = fields.String(required=True)
    year = fields.Integer(required=True)
    authors = fields.List(fields.Nested(AuthorViewSchema), required=True)
    details = fields.Dict(required=True)
    patent_number = fields.String(allow_none=True)
    economic_benefit = fields.Nested(BenefitViewSchema, required=True)
    people_trained = fields.Integer(required=True)
    converted = fields.Boolean(required=True)
    prior_award_level = fields.String(allow_none=True)
    ip_dispute = fields.Boolean(required=True)
    evidence = fields.List(fields.Nested(StoredFileOut), required=True)
    status = fields.String(required=True)
    reviews = fields.List(fields.Nested(ReviewEntrySchema), required=True)
    duplicate_of = fields.String(allow_none=True)
    near_duplicates = fields.List(fields.Nested(SimilarResultSchema), required=True)
    allowed_actions = fields.List(fields.String(), required=True)
    verified_at = Timestamp()
    created_at = Timestamp(required=True)
    revision = fields.Integer(required=True)


class RoundViewSchema(Out):
    id = fields.String(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    year = fields.Integer(required=True)
    period = fields.Dict(required=True)
    notice_days = fields.Integer(required=True)
    status = fields.String(required=True)
    notice = fields.Dict(allow_none=True)
    studio_count = fields.Integer(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "ratings by status"})
    rubric = fields.Dict(required=True)
    thresholds = fields.Dict(required=True)
    history = fields.List(fields.Nested(HistoryEntrySchema))
    revision = fields.Integer(required=True)


class CategoryPointsSchema(Out):
    category = fields.String(required=True)
    name = fields.String(required=True)
    points = fields.Float(required=True)
    max_points = fields.Float(required=True)


class ItemPointsSchema(CategoryPointsSchema):
    item = fields.String(required=True)
    basis = fields.String(required=True)
    counted = fields.List(fields.String(), required=True,
                          metadata={"description": "ids of the results the item counted"})


class ProposalSchema(Out):
    points = fields.Float(required=True)
    stars = fields.Integer(required=True)
    previous_stars = fields.Integer(allow_none=True)
    outcome = fields.String(required=True)
    complete = fields.Boolean(required=True)
    missing_panel = fields.List(fields.String(), required=True)
    revocation = fields.Dict(allow_none=True, metadata={
        "description": "a 复评 below every star: the automatic revocation it brings"})
    categories = fields.List(fields.Nested(CategoryPointsSchema), required=True)
    items = fields.List(fields.Nested(ItemPointsSchema), required=True)


class ObjectionViewSchema(Out):
    objection_id = fields.String(required=True)
    filed_at = Timestamp(required=True)
    text = fields.String(required=True)
    answer = fields.Dict(allow_none=True)
    filer = fields.Dict(metadata={"description": "admins only: the objector is kept confidential"})


class RatingViewSchema(Out):
    id = fields.String(required=True)
    round_id = fields.String(required=True)
    studio_id = fields.String(required=True)
    studio_name = fields.String(required=True)
    status = fields.String(required=True)
    proposal = fields.Nested(ProposalSchema, allow_none=True)
    panel_scores = fields.Dict()
    objections = fields.List(fields.Nested(ObjectionViewSchema))
    effective_at = Timestamp(allow_none=True)
    withdrawn = fields.Dict(metadata={"description": "why a proposal never took effect, and when"})
    revision = fields.Integer(required=True)


class NoticeEntrySchema(Out):
    rating_id = fields.String(required=True)
    studio_name = fields.String(required=True)
    enterprise = fields.String(required=True)
    stars = fields.Integer(required=True)
    points = fields.Float(required=True)
    outcome = fields.String(required=True)
    status = fields.String(required=True)
    categories = fields.List(fields.Nested(CategoryPointsSchema), required=True)


class PublicNoticeSchema(Out):
    """The public notice (公示) of a round's proposed ratings."""
    round_id = fields.String(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    status = fields.String(required=True)
    notice = fields.Dict(required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    items = fields.List(fields.Nested(NoticeEntrySchema), required=True)


StudioPageSchema = page_of(StudioViewSchema)
RoundPageSchema = page_of(RoundViewSchema)
RatingPageSchema = page_of(RatingViewSchema)
PublicStudioPageSchema = page_of(PublicStudioSchema)
AlliancePageSchema = page_of(AllianceViewSchema)
ResultPageSchema = page_of(ResultViewSchema)


# --- reports


class StudioReportQuerySchema(Strict):
    """What the yearly report counts: studios as they stand, their verified results of a year."""
    unit = fields.String(validate=SHORT, metadata={
        "description": "the union reported on; the union's own callers: any (default: every "
                       "unit); an organiser: their own (another unit is a 403)"})
    year = fields.Integer(validate=validate.Range(min=1949, max=2100), metadata={
        "description": "count the results achieved in this year (default: every year); studios "
                       "are counted as they stand"})
    industry_chain = fields.String(validate=NAME, metadata={"description": "only this chain's studios"})
    group_by = fields.List(
        fields.String(validate=validate.OneOf(REPORT_GROUPINGS)),
        load_default=lambda: list(REPORT_GROUPINGS),
        validate=validate.Length(min=1, max=len(REPORT_GROUPINGS)),
        metadata={"description": "the groupings, a table each, in this order (repeat the "
                                 "parameter for several; default all four); a studio's lead "
                                 "gets the row of their own studio only"})


# Counts keyed by level, by stars ("0" to "5") and by kind of patent, as the domain keys them.
LevelCountsSchema = Out.from_dict({level: fields.Integer(required=True) for level in LEVELS},
                                  name="LevelCountsSchema")
StarCountsSchema = Out.from_dict({str(stars): fields.Integer(required=True) for stars in REPORT_STARS},
                                 name="StarCountsSchema")
PatentCountsSchema = Out.from_dict({kind: fields.Integer(required=True)
                                    for kind in REPORT_PATENTS.values()}, name="PatentCountsSchema")


class StudioReportRowSchema(Out):
    """The counts of one group of studios (or of all, in ``totals``)."""
    key = fields.String(required=True, metadata={
        "description": "studio or alliance id, industry chain, region code; `total` for the totals"})
    label = fields.String(required=True, metadata={"description": "what the row is called"})
    studios = fields.Integer(required=True)
    studios_by_level = fields.Nested(LevelCountsSchema, required=True,
                                     metadata={"description": "enterprise (企业级) to national (国家级)"})
    studios_by_stars = fields.Nested(StarCountsSchema, required=True, metadata={
        "description": "by the stars held now: \"0\" (no rating, or its stars revoked) to \"5\""})
    verified_results = fields.Integer(required=True)
    patents = fields.Integer(required=True)
    patents_by_kind = fields.Nested(PatentCountsSchema, required=True, metadata={
        "description": "invention 发明专利, utility 实用新型专利, design 外观设计专利"})
    problems_solved = fields.Integer(required=True, metadata={"description": "技术攻关 results"})
    five_small = fields.Integer(required=True, metadata={"description": "五小 results"})
    results_converted = fields.Integer(required=True, metadata={"description": "成果转化"})
    cost_saved = fields.Float(required=True, metadata={
        "description": "yuan, confirmed by the financial department only"})
    value_created = fields.Float(required=True, metadata={
        "description": "yuan, confirmed by the financial department only"})
    people_trained = fields.Integer(required=True)


class StudioReportGroupingSchema(Out):
    group_by = fields.String(required=True, metadata={"enum": list(REPORT_GROUPINGS)})
    rows = fields.List(fields.Nested(StudioReportRowSchema), required=True,
                       metadata={"description": "ordered by label"})


class StudioReportFiltersSchema(Out):
    unit = fields.String()
    year = fields.Integer()
    industry_chain = fields.String()


class StudioReportSchema(Out):
    """The counts unions publish (studios by level and stars, patents, 攻关, 五小, results
    converted, savings, people trained), a table per grouping."""
    generated_at = Timestamp(required=True)
    filters = fields.Nested(StudioReportFiltersSchema, required=True,
                            metadata={"description": "what was reported on"})
    group_by = fields.List(fields.String(), required=True)
    groupings = fields.List(fields.Nested(StudioReportGroupingSchema), required=True)
    totals = fields.Nested(StudioReportRowSchema, required=True, metadata={
        "description": "every studio and every result once, whatever the grouping: a studio in "
                       "several alliances counts in each alliance's row but once here, one in "
                       "none in no alliance's row"})
