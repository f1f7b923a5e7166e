"""The competitions service's public API: what it accepts and what it answers, in marshmallow.

The gateway imports this module and nothing else of the service: it validates requests with the
request schemas (unknown fields rejected, sizes bounded), dumps the service's views through the
response schemas, and documents both in OpenAPI.

Personal data: no response schema has a field for a full ID number. Entries carry the masked form
only, under ``id_number_masked``, and the field masks again on the way out.
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from common.errors import BadRequest
from common.schemas import (MaskedIdNumber, Out, PageQuery, SpreadsheetField, Strict, Timestamp,
                            page_of)
from common.vocabulary import COMPETITION_LEVELS, PRIZES, SKILL_LEVELS

NAME = validate.Length(min=1, max=200)
SHORT = validate.Length(min=1, max=64)
TEXT = validate.Length(max=2000)
ID = validate.Regexp(r"^[A-Za-z0-9_.\-]{1,64}$", error="Use 1-64 letters, digits, '.', '_' or '-'.")


# --- requests


class ComponentSchema(Strict):
    key = fields.String(required=True, validate=ID)
    name = fields.String(required=True, validate=NAME)
    weight = fields.Float(required=True, validate=validate.Range(min=0, max=100))


class ToleranceBandSchema(Strict):
    deviation = fields.Float(required=True, validate=validate.Range(min=0))
    fraction = fields.Float(required=True, validate=validate.Range(min=0, max=1, min_inclusive=False))


class AspectSchema(Strict):
    id = fields.String(required=True, validate=ID)
    kind = fields.String(required=True, validate=validate.OneOf(["measurement", "judgement"]))
    description = fields.String(required=True, validate=NAME)
    max_mark = fields.Float(required=True, validate=validate.Range(min=0, max=1000, min_inclusive=False))
    graded = fields.Boolean()
    nominal = fields.Float()
    tolerance_bands = fields.List(fields.Nested(ToleranceBandSchema), validate=validate.Length(max=10))
    levels = fields.Dict(keys=fields.String(validate=validate.OneOf(["0", "1", "2", "3"])),
                         values=fields.String(validate=TEXT))


class SubCriterionSchema(Strict):
    id = fields.String(required=True, validate=ID)
    name = fields.String(required=True, validate=NAME)
    aspects = fields.List(fields.Nested(AspectSchema), required=True,
                          validate=validate.Length(min=1, max=200))


class CriterionSchema(Strict):
    id = fields.String(required=True, validate=ID)
    name = fields.String(required=True, validate=NAME)
    component = fields.String(required=True, validate=ID)
    sub_criteria = fields.List(fields.Nested(SubCriterionSchema), required=True,
                               validate=validate.Length(min=1, max=50))


class MarkingSchemeSchema(Strict):
    components = fields.List(fields.Nested(ComponentSchema), validate=validate.Length(min=1, max=5))
    criteria = fields.List(fields.Nested(CriterionSchema), required=True,
                           validate=validate.Length(min=1, max=50))


class JudgingRulesSchema(Strict):
    drop_extremes_from = fields.Integer(validate=validate.Range(min=0, max=50))
    max_spread = fields.Integer(validate=validate.Range(min=0, max=3))


class RankingRulesSchema(Strict):
    tie_break = fields.List(
        fields.String(validate=validate.Regexp(r"^(completion_time|component:[A-Za-z0-9_.\-]{1,64})$")),
        validate=validate.Length(max=5))


class PrizeBandSchema(Strict):
    prize = fields.String(required=True, validate=validate.OneOf(PRIZES))
    share = fields.Float(validate=validate.Range(min=0, max=100, min_inclusive=False))
    count = fields.Integer(validate=validate.Range(min=1, max=100000))


class PrizesSchema(Strict):
    basis = fields.String(required=True, validate=validate.OneOf(["share", "count"]))
    bands = fields.List(fields.Nested(PrizeBandSchema), required=True, validate=validate.Length(min=1, max=4))


class TitleRuleSchema(Strict):
    title = fields.String(required=True, validate=NAME)
    top = fields.Integer(required=True, validate=validate.Range(min=1, max=100000))


class PromotionRuleSchema(Strict):
    from_rank = fields.Integer(required=True, validate=validate.Range(min=1))
    to_rank = fields.Integer(required=True, validate=validate.Range(min=1))
    level = fields.String(required=True, validate=validate.OneOf(SKILL_LEVELS))


class CertificateRuleSchema(Strict):
    """Finalists who reach the pass mark in every component get a skill-level certificate."""
    level = fields.String(allow_none=True, validate=validate.OneOf(SKILL_LEVELS), metadata={
        "description": "the certificate's level; unset or null: the event's skill_level"})
    pass_mark = fields.Float(validate=validate.Range(min=0, max=100),
                             metadata={"description": "in every component, 0-100; default 60"})
    issue = fields.Boolean(metadata={
        "description": "false: the event issues no certificates (promotions are still awarded); "
                       "default true"})


class AwardRulesSchema(Strict):
    prizes = fields.Nested(PrizesSchema)
    titles = fields.List(fields.Nested(TitleRuleSchema), validate=validate.Length(max=10))
    promotions = fields.List(fields.Nested(PromotionRuleSchema), validate=validate.Length(max=10))
    certificate = fields.Nested(CertificateRuleSchema)


class EligibilityRulesSchema(Strict):
    trade_must_match = fields.Boolean()
    min_level = fields.String(validate=validate.OneOf(SKILL_LEVELS))
    max_level = fields.String(validate=validate.OneOf(SKILL_LEVELS))
    max_age = fields.Integer(validate=validate.Range(min=16, max=80))
    quota_per_enterprise = fields.Integer(validate=validate.Range(min=1, max=100000))


class TradeEventSchema(Strict):
    """One trade event (竞赛项目) of a competition, with its own rules."""
    trade = fields.String(required=True, validate=NAME)
    name = fields.String(validate=NAME)
    skill_level = fields.String(validate=validate.OneOf(SKILL_LEVELS), metadata={
        "description": "the skill level the event is held at (组别) and certifies: finalists who "
                       "pass get its certificate unless the award rules say otherwise; default 高级工"})
    eligibility = fields.Nested(EligibilityRulesSchema)
    marking_scheme = fields.Nested(MarkingSchemeSchema)
    judging = fields.Nested(JudgingRulesSchema)
    ranking = fields.Nested(RankingRulesSchema)
    awards = fields.Nested(AwardRulesSchema)


class TradeEventPatchSchema(TradeEventSchema):
    """A PATCH of a trade event: any of its fields may be left out, but one that is given is
    checked whole, as a POST checks it. Only the top-level fields are partial: marshmallow's
    ``partial=True`` would make the required fields of nested objects optional too."""

    def __init__(self, **kwargs):
        kwargs.setdefault("partial", tuple(TradeEventSchema._declared_fields))
        super().__init__(**kwargs)


class CompetitionSchema(Strict):
    name = fields.String(required=True, validate=NAME)
    level = fields.String(required=True, validate=validate.OneOf(COMPETITION_LEVELS))
    industry_chain = fields.String(required=True, validate=NAME)
    organising_unit = fields.String(validate=ID)  # defaults to the organiser's own unit
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    description = fields.String(validate=TEXT)
    events = fields.List(fields.Nested(TradeEventSchema), validate=validate.Length(max=100))


class OfficialsSchema(Strict):
    chief_judge = fields.String(validate=ID)
    supervisor = fields.String(validate=ID)


class StatusChangeSchema(Strict):
    action = fields.String(required=True, validate=validate.OneOf(
        ["open_registration", "close_registration", "start_marking", "reopen_marking", "cancel"]))
    reason = fields.String(validate=TEXT)


class WorkerSchema(Strict):
    """A worker registering for a trade event."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    id_number = fields.String(required=True, validate=validate.Length(min=18, max=18))
    employer = fields.String(required=True, validate=NAME)
    trade = fields.String(required=True, validate=NAME)
    skill_level = fields.String(required=True, validate=validate.OneOf(SKILL_LEVELS))
    phone = fields.String(validate=validate.Regexp(r"^\+?[0-9\- ]{5,20}$"))


