"""The HTTP gateway: Jiangxin's public JSON API, in front of the services.

Each route authenticates the caller, checks the caller's role and the shape of the request
(with the owning service's own schemas), then makes one bounded RPC call (an export makes one per
page). Whether the caller may touch *this* competition, entry or talent is decided by the service
that owns the data; the gateway never guesses at it. Responses are dumped through gateway.schemas
and the OpenAPI document at /openapi.json is built from the same routes and schemas.
"""

from marshmallow import fields, validate

from common.auth import ADMIN, CHIEF_JUDGE, JUDGE, ORGANIZER, REVIEWER, SUPERVISOR
from common.openapi import build_openapi
from common.rpc import ServiceRpc
from common.web import route
from gateway import boards, exports
from gateway import schemas as out
from services.competitions.schemas import (CompetitionSchema, CompletionTimeSchema,
                                           CorrectionSchema, EntryDecisionSchema, JudgeSchema,
                                           MarkSchema, OfficialsSchema, PageSchema,
                                           StatusChangeSchema, Strict, TradeEventPatchSchema,
                                           TradeEventSchema, WorkerSchema)
from services.talent_pool.schemas import (MAX_EXPORT_ROWS, NominationQuerySchema,
                                          NominationReviewSchema, NominationSchema,
                                          ParkedQuerySchema, TalentExportSchema, TalentSearchSchema,
                                          TalentStatisticsSchema, TalentStatusChangeSchema)

TITLE = "Jiangxin API"
VERSION = "0.1.0"
DESCRIPTION = (
    "Skills competitions for trade unions: organise a competition and its trade events, register "
    "workers, judge blind, rank, sign off and publish; the high-skill talent pool they feed: "
    "search, statistics, exports, nominations and curation. Authenticate with "
    "`Authorization: Bearer <token>`; every error is JSON `{error, message, fields}`."
)

HTML_NOTE = ("With `format=html` the answer is a self-contained HTML page (`text/html; charset=utf-8`) "
             "showing the same rows as a board; the JSON schema below describes `format=json`.")

ORGANISERS = (ORGANIZER, ADMIN)
JUDGES = (JUDGE, CHIEF_JUDGE)
JURY = (ORGANIZER, ADMIN, CHIEF_JUDGE, SUPERVISOR, JUDGE)
OFFICIALS = (CHIEF_JUDGE, SUPERVISOR)
CURATORS = (REVIEWER, ADMIN)
TALENT_READERS = (REVIEWER, ADMIN, ORGANIZER)

COMPETITIONS = ["competitions"]
REGISTRATION = ["registration"]
JUDGING = ["judging"]
RESULTS = ["results"]
PUBLIC = ["public"]
OPERATIONS = ["operations"]
TALENTS = ["talent pool"]
NOMINATIONS = ["talent nominations"]


class FormatQuerySchema(Strict):
    """``?format=html`` asks for a readable HTML board instead of JSON."""

    format = fields.String(load_default="json", validate=validate.OneOf(["json", "html"]))


class TalentStatisticsQuerySchema(TalentStatisticsSchema):
    """The talent pool's statistics filters, and ``?format=html`` for a page with bars."""

    format = fields.String(load_default="json", validate=validate.OneOf(["json", "html"]))


class TalentExportQuerySchema(TalentExportSchema):
    """The search filters, the order, and the file format."""

    format = fields.String(load_default="csv", validate=validate.OneOf(exports.FORMATS),
                           metadata={"description": "csv (UTF-8 with BOM) or xlsx"})


class ReplaySchema(Strict):
    """Which parked message to replay; without it (or without a body) every one."""

    parked_id = fields.String(validate=validate.Length(min=1, max=64))


