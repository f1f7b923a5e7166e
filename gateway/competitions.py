"""The competitions service's routes: organising, registration, judging and results.

Each route authenticates the caller, checks the caller's role and the shape of the request with
the service's own request schemas, then makes one bounded RPC call; its answer is dumped through
the service's own response schemas. Whether the caller may touch *this* competition or entry is
decided by the service, which owns the data.
"""
import functools

from eventlet import tpool
from marshmallow import fields, validate

from common.auth import ADMIN, CHIEF_JUDGE, JUDGE, ORGANIZER, SUPERVISOR
from common.personal_id import make_id_number
from common.rpc import ServiceRpc
from common.schemas import Strict
from common.spreadsheets import read_table
from common.web import route
from gateway import boards, exports
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


SHEET_NOTE = (
    "A multipart upload of one part `file`: an Excel workbook (.xlsx, its first sheet) or a CSV "
    "file in UTF-8 (with or without a byte order mark) or GB18030, with the template's header row "
    f"({', '.join(header for header, _ in api.SHEET_COLUMNS)}; 手机号 optional; other columns are "
    f"ignored), at most {api.MAX_SHEET_ROWS} rows under it and {api.MAX_SHEET_BYTES // (1024 * 1024)} "
    "MiB (beyond either, a 413). Each row is checked as one registration is, and against the rest "
    "of the sheet: errors are answered as `{row, column, message}`, the row as the spreadsheet "
    "numbers it and the column by its header.")
# Checking and registering thousands of rows takes longer than an ordinary call may.
SHEET_TIMEOUT = 120.0


# The template: the header row and one example row, which organisers overwrite.
TEMPLATE = exports.Table("报名表", tuple(header for header, _ in api.SHEET_COLUMNS),
                         (12, 22, 28, 14, 12, 16), list, text_columns=tuple(
                             i for i, (_, field) in enumerate(api.SHEET_COLUMNS) if field in ("id_number", "phone")))
TEMPLATE_EXAMPLE = ("张三", make_id_number(), "江苏建湖机床厂", "数控车工", "中级工", "13800000000")
# The export: what the entries list answers, ID numbers masked.
ENTRY_COLUMNS = (("姓名", "name"), ("身份证号（部分隐藏）", "id_number_masked"), ("工作单位", "employer"),
                 ("工种", "trade"), ("技能等级", "skill_level"), ("状态", "status"),
                 ("报名时间", "registered_at"))
_ENTRY_VIEW = api.EntryViewSchema()


def entry_cells(entry):
    dumped = _ENTRY_VIEW.dump(entry)
    return [dumped.get(key) for _, key in ENTRY_COLUMNS]


ENTRIES = exports.Table("报名 Entries", tuple(header for header, _ in ENTRY_COLUMNS),
                        (12, 22, 28, 14, 12, 12, 26), entry_cells)
EXPORT_PAGE = 500


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

    def _sealed_sheet(self, upload):
        """The workers of an uploaded sheet, ID numbers sealed: read here, where the file arrives,
        so that no ID number crosses the broker in clear. Reading is CPU work (about a second for
        thousands of rows): it runs in a real thread, the gateway answering meanwhile."""
        headers, rows = tpool.execute(read_table, upload.content, api.MAX_SHEET_ROWS)
        return {"workers": [self.sealed(worker) if "id_number" in worker else worker
                            for worker in api.sheet_workers(headers, rows)]}

    @route("POST", "/competitions/<competition_id>/events/<event_id>/entry-sheets/preview",
           form=api.EntrySheetFormSchema, response=api.SheetPreviewSchema, roles=ORGANISERS,
           tags=REGISTRATION, description=SHEET_NOTE,
           summary="Preview a sheet of workers to register: every row's errors, nothing changed")
    def preview_entry_sheet(self, request, principal, payload, competition_id, event_id):
        competitions = self.competitions.with_timeout(SHEET_TIMEOUT)
        return competitions.preview_entry_sheet(principal.to_dict(), competition_id, event_id,
                                                self._sealed_sheet(payload["file"]))

    @route("POST", "/competitions/<competition_id>/events/<event_id>/entry-sheets",
           form=api.EntrySheetFormSchema, response=api.SheetImportSchema, roles=ORGANISERS,
           tags=REGISTRATION, description=SHEET_NOTE + (
               " The rows without errors are registered; workers registered already, by an "
               "earlier upload of the same sheet say, are answered in `already_registered_rows` "
               "and left as they were, so uploading a sheet again registers nobody twice."),
           summary="Register the valid rows of a sheet of workers (again: nobody twice)")
    def import_entry_sheet(self, request, principal, payload, competition_id, event_id):
        competitions = self.competitions.with_timeout(SHEET_TIMEOUT)
        return competitions.import_entry_sheet(principal.to_dict(), competition_id, event_id,
                                               self._sealed_sheet(payload["file"]))

    @route("GET", "/competitions/entry-sheet-template", roles=ORGANISERS, tags=REGISTRATION,
           summary="Download the Excel template of a sheet of workers to register",
           description="An .xlsx attachment: the header row and one example row to overwrite.")
    def entry_sheet_template(self, request, principal):
        file = exports.workbook([(TEMPLATE, [TEMPLATE_EXAMPLE])])
        return exports.file_response(file, exports.XLSX, request.environ,
                                     "entry-sheet-template.xlsx", "报名表模板.xlsx")

    @route("GET", "/competitions/<competition_id>/events/<event_id>/entries/export",
           roles=ORGANISERS, tags=REGISTRATION,
           summary="Download a trade event's entries as Excel (ID numbers masked)",
           description="An .xlsx attachment, one row per entry in the order of registration.")
    def export_entries(self, request, principal, competition_id, event_id):
        caller = principal.to_dict()

        def pages():
            offset = 0
            while True:
                page = self.competitions.list_entries(caller, competition_id, event_id,
                                                      {"limit": EXPORT_PAGE, "offset": offset})
                if page["items"]:
                    yield page["items"]
                offset += EXPORT_PAGE
                if offset >= page["total"]:
                    return

        writer = exports.XlsxExport(ENTRIES)
        file = exports.written(writer, (functools.partial(writer.add, rows) for rows in pages()))
        made = exports.stamp()
        return exports.file_response(file, exports.XLSX, request.environ,
                                     f"entries-{event_id}-{made}.xlsx", f"报名-{event_id}-{made}.xlsx")

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
