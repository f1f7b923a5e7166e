"""What the talent pool service accepts, in marshmallow: the gateway validates requests with these
same schemas and documents them in OpenAPI. Unknown fields are rejected, sizes bounded."""
from marshmallow import RAISE, Schema, fields, validate

from common.skill_levels import SKILL_LEVELS
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


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


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
                           metadata={"description": "a title (技术能手), a prize (first) or its name (一等奖)"})
    status = fields.String(load_default=ACTIVE, validate=validate.OneOf(STATUSES + (ALL_STATUSES,)))
    needs_review = fields.Boolean(metadata={"description": "only talents flagged for a curator's review"})


class TalentSearchSchema(TalentFilterSchema):
    sort = fields.String(load_default="name", validate=SORT, metadata={"description": SORT_DESCRIPTION})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


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


class NominationQuerySchema(Strict):
    status = fields.String(validate=validate.OneOf(NOMINATION_STATUSES))
    stage = fields.String(validate=validate.OneOf(STAGES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class NominationReviewSchema(Strict):
    decision = fields.String(required=True, validate=validate.OneOf([PASS, REJECT]))
    comment = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    stage = fields.String(validate=validate.OneOf(STAGES),
                          metadata={"description": "the stage the reviewer means to decide; refused (409) "
                                                   "unless it is the nomination's current stage"})
