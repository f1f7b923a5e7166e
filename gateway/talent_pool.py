"""The talent pool's routes: search, statistics, exports, one talent, curation and nominations.

Each route authenticates the caller, checks the caller's role and the shape of the request with
the service's own request schemas, then makes one bounded RPC call (an export makes one per page);
its answer is dumped through the service's own response schemas. Which talents a caller may see
is decided by the service, which owns the data.
"""
from marshmallow import fields, validate

from common.auth import ADMIN, ORGANIZER, REVIEWER
from common.rpc import ServiceRpc
from common.web import route
from gateway import boards, exports
from gateway.pages import html_response
from gateway.sealing import SealedIdNumber
from services.talent_pool import api

CURATORS = (REVIEWER, ADMIN)
TALENT_READERS = (REVIEWER, ADMIN, ORGANIZER)

TALENTS = ["talent pool"]
NOMINATIONS = ["talent nominations"]


class TalentStatisticsQuerySchema(api.TalentStatisticsSchema):
    """The talent pool's statistics filters, and ``?format=html`` for a page with bars."""

    format = fields.String(load_default="json", validate=validate.OneOf(["json", "html"]))


class TalentExportQuerySchema(api.TalentExportSchema):
    """The search filters, the order, and the file format."""

    format = fields.String(load_default="csv", validate=validate.OneOf(exports.FORMATS),
                           metadata={"description": "csv (UTF-8 with BOM) or xlsx"})


class TalentPoolRoutes:
    talent_pool = ServiceRpc("talent_pool")
    sealed = SealedIdNumber()

    @route("GET", "/talents", query=api.TalentSearchSchema, response=api.TalentPageSchema,
           roles=TALENT_READERS, tags=TALENTS,
           summary="Search the talent pool by industry chain, trade, level, region, employer, "
                   "honour and status (organisers: their own unit's talents)")
    def search_talents(self, request, principal, query):
        return self.talent_pool.search_talents(principal.to_dict(), query)

    @route("GET", "/talents/statistics", query=TalentStatisticsQuerySchema,
           response=api.TalentStatisticsViewSchema, roles=TALENT_READERS, tags=TALENTS,
           summary="How many talents, by industry chain, trade and skill level "
                   "(`?format=html` for a page with bars)",
           description="With `format=html` the answer is a self-contained HTML page "
                       "(`text/html; charset=utf-8`) of the same counts; the JSON schema below "
                       "describes `format=json`.")
    def talent_statistics(self, request, principal, query):
        fmt = query.pop("format")
        view = self.talent_pool.talent_statistics(principal.to_dict(), query)
        if fmt == "html":
            dumped = api.TalentStatisticsViewSchema().dump(view)
            return html_response(boards.statistics_page(dumped))
        return view

    @route("GET", "/talents/export", query=TalentExportQuerySchema, roles=TALENT_READERS,
           tags=TALENTS, summary="Download the talents a filter matches as CSV or Excel",
           description=(
               "A file download (`Content-Disposition: attachment`): `format=csv` is UTF-8 with a "
               "byte order mark, `format=xlsx` an Excel workbook; one row per talent, in the "
               "order asked for, headers in Chinese and English, no ID numbers. An export holds at "
               f"most {api.MAX_EXPORT_ROWS:,} talents: a filter that matches more is a 400."))
    def export_talents(self, request, principal, query):
        fmt = query.pop("format")
        caller = principal.to_dict()
        talent_pool = self.talent_pool.with_timeout(exports.PAGE_TIMEOUT)

        def export(filters, cursor):
            return talent_pool.export_talents(caller, filters, cursor)

        return exports.export_response(export, query, fmt, request.environ)

    @route("GET", "/talents/<talent_id>", response=api.TalentViewSchema, roles=TALENT_READERS,
           tags=TALENTS, summary="One talent with its honours, certificates, sources and history")
    def get_talent(self, request, principal, talent_id):
        return self.talent_pool.get_talent(principal.to_dict(), talent_id)

    @route("POST", "/talents/<talent_id>/status", body=api.TalentStatusChangeSchema,
           response=api.TalentViewSchema, roles=CURATORS, tags=TALENTS,
           summary="Expire, remove or re-activate a talent, with a reason")
    def change_talent_status(self, request, principal, payload, talent_id):
        return self.talent_pool.change_talent_status(principal.to_dict(), talent_id, payload)

    # --- nominations

    @route("POST", "/talent-nominations", body=api.NominationSchema,
           response=api.NominationViewSchema, roles=CURATORS, status=201, tags=NOMINATIONS,
           summary="Nominate a worker for the talent pool (the ID number is stored protected)")
    def nominate_talent(self, request, principal, payload):
        return self.talent_pool.nominate(principal.to_dict(), self.sealed(payload))

    @route("GET", "/talent-nominations", query=api.NominationQuerySchema,
           response=api.NominationPageSchema, roles=CURATORS, tags=NOMINATIONS,
           summary="List nominations, optionally by status or stage")
    def list_nominations(self, request, principal, query):
        return self.talent_pool.list_nominations(principal.to_dict(), query)

    @route("GET", "/talent-nominations/<nomination_id>", response=api.NominationViewSchema,
           roles=CURATORS, tags=NOMINATIONS, summary="One nomination and its reviews so far")
    def get_nomination(self, request, principal, nomination_id):
        return self.talent_pool.get_nomination(principal.to_dict(), nomination_id)

    @route("POST", "/talent-nominations/<nomination_id>/reviews", body=api.NominationReviewSchema,
           response=api.NominationViewSchema, roles=CURATORS, tags=NOMINATIONS,
           summary="Pass or reject a nomination's current stage (资格审查, 专家初评, 综合复审) "
                   "with a comment; passing the last admits the worker")
    def review_nomination(self, request, principal, payload, nomination_id):
        return self.talent_pool.review_nomination(principal.to_dict(), nomination_id, payload)
