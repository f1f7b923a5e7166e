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
    """A part of the event scored on its own (theory 理论, practical 实操), 0-100, and its weight in
    the total."""
    key = fields.String(required=True, validate=ID)
    name = fields.String(required=True, validate=NAME)
    weight = fields.Float(required=True, validate=validate.Range(min=0, max=100), metadata={
        "description": "percent of the total; the weights add up to 100 (default: theory 30, practical 70)"})


class ToleranceBandSchema(Strict):
    deviation = fields.Float(required=True, validate=validate.Range(min=0))
    fraction = fields.Float(required=True, validate=validate.Range(min=0, max=1, min_inclusive=False))


class AspectSchema(Strict):
    """What a judge marks. A judgement aspect: each judge gives a level 0-3 (each described in
    ``levels``) and it is worth max_mark x level / 3, the level averaged over the judges as the
    judging rules say. A measurement aspect: full marks or zero; with ``graded``, any mark from 0
    to max_mark (a theory paper's score); with ``nominal`` and ``tolerance_bands``, the judge
    enters the measured value and the mark is max_mark x the fraction of the first band it falls
    within, else 0."""
    id = fields.String(required=True, validate=ID)
    kind = fields.String(required=True, validate=validate.OneOf(["measurement", "judgement"]))
    description = fields.String(required=True, validate=NAME)
    max_mark = fields.Float(required=True, validate=validate.Range(min=0, max=1000, min_inclusive=False))
    graded = fields.Boolean(metadata={"description": "measurement: any mark from 0 to max_mark"})
    nominal = fields.Float(metadata={"description": "measurement with tolerance bands: the value aimed at"})
    tolerance_bands = fields.List(fields.Nested(ToleranceBandSchema), validate=validate.Length(max=10),
                                  metadata={"description": "narrowest first: |measured - nominal| <= "
                                                           "deviation earns fraction x max_mark"})
    levels = fields.Dict(keys=fields.String(validate=validate.OneOf(["0", "1", "2", "3"])),
                         values=fields.String(validate=TEXT),
                         metadata={"description": "judgement: what each level 0-3 means"})


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
    """The WorldSkills CIS shape: criterion, sub-criterion, aspect. A component's score is the sum
    of its aspects' marks as a percentage of their maximum; the total is the weighted sum of the
    components; scores are kept to four decimals, halves rounded up."""
    components = fields.List(fields.Nested(ComponentSchema), validate=validate.Length(min=1, max=5))
    criteria = fields.List(fields.Nested(CriterionSchema), required=True,
                           validate=validate.Length(min=1, max=50))


class JudgingRulesSchema(Strict):
    """How the judges' levels on a judgement aspect become one (a trimmed mean). A measurement
    aspect marked by several judges who differ is flagged, and the lower median of their marks
    counts."""
    drop_extremes_from = fields.Integer(validate=validate.Range(min=0, max=50), metadata={
        "description": "with at least this many judges on an aspect (default 5), one highest and one "
                       "lowest level are dropped and the rest averaged; with fewer, every level is "
                       "averaged and nothing dropped; 0: never drop"})
    max_spread = fields.Integer(validate=validate.Range(min=0, max=3), metadata={
        "description": "an aspect whose levels spread wider than this (default 1) is flagged for "
                       "review; its marks still count"})


class StandardisationSchema(Strict):
    """WorldSkills-style scaled scores shown beside the raw totals (ranks, prizes and certificates
    follow the raw totals): the field's median at ``median``, one standard deviation of the field
    ``spread`` points; a finalist at or above ``excellence`` reaches the excellence threshold."""
    median = fields.Float(validate=validate.Range(min=0, max=1000), metadata={"description": "default 700"})
    spread = fields.Float(validate=validate.Range(min=0, max=500, min_inclusive=False),
                          metadata={"description": "points per standard deviation; default 20"})
    excellence = fields.Float(validate=validate.Range(min=0, max=1000), metadata={"description": "default 700"})


class RankingRulesSchema(Strict):
    """Entries rank by total, highest first (complete entries only, in results)."""
    tie_break = fields.List(
        fields.String(validate=validate.Regexp(r"^(completion_time|component:[A-Za-z0-9_.\-]{1,64})$")),
        validate=validate.Length(max=5), metadata={
            "description": "entries equal on the total are separated by these, in order: "
                           "completion_time (shorter first, none recorded last) and component:<key> "
                           "(higher first); default completion_time, component:practical, "
                           "component:theory. Entries still equal share the rank and the next rank "
                           "skips (1, 1, 3)"})
    standardisation = fields.Nested(StandardisationSchema, allow_none=True, metadata={
        "description": "optional: scaled scores beside the raw totals; unset or null: none"})