class GatewayService:
    name = "gateway"

    competitions = ServiceRpc("competitions")
    talent_pool = ServiceRpc("talent_pool")

    # --- operations

    @route("GET", "/health", public=True, response=out.HealthSchema, tags=OPERATIONS,
           summary="Liveness: the gateway answers")
    def health(self, request, principal):
        return {"status": "ok"}

    @route("GET", "/openapi.json", public=True, tags=OPERATIONS,
           summary="This API as an OpenAPI 3 document")
    def openapi(self, request, principal):
        return openapi_document()

    # --- organising

    @route("POST", "/competitions", body=CompetitionSchema, response=out.CompetitionViewSchema,
           roles=ORGANISERS, status=201, tags=COMPETITIONS,
           summary="Create a competition (a draft), optionally with its trade events")
    def create_competition(self, request, principal, payload):
        return self.competitions.create_competition(principal.to_dict(), payload)

    @route("GET", "/competitions", query=PageSchema, response=out.CompetitionSummarySchema(many=True),
           tags=COMPETITIONS,
           summary="List the competitions the caller may see: their unit's, and every published one")
    def list_competitions(self, request, principal, query):
        return self.competitions.list_competitions(principal.to_dict(), query)

    @route("GET", "/competitions/<competition_id>", response=out.CompetitionViewSchema,
           tags=COMPETITIONS, summary="One competition with its events, officials and status")
    def get_competition(self, request, principal, competition_id):
        return self.competitions.get_competition(principal.to_dict(), competition_id)

    @route("POST", "/competitions/<competition_id>/events", body=TradeEventSchema,
           response=out.CompetitionViewSchema, roles=ORGANISERS, status=201, tags=COMPETITIONS,
           summary="Add a trade event to a draft competition")
    def add_event(self, request, principal, payload, competition_id):
        return self.competitions.add_event(principal.to_dict(), competition_id, payload)

    @route("PATCH", "/competitions/<competition_id>/events/<event_id>",
           body=TradeEventPatchSchema, response=out.CompetitionViewSchema,
           roles=ORGANISERS, tags=COMPETITIONS,
           summary="Change a trade event's rules (until marking starts)")
    def update_event(self, request, principal, payload, competition_id, event_id):
        return self.competitions.update_event(principal.to_dict(), competition_id, event_id, payload)

    @route("PUT", "/competitions/<competition_id>/officials", body=OfficialsSchema,
           response=out.CompetitionViewSchema, roles=ORGANISERS, tags=COMPETITIONS,
           summary="Name the chief judge and the supervisor who sign the results off")
    def set_officials(self, request, principal, payload, competition_id):
        return self.competitions.set_officials(principal.to_dict(), competition_id, payload)

    @route("POST", "/competitions/<competition_id>/status", body=StatusChangeSchema,
           response=out.CompetitionViewSchema, roles=ORGANISERS, tags=COMPETITIONS,
           summary="Move a competition through its lifecycle (open or close registration, "
                   "start marking, cancel)")
    def change_status(self, request, principal, payload, competition_id):
        return self.competitions.change_status(principal.to_dict(), competition_id, payload)

    # --- registration

    @route("POST", "/competitions/<competition_id>/events/<event_id>/entries", body=WorkerSchema,
           response=out.EntryViewSchema, roles=ORGANISERS, status=201, tags=REGISTRATION,
           summary="Register a worker for a trade event (the ID number is stored protected)")
    def register_entry(self, request, principal, payload, competition_id, event_id):
        return self.competitions.register_entry(principal.to_dict(), competition_id, event_id, payload)

    @route("GET", "/competitions/<competition_id>/events/<event_id>/entries", query=PageSchema,
           response=out.EntryPageSchema, roles=ORGANISERS, tags=REGISTRATION,
           summary="List a trade event's entries, optionally by status")
    def list_entries(self, request, principal, query, competition_id, event_id):
        return self.competitions.list_entries(principal.to_dict(), competition_id, event_id, query)

    @route("POST", "/competitions/<competition_id>/events/<event_id>/entries/<entry_id>/decision",
           body=EntryDecisionSchema, response=out.EntryViewSchema, roles=ORGANISERS,
           tags=REGISTRATION, summary="Approve, reject or withdraw an entry")
    def decide_entry(self, request, principal, payload, competition_id, event_id, entry_id):
        return self.competitions.decide_entry(principal.to_dict(), competition_id, event_id,
                                              entry_id, payload)

    # --- judging

    @route("POST", "/competitions/<competition_id>/events/<event_id>/judges", body=JudgeSchema,
           response=out.JudgeViewSchema, roles=ORGANISERS, status=201, tags=JUDGING,
           summary="Assign a judge to a trade event")
    def assign_judge(self, request, principal, payload, competition_id, event_id):
        return self.competitions.assign_judge(principal.to_dict(), competition_id, event_id, payload)

    @route("GET", "/competitions/<competition_id>/events/<event_id>/marking-sheet",
           response=out.MarkingSheetSchema, roles=JUDGES, tags=JUDGING,
           summary="The caller's marking sheet: the scheme and the blind entries they may mark")
    def marking_sheet(self, request, principal, competition_id, event_id):
        return self.competitions.marking_sheet(principal.to_dict(), competition_id, event_id)

    @route("POST", "/competitions/<competition_id>/events/<event_id>/marks", body=MarkSchema,
           response=out.MarkReceiptSchema, roles=JUDGES, tags=JUDGING,
           summary="Submit or change one mark (a change needs a reason and is audited)")
    def submit_mark(self, request, principal, payload, competition_id, event_id):
        return self.competitions.submit_mark(principal.to_dict(), competition_id, event_id, payload)

    @route("POST", "/competitions/<competition_id>/events/<event_id>/completion-times",
           body=CompletionTimeSchema, response=out.CompletionTimeReceiptSchema, roles=JUDGES,
           tags=JUDGING, summary="Record an entry's completion time (a tie-break)")
    def record_completion_time(self, request, principal, payload, competition_id, event_id):
        return self.competitions.record_completion_time(principal.to_dict(), competition_id,
                                                        event_id, payload)

    @route("GET", "/competitions/<competition_id>/events/<event_id>/entries/<entry_code>/marks",
           response=out.MarkHistorySchema, roles=JURY, tags=JUDGING,
           summary="Every mark and change for one entry: who, when, old value, new value, reason")
    def mark_history(self, request, principal, competition_id, event_id, entry_code):
        return self.competitions.mark_history(principal.to_dict(), competition_id, event_id,
                                              entry_code)

    # --- results

    @route("GET", "/competitions/<competition_id>/events/<event_id>/ranking",
           query=FormatQuerySchema, response=out.LiveRankingSchema, roles=JURY, tags=RESULTS,
           summary="The jury's live ranking of a trade event (`?format=html` for a board)",
           description=HTML_NOTE)
    def live_ranking(self, request, principal, query, competition_id, event_id):
        view = self.competitions.live_ranking(principal.to_dict(), competition_id, event_id)
        if query["format"] == "html":
            return boards.html_response(boards.ranking_board(out.LiveRankingSchema().dump(view)))
        return view

    @route("POST", "/competitions/<competition_id>/sign-off", response=out.SignOffResultSchema,
           roles=OFFICIALS, tags=RESULTS,
           summary="Sign the results off as the chief judge or the supervisor; the second "
                   "signature freezes them")
    def sign_off(self, request, principal, competition_id):
        return self.competitions.sign_off(principal.to_dict(), competition_id)

    @route("POST", "/competitions/<competition_id>/publish", response=out.PublicationResultSchema,
           roles=ORGANISERS, tags=RESULTS, summary="Publish signed-off results and announce them")
    def publish(self, request, principal, competition_id):
        return self.competitions.publish(principal.to_dict(), competition_id)

    @route("POST", "/competitions/<competition_id>/corrections", body=CorrectionSchema,
           response=out.PublicationResultSchema, roles=ORGANISERS, tags=RESULTS,
           summary="Correct published results: an audited change of marks that republishes")
    def correct_results(self, request, principal, payload, competition_id):
        return self.competitions.correct_results(principal.to_dict(), competition_id, payload)

    @route("GET", "/public/competitions/<competition_id>/results", public=True,
           query=FormatQuerySchema, response=out.PublishedResultsSchema, tags=PUBLIC,
           summary="A competition's published results, for everyone (`?format=html` for a board)",
           description=HTML_NOTE)
    def published_results(self, request, principal, query, competition_id):
        # No caller: what is published is public.
        view = self.competitions.published_results(None, competition_id)
        if query["format"] == "html":
            return boards.html_response(boards.results_board(out.PublishedResultsSchema().dump(view)))
        return view

    # --- talent pool

    @route("GET", "/talents", query=TalentSearchSchema, response=out.TalentPageSchema,
           roles=TALENT_READERS, tags=TALENTS,
           summary="Search the talent pool by industry chain, trade, level, region, employer, "
                   "honour and status (organisers: their own unit's talents)")
    def search_talents(self, request, principal, query):
        return self.talent_pool.search_talents(principal.to_dict(), query)

    @route("GET", "/talents/statistics", query=TalentStatisticsQuerySchema,
           response=out.TalentStatisticsViewSchema, roles=TALENT_READERS, tags=TALENTS,
           summary="How many talents, by industry chain, trade and skill level "
                   "(`?format=html` for a page with bars)",
           description="With `format=html` the answer is a self-contained HTML page "
                       "(`text/html; charset=utf-8`) of the same counts; the JSON schema below "
                       "describes `format=json`.")
    def talent_statistics(self, request, principal, query):
        fmt = query.pop("format")
        view = self.talent_pool.talent_statistics(principal.to_dict(), query)
        if fmt == "html":
            dumped = out.TalentStatisticsViewSchema().dump(view)
            return boards.html_response(exports.statistics_page(dumped))
        return view

    @route("GET", "/talents/export", query=TalentExportQuerySchema, roles=TALENT_READERS,
           tags=TALENTS, summary="Download the talents a filter matches as CSV or Excel",
           description=(
               "A file download (`Content-Disposition: attachment`): `format=csv` is UTF-8 with a "
               "byte order mark, `format=xlsx` an Excel workbook; one row per talent, in the "
               "order asked for, headers in Chinese and English, no ID numbers. An export holds at "
               f"most {MAX_EXPORT_ROWS:,} talents: a filter that matches more is a 400."))
    def export_talents(self, request, principal, query):
        fmt = query.pop("format")
        caller = principal.to_dict()
        talent_pool = self.talent_pool.with_timeout(exports.PAGE_TIMEOUT)

        def export(filters, cursor):
            return talent_pool.export_talents(caller, filters, cursor)

        return exports.export_response(export, query, fmt, request.environ)

    @route("GET", "/talents/<talent_id>", response=out.TalentViewSchema, roles=TALENT_READERS,
           tags=TALENTS, summary="One talent with its honours, certificates, sources and history")
    def get_talent(self, request, principal, talent_id):
        return self.talent_pool.get_talent(principal.to_dict(), talent_id)

    @route("POST", "/talents/<talent_id>/status", body=TalentStatusChangeSchema,
           response=out.TalentViewSchema, roles=CURATORS, tags=TALENTS,
           summary="Expire, remove or re-activate a talent, with a reason")
    def change_talent_status(self, request, principal, payload, talent_id):
        return self.talent_pool.change_talent_status(principal.to_dict(), talent_id, payload)

    # --- nominations

    @route("POST", "/talent-nominations", body=NominationSchema,
           response=out.NominationViewSchema, roles=CURATORS, status=201, tags=NOMINATIONS,
           summary="Nominate a worker for the talent pool (the ID number is stored protected)")
    def nominate_talent(self, request, principal, payload):
        return self.talent_pool.nominate(principal.to_dict(), payload)

    @route("GET", "/talent-nominations", query=NominationQuerySchema,
           response=out.NominationPageSchema, roles=CURATORS, tags=NOMINATIONS,
           summary="List nominations, optionally by status or stage")
    def list_nominations(self, request, principal, query):
        return self.talent_pool.list_nominations(principal.to_dict(), query)

    @route("GET", "/talent-nominations/<nomination_id>", response=out.NominationViewSchema,
           roles=CURATORS, tags=NOMINATIONS, summary="One nomination and its reviews so far")
    def get_nomination(self, request, principal, nomination_id):
        return self.talent_pool.get_nomination(principal.to_dict(), nomination_id)

    @route("POST", "/talent-nominations/<nomination_id>/reviews", body=NominationReviewSchema,
           response=out.NominationViewSchema, roles=CURATORS, tags=NOMINATIONS,
           summary="Pass or reject a nomination's current stage (资格审查, 专家初评, 综合复审) "
                   "with a comment; passing the last admits the worker")
    def review_nomination(self, request, principal, payload, nomination_id):
        return self.talent_pool.review_nomination(principal.to_dict(), nomination_id, payload)

    # --- operations: parked messages

    @route("GET", "/admin/parked/talent_pool", query=ParkedQuerySchema,
           response=out.ParkedPageSchema, roles=(ADMIN,), tags=OPERATIONS,
           summary="Messages the talent pool kept failing on, with their errors")
    def list_parked_talent_pool(self, request, principal, query):
        return self.talent_pool.list_parked(principal.to_dict(), query)

    @route("POST", "/admin/parked/talent_pool/replay", body=ReplaySchema, body_required=False,
           response=out.ReplayResultSchema, roles=(ADMIN,), tags=OPERATIONS,
           summary="Put the talent pool's parked messages back on their queues (one, or all)",
           description="The body may be left out: then every parked message is replayed.")
    def replay_parked_talent_pool(self, request, principal, payload):
        return self.talent_pool.replay_parked(principal.to_dict(), payload.get("parked_id"))


_OPENAPI = None


def openapi_document():
    """The OpenAPI document of GatewayService, built once per process."""
    global _OPENAPI
    if _OPENAPI is None:
        _OPENAPI = build_openapi(GatewayService, title=TITLE, version=VERSION,
                                 description=DESCRIPTION)
    return _OPENAPI