class EntryDecisionSchema(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject", "withdraw"]))
    reason = fields.String(validate=validate.Length(min=1, max=500))

    @validates_schema
    def reason_for_refusals(self, data, **kwargs):
        if data["decision"] != "approve" and not data.get("reason"):
            raise ValidationError("A reason is required to reject or withdraw an entry.", "reason")


class JudgeSchema(Strict):
    judge_id = fields.String(required=True, validate=ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    enterprise = fields.String(required=True, validate=NAME)


class MarkSchema(Strict):
    entry_code = fields.String(required=True, validate=SHORT)
    aspect_id = fields.String(required=True, validate=ID)
    value = fields.Float(required=True, allow_nan=False)
    reason = fields.String(validate=validate.Length(max=500))


class CompletionTimeSchema(Strict):
    entry_code = fields.String(required=True, validate=SHORT)
    seconds = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, max=7 * 24 * 3600))
    reason = fields.String(validate=validate.Length(max=500))


class CorrectionSchema(Strict):
    """An explicit correction of published results: the marks that change and why."""
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    event_id = fields.String(required=True, validate=ID)
    marks = fields.List(fields.Nested(lambda: CorrectedMarkSchema()), required=True,
                        validate=validate.Length(min=1, max=1000))


class CorrectedMarkSchema(Strict):
    entry_code = fields.String(required=True, validate=SHORT)
    aspect_id = fields.String(required=True, validate=ID)
    judge_id = fields.String(required=True, validate=ID)
    value = fields.Float(required=True, allow_nan=False)