class PrizeBandSchema(Strict):
    prize = fields.String(required=True, validate=validate.OneOf(PRIZES), metadata={
        "description": "first 一等奖, second 二等奖, third 三等奖, honourable 优胜奖"})
    share = fields.Float(validate=validate.Range(min=0, max=100, min_inclusive=False), metadata={
        "description": "basis share: percent of the finalists; the band holds that share rounded "
                       "down (10 % of 25 finalists is 2)"})
    count = fields.Integer(validate=validate.Range(min=1, max=100000), metadata={
        "description": "basis count: how many the band holds"})


class PrizesSchema(Strict):
    """Prize bands, best first, filled in rank order. A group of tied entries enters a band only
    if the whole group fits in what is left of it; otherwise the band closes and the group tries
    the next. So no band holds more than its size, tied entries always share a prize, and a worse
    rank never gets a better prize. Default: share 10 / 20 / 30 %."""
    basis = fields.String(required=True, validate=validate.OneOf(["share", "count"]))
    bands = fields.List(fields.Nested(PrizeBandSchema), required=True, validate=validate.Length(min=1, max=4))


class TitleRuleSchema(Strict):
    """A title (技术能手, say) for ranks 1 to ``top``, tied entries alike."""
    title = fields.String(required=True, validate=NAME)
    top = fields.Integer(required=True, validate=validate.Range(min=1, max=100000))


class PromotionRuleSchema(Strict):
    """A skill-level promotion (晋升) for ranks from_rank to to_rank: a better range never earns a
    lower level. The promotion is the finalist's certificate too, and needs the pass mark in every
    component unless promotion_requires_pass is false."""
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
    promotion_requires_pass = fields.Boolean(metadata={
        "description": "true (the default): a finalist ranked within a promotion range is promoted "
                       "only with the pass mark in every component; false: the rank alone promotes"})


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


MAX_SHEET_MARKS = 500


class SheetMarkSchema(MarkSchema):
    client_id = fields.String(required=True, validate=SHORT, metadata={
        "description": "made by the judge's device, unique per mark: a mark resent with the same "
                       "client id is already taken and changes nothing"})


class SheetSchema(Strict):
    """A judge's sheet: every aspect of one entry, or one aspect of every entry, or any mix, at
    most 500 marks, each entry and aspect at most once. The marks of one entry are taken together
    or not at all; the answer lists the marks taken and those refused, each with why."""

    marks = fields.List(fields.Nested(SheetMarkSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_SHEET_MARKS),
                        metadata={"description": f"at most {MAX_SHEET_MARKS} marks"})

    @validates_schema
    def each_mark_once(self, data, **kwargs):
        # Two marks for one aspect of one entry would leave which one stands to chance.
        client_ids, marked, errors = set(), set(), {}
        for position, mark in enumerate(data["marks"]):
            at_fault = errors.setdefault(position, {})
            if mark["client_id"] in client_ids:
                at_fault["client_id"] = ["another mark of this sheet has this client id"]
            if (mark["entry_code"], mark["aspect_id"]) in marked:
                at_fault["aspect_id"] = ["this sheet already marks this aspect of this entry"]
            client_ids.add(mark["client_id"])
            marked.add((mark["entry_code"], mark["aspect_id"]))
        errors = {position: fault for position, fault in errors.items() if fault}
        if errors:
            raise ValidationError({"marks": errors})


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


class SheetMarkTakenSchema(Out):
    client_id = fields.String(required=True)
    entry_code = fields.String(required=True)
    aspect_id = fields.String(required=True)
    value = fields.Float(required=True, allow_none=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["taken", "unchanged", "already_taken"]),
                            metadata={"description": "taken: the mark changed; unchanged: it already "
                                                     "had this value; already_taken: a mark with this "
                                                     "client id was taken before (a resend)"})


class SheetMarkRefusedSchema(Out):
    client_id = fields.String(required=True)
    entry_code = fields.String(required=True)
    aspect_id = fields.String(required=True)
    error = fields.String(required=True, metadata={
        "description": "what the same mark sent alone would get (bad_request, forbidden, not_found, "
                       "conflict), or held_back: another mark of its entry was refused"})
    message = fields.String(required=True)


class SheetReceiptSchema(Out):
    competition_id = fields.String(required=True)
    event_id = fields.String(required=True)
    taken = fields.List(fields.Nested(SheetMarkTakenSchema), required=True)
    refused = fields.List(fields.Nested(SheetMarkRefusedSchema), required=True)


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
    client_id = fields.String(metadata={"description": "the client id of a mark sent on a sheet"})
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
    scaled_score = fields.Float(allow_none=True, metadata={
        "description": "standardised, where the event asks for it; complete entries only"})
    excellent = fields.Boolean(allow_none=True, metadata={"description": "at or above the excellence threshold"})
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
    scaled_score = fields.Float(allow_none=True, metadata={
        "description": "standardised, where the event asks for it (ranking.standardisation)"})
    excellent = fields.Boolean(allow_none=True, metadata={"description": "at or above the excellence threshold"})
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
