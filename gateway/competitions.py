"""The competitions service's routes: organising, registration, judging and results.

Each route authenticates the caller, checks the caller's role and the shape of the request with
the service's own request schemas, then makes one bounded RPC call; its answer is dumped through
the service's own response schemas. Whether the caller may touch *this* competition or entry is
decided by the service, which owns the data.
"""
from marshmallow import fields, validate

from common.auth import ADMIN, CHIEF_JUDGE, JUDGE, ORGANIZER, SUPERVISOR
from common.rpc import ServiceRpc
from common.schemas import Strict
from common.web import route
from gateway import boards
from gateway.pages import html_response
from gateway.sealing import SealedIdNumber
from services.competitions import api

ORGANISERS = (ORGANIZER, ADMIN)
JUDGES = (JUDGE, CHIEF_JUDGE)
JURY = (ORGANIZER, ADMIN, CHIEF_JUDGE, SUPERVISOR, JUDGE)
OFFICIALS = (CHIEF_JUDGE, SUPERVISOR)

COMPETITIONS = ["competitions"]
REGISTRATION = ["registration"]
JUDGING = ["judging"]
RESULTS = ["results"]
PUBLIC = ["public"]

HTML_NOTE = ("With `format=html` the answer is a self-contained HTML page (`text/html; charset=utf-8`) "
             "showing the same rows as a board; the JSON schema below describes `format=json`.")


class FormatQuerySchema(Strict):
    """``?format=html`` asks for a readable HTML board instead of JSON."""

    format = fields.String(load_default="json", validate=validate.OneOf(["json", "html"]))


