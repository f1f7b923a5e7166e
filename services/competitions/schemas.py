"""What the competitions service accepts, in marshmallow: the gateway validates requests with
these same schemas and documents them in OpenAPI. Unknown fields are rejected, sizes bounded."""
from marshmallow import RAISE, Schema, fields, validate, validates_schema, ValidationError

from common.skill_levels import SKILL_LEVELS

LEVELS = ("enterprise", "county", "city", "provincial", "national")
NAME = validate.Length(min=1, max=200)
SHORT = validate.Length(min=1, max=64)
TEXT = validate.Length(max=2000)
ID = validate.Regexp(r"^[A-Za-z0-9_.\-]{1,64}$", error="Use 1-64 letters, digits, '.', '_' or '-'.")


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


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
    prize = fields.String(required=True, validate=validate.OneOf(["first", "second", "third", "honourable"]))
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
    level = fields.String(allow_none=True, validate=validate.OneOf(SKILL_LEVELS))
    pass_mark = fields.Float(validate=validate.Range(min=0, max=100))


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
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
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


class PageSchema(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    status = fields.String(validate=SHORT)