class PageSchema(PageQuery):
    """A page of a list, optionally of one status only."""
    status = fields.String(validate=SHORT)


# --- responses


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


CompetitionPageSchema = page_of(CompetitionSummarySchema)


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


EntryPageSchema = page_of(EntryViewSchema)


# --- registration by spreadsheet: the gateway reads the file, the service checks every row

MAX_SHEET_ROWS = 5000
MAX_SHEET_BYTES = 5 * 1024 * 1024
# The template's columns, (header, WorkerSchema field), in its order; headers are Chinese, as
# organisers fill them in.
SHEET_COLUMNS = (("姓名", "name"), ("身份证号", "id_number"), ("工作单位", "employer"),
                 ("工种", "trade"), ("技能等级", "skill_level"), ("手机号", "phone"))
OPTIONAL_COLUMNS = ("手机号",)
COLUMN_OF_FIELD = {field: header for header, field in SHEET_COLUMNS}
# The age limit is read from the birth date in the ID number.
COLUMN_OF_FIELD["birth_date"] = COLUMN_OF_FIELD["id_number"]


def sheet_workers(headers, rows):
    """The workers of a table read from a sheet (common.spreadsheets.read_table), one
    ``{"row": number, field: text}`` each, blank cells left out for WorkerSchema to name; a
    BadRequest naming the template's columns that are missing or repeated."""
    positions = {}
    problems = {}
    for position, header in enumerate(headers):
        if header in COLUMN_OF_FIELD.values():
            if header in positions:
                problems[header] = ["the column appears twice"]
            positions[header] = position
    for header, _ in SHEET_COLUMNS:
        if header not in positions and header not in OPTIONAL_COLUMNS:
            problems[header] = ["the template's column is missing"]
    if problems:
        raise BadRequest("the sheet's header row is not the template's", problems)
    return [{"row": number, **{field: values[positions[header]] for header, field in SHEET_COLUMNS
                               if header in positions and values[positions[header]]}}
            for number, values in rows]


class EntrySheetFormSchema(Strict):
    """An upload of workers, filled in from the template."""
    file = SpreadsheetField(required=True, max_bytes=MAX_SHEET_BYTES)


class SheetWorkerSchema(Strict):
    """One row of a sheet as read, ID number sealed; checked row by row by the service, so that
    every row's errors are answered."""
    row = fields.Integer(required=True, validate=validate.Range(min=1))
    name = fields.String()
    id_number = fields.String()
    employer = fields.String()
    trade = fields.String()
    skill_level = fields.String()
    phone = fields.String()


class EntrySheetSchema(Strict):
    workers = fields.List(fields.Nested(SheetWorkerSchema), required=True,
                          validate=validate.Length(max=MAX_SHEET_ROWS))


class SheetErrorSchema(Out):
    row = fields.Integer(required=True, metadata={"description": "the row number as the spreadsheet shows it"})
    column = fields.String(required=True, metadata={"example": "身份证号"})
    message = fields.String(required=True)


# A worker as an entry shows them, before there is an entry.
PreviewedWorkerSchema = Out.from_dict(
    {key: EntryViewSchema._declared_fields[key]
     for key in ("name", "id_number_masked", "employer", "trade", "skill_level")},
    name="PreviewedWorkerSchema")


class SheetWorkerViewSchema(Out):
    row = fields.Integer(required=True)
    worker = fields.Nested(PreviewedWorkerSchema, required=True)


class SheetPreviewSchema(Out):
    rows = fields.Integer(required=True, metadata={"description": "rows read under the header"})
    valid = fields.Integer(required=True, metadata={"description": "rows a confirmation would register"})
    errors = fields.List(fields.Nested(SheetErrorSchema), required=True)
    workers = fields.List(fields.Nested(SheetWorkerViewSchema), required=True,
                          metadata={"description": "the valid rows, ID numbers masked"})


class SheetImportSchema(Out):
    rows = fields.Integer(required=True)
    registered_rows = fields.List(fields.Integer(), required=True)
    already_registered_rows = fields.List(
        fields.Integer(), required=True,
        metadata={"description": "rows whose worker was registered in the event already: left as they were"})
    errors = fields.List(fields.Nested(SheetErrorSchema), required=True,
                         metadata={"description": "rows not registered, and why"})


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