class CompetitionRoutes:
    competitions = ServiceRpc("competitions")
    sealed = SealedIdNumber()

    # --- organising

    @route("POST", "/competitions", body=api.CompetitionSchema, response=api.CompetitionViewSchema,
           roles=ORGANISERS, status=201, tags=COMPETITIONS,
           summary="Create a competition (a draft), optionally with its trade events")
    def create_competition(self, request, principal, payload):
        return self.competitions.create_competition(principal.to_dict(), payload)

    @route("GET", "/competitions", query=api.PageSchema, response=api.CompetitionPageSchema,
           tags=COMPETITIONS,
           summary="List the competitions the caller may see: their unit's, and every published one")
    def list_competitions(self, request, principal, query):
        return self.competitions.list_competitions(principal.to_dict(), query)

    @route("GET", "/competitions/<competition_id>", response=api.CompetitionViewSchema,
           tags=COMPETITIONS, summary="One competition with its events, officials and status")
    def get_competition(self, request, principal, competition_id):
        return self.competitions.get_competition(principal.to_dict(), competition_id)

    @route("POST", "/competitions/<competition_id>/events", body=api.TradeEventSchema,
           response=api.CompetitionViewSchema, roles=ORGANISERS, status=201, tags=COMPETITIONS,
           summary="Add a trade event to a draft competition")
    def add_event(self, request, principal, payload, competition_id):
        return self.competitions.add_event(principal.to_dict(), competition_id, payload)

    @route("PATCH", "/competitions/<competition_id>/events/<event_id>",
           body=api.TradeEventPatchSchema, response=api.CompetitionViewSchema,
           roles=ORGANISERS, tags=COMPETITIONS,
           summary="Change a trade event's rules (until marking starts)")
    def update_event(self, request, principal, payload, competition_id, event_id):
        return self.competitions.update_event(principal.to_dict(), competition_id, event_id, payload)

    @route("PUT", "/competitions/<competition_id>/officials", body=api.OfficialsSchema,
           response=api.CompetitionViewSchema, roles=ORGANISERS, tags=COMPETITIONS,
           summary="Name the chief judge and the supervisor who sign the results off")
    def set_officials(self, request, principal, payload, competition_id):
        return self.competitions.set_officials(principal.to_dict(), competition_id, payload)

    @route("POST", "/competitions/<competition_id>/status", body=api.StatusChangeSchema,
           response=api.CompetitionViewSchema, roles=ORGANISERS, tags=COMPETITIONS,
           summary="Move a competition through its lifecycle (open or close registration, "
                   "start marking, cancel)")
    def change_status(self, request, principal, payload, competition_id):
        return self.competitions.change_status(principal.to_dict(), competition_id, payload)

    # --- registration

    @route("POST", "/competitions/<competition_id>/events/<event_id>/entries", body=api.WorkerSchema,
           response=api.EntryViewSchema, roles=ORGANISERS, status=201, tags=REGISTRATION,
           summary="Register a worker for a trade event (the ID number is stored protected)")
    def register_entry(self, request, principal, payload, competition_id, event_id):
        return self.competitions.register_entry(principal.to_dict(), competition_id, event_id,
                                                self.sealed(payload))

    @route("GET", "/competitions/<competition_id>/events/<event_id>/entries", query=api.PageSchema,
           response=api.EntryPageSchema, roles=ORGANISERS, tags=REGISTRATION,
           summary="List a trade event's entries, optionally by status")
    def list_entries(self, request, principal, query, competition_id, event_id):
        return self.competitions.list_entries(principal.to_dict(), competition_id, event_id, query)

    @route("POST", "/competitions/<competition_id>/events/<event_id>/entries/<entry_id>/decision",
           body=api.EntryDecisionSchema, response=api.EntryViewSchema, roles=ORGANISERS,
           tags=REGISTRATION, summary="Approve, reject or withdraw an entry")
    def decide_entry(self, request, principal, payload, competition_id, event_id, entry_id):
        return self.competitions.decide_entry(principal.to_dict(), competition_id, event_id,
                                              entry_id, payload)

    # --- judging

    @route("POST", "/competitions/<competition_id>/events/<event_id>/judges", body=api.JudgeSchema,
           response=api.JudgeViewSchema, roles=ORGANISERS, status=201, tags=JUDGING,
           summary="Assign a judge to a trade event")
    def assign_judge(self, request, principal, payload, competition_id, event_id):
        return self.competitions.assign_judge(principal.to_dict(), competition_id, event_id, payload)

    @route("GET", "/competitions/<competition_id>/events/<event_id>/marking-sheet",
           response=api.MarkingSheetSchema, roles=JUDGES, tags=JUDGING,
           summary="The caller's marking sheet: the scheme and the blind entries they may mark")
    def marking_sheet(self, request, principal, competition_id, event_id):
        return self.competitions.marking_sheet(principal.to_dict(), competition_id, event_id)

    @route("POST", "/competitions/<competition_id>/events/<event_id>/marks", body=api.MarkSchema,
           response=api.MarkReceiptSchema, roles=JUDGES, tags=JUDGING,
           summary="Submit or change one mark (a change needs a reason and is audited)")
    def submit_mark(self, request, principal, payload, competition_id, event_id):
        return self.competitions.submit_mark(principal.to_dict(), competition_id, event_id, payload)

    @route("POST", "/competitions/<competition_id>/events/<event_id>/sheets", body=api.SheetSchema,
           response=api.SheetReceiptSchema, roles=JUDGES, tags=JUDGING,
           summary="Submit a judge's sheet of marks: each entry's marks taken together or not at "
                   "all, a resent mark (same client id) changing nothing",
           description="The answer lists the marks taken and those refused, each with why; a "
                       "sheet that is not well formed, or that this judge may not send at all "
                       "(not judging this event, not marking), is refused whole.")
    def submit_sheet(self, request, principal, payload, competition_id, event_id):
        return self.competitions.submit_sheet(principal.to_dict(), competition_id, event_id, payload)

    @route("POST", "/competitions/<competition_id>/events/<event_id>/completion-times",
           body=api.CompletionTimeSchema, response=api.CompletionTimeReceiptSchema, roles=JUDGES,
           tags=JUDGING, summary="Record an entry's completion time (a tie-break)")
    def record_completion_time(self, request, principal, payload, competition_id, event_id):
        return self.competitions.record_completion_time(principal.to_dict(), competition_id,
                                                        event_id, payload)

    @route("GET", "/competitions/<competition_id>/events/<event_id>/entries/<entry_code>/marks",
           response=api.MarkHistorySchema, roles=JURY, tags=JUDGING,
           summary="Every mark and change for one entry: who, when, old value, new value, reason")
    def mark_history(self, request, principal, competition_id, event_id, entry_code):
        return self.competitions.mark_history(principal.to_dict(), competition_id, event_id,
                                              entry_code)

    # --- results

    @route("GET", "/competitions/<competition_id>/events/<event_id>/ranking",
           query=FormatQuerySchema, response=api.LiveRankingSchema, roles=JURY, tags=RESULTS,
           summary="The jury's live ranking of a trade event (`?format=html` for a board)",
           description=HTML_NOTE)
    def live_ranking(self, request, principal, query, competition_id, event_id):
        view = self.competitions.live_ranking(principal.to_dict(), competition_id, event_id)
        if query["format"] == "html":
            return html_response(boards.ranking_board(api.LiveRankingSchema().dump(view)))
        return view

    @route("POST", "/competitions/<competition_id>/sign-off", response=api.SignOffResultSchema,
           roles=OFFICIALS, tags=RESULTS,
           summary="Sign the results off as the chief judge or the supervisor; the second "
                   "signature freezes them")
    def sign_off(self, request, principal, competition_id):
        return self.competitions.sign_off(principal.to_dict(), competition_id)

    @route("POST", "/competitions/<competition_id>/publish", response=api.PublicationResultSchema,
           roles=ORGANISERS, tags=RESULTS, summary="Publish signed-off results and announce them")
    def publish(self, request, principal, competition_id):
        return self.competitions.publish(principal.to_dict(), competition_id)

    @route("POST", "/competitions/<competition_id>/corrections", body=api.CorrectionSchema,
           response=api.PublicationResultSchema, roles=ORGANISERS, tags=RESULTS,
           summary="Correct published results: an audited change of marks that republishes")
    def correct_results(self, request, principal, payload, competition_id):
        return self.competitions.correct_results(principal.to_dict(), competition_id, payload)

    @route("GET", "/public/competitions/<competition_id>/results", public=True,
           query=FormatQuerySchema, response=api.PublishedResultsSchema, tags=PUBLIC,
           summary="A competition's published results, for everyone (`?format=html` for a board)",
           description=HTML_NOTE)
    def published_results(self, request, principal, query, competition_id):
        # No caller: what is published is public.
        view = self.competitions.published_results(None, competition_id)
        if query["format"] == "html":
            return html_response(boards.results_board(api.PublishedResultsSchema().dump(view)))
        return view
