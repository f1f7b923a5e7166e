"""The studios' routes: studios and their members, alliances, innovation results and their review.

Each route authenticates the caller, checks the role and the request's shape with the service's
own request schemas, and makes one bounded RPC call; members' ID numbers leave the gateway
sealed. Which studio, alliance or result a caller may see is decided by the service.
"""
from marshmallow import fields, validate

from common.auth import ADMIN, ORGANIZER, REVIEWER, STUDIO_LEAD
from common.rpc import ServiceRpc
from common.schemas import PageQuery, StoredFileOut, Strict
from common.web import route
from gateway import boards
from gateway import studio_reports
from gateway.pages import html_response
from gateway.sealing import SealedIdNumber
from services.studios import api

UNION = (ADMIN, REVIEWER)
STUDIO_READERS = (ADMIN, REVIEWER, ORGANIZER, STUDIO_LEAD)
MEMBER_KEEPERS = (ADMIN, REVIEWER, STUDIO_LEAD)

STUDIOS = ["innovation studios"]
ALLIANCES = ["studio alliances"]
RESULTS = ["innovation results"]
RATINGS = ["star ratings"]
PUBLIC = ["public"]
ROUND_READERS = (ADMIN, REVIEWER, ORGANIZER)
# Computing a round reads every verified result of the period: it may take longer than a click.
ROUND_TIMEOUT = 120


def _format_field():
    return fields.String(load_default="json", validate=validate.OneOf(["json", "html"]))


class FormatQuerySchema(Strict):
    """``?format=html`` asks for a readable page instead of JSON."""
    format = _format_field()


class PublicStudioQuerySchema(api.StudioQuerySchema):
    """The rated studios' filters, and ``?format=html`` for a readable page."""
    format = _format_field()


class PublicNoticeQuerySchema(PageQuery):
    format = _format_field()


class StudioRoutes:
    studios = ServiceRpc("studios")
    sealed = SealedIdNumber()

    def sealed_people(self, payload):
        """``payload`` with the ID number of its lead and of each member sealed."""
        sealed = dict(payload)
        if "lead" in sealed:
            sealed["lead"] = self.sealed(sealed["lead"])
        if "members" in sealed:
            sealed["members"] = [self.sealed(member) for member in sealed["members"]]
        return sealed

    # --- studios

    @route("POST", "/studios", body=api.StudioSchema, response=api.StudioViewSchema, roles=UNION,
           status=201, tags=STUDIOS,
           summary="Register a studio with its lead and members (ID numbers stored protected)")
    def register_studio(self, request, principal, payload):
        return self.studios.register_studio(principal.to_dict(), self.sealed_people(payload))

    @route("GET", "/studios", query=api.StudioQuerySchema, response=api.StudioPageSchema,
           roles=STUDIO_READERS, tags=STUDIOS,
           summary="The studios the caller may see (organisers: their unit's; a lead: their own)")
    def list_studios(self, request, principal, query):
        return self.studios.list_studios(principal.to_dict(), query)

    @route("GET", "/studios/<studio_id>", response=api.StudioViewSchema, roles=STUDIO_READERS,
           tags=STUDIOS, summary="One studio with its members and, for the union and its lead, history")
    def get_studio(self, request, principal, studio_id):
        return self.studios.get_studio(principal.to_dict(), studio_id)

    @route("POST", "/studios/<studio_id>/members", body=api.NewMembersSchema,
           response=api.StudioViewSchema, roles=MEMBER_KEEPERS, tags=STUDIOS,
           summary="Add members to a studio (its lead or the union)")
    def add_members(self, request, principal, payload, studio_id):
        return self.studios.add_members(principal.to_dict(), studio_id, self.sealed_people(payload))

    @route("POST", "/studios/<studio_id>/members/<member_id>/leaving", body=api.MemberLeavingSchema,
           response=api.StudioViewSchema, roles=MEMBER_KEEPERS, tags=STUDIOS,
           summary="A member leaves the studio, with the reason (kept among former members)")
    def remove_member(self, request, principal, payload, studio_id, member_id):
        return self.studios.remove_member(principal.to_dict(), studio_id, member_id, payload)

    @route("POST", "/studios/<studio_id>/lead", body=api.LeadChangeSchema,
           response=api.StudioViewSchema, roles=UNION, tags=STUDIOS,
           summary="Change the studio's lead to one of its members, with the reason (audited)")
    def change_lead(self, request, principal, payload, studio_id):
        return self.studios.change_lead(principal.to_dict(), studio_id, payload)

    @route("POST", "/studios/<studio_id>/status", body=api.StudioStatusSchema,
           response=api.StudioViewSchema, roles=UNION, tags=STUDIOS,
           summary="Suspend, re-activate or revoke (end) a studio, with the reason; ending a rated "
                   "studio takes its stars (自然摘牌)")
    def change_studio_status(self, request, principal, payload, studio_id):
        return self.studios.change_status(principal.to_dict(), studio_id, payload)

    @route("POST", "/studios/<studio_id>/star-revocation", body=api.StarRevocationSchema,
           response=api.StudioViewSchema, roles=UNION, tags=STUDIOS,
           summary="Order a studio's stars off (责令摘牌), with the reason")
    def revoke_stars(self, request, principal, payload, studio_id):
        return self.studios.revoke_stars(principal.to_dict(), studio_id, payload)

    @route("GET", "/public/studios", public=True, query=PublicStudioQuerySchema,
           response=api.PublicStudioPageSchema, tags=PUBLIC,
           summary="Rated studios, for everyone: no personal data (`?format=html` for a page)",
           description="With `format=html` the answer is a self-contained HTML page of the same "
                       "studios; the JSON schema below describes `format=json`.")
    def public_studios(self, request, principal, query):
        fmt = query.pop("format")
        view = self.studios.public_studios(query)
        if fmt == "html":
            return html_response(boards.rated_studios_page(api.PublicStudioPageSchema().dump(view)))
        return view

    # --- alliances

    @route("POST", "/alliances", body=api.AllianceSchema, response=api.AllianceViewSchema,
           roles=UNION, status=201, tags=ALLIANCES,
           summary="Form an alliance of studios (创新工作室联盟) with its convening studio")
    def create_alliance(self, request, principal, payload):
        return self.studios.create_alliance(principal.to_dict(), payload)

    @route("GET", "/alliances", query=api.AllianceQuerySchema, response=api.AlliancePageSchema,
           roles=STUDIO_READERS, tags=ALLIANCES, summary="The alliances the caller may see")
    def list_alliances(self, request, principal, query):
        return self.studios.list_alliances(principal.to_dict(), query)

    @route("GET", "/alliances/<alliance_id>", response=api.AllianceViewSchema,
           roles=STUDIO_READERS, tags=ALLIANCES, summary="One alliance: members, convenors, projects")
    def get_alliance(self, request, principal, alliance_id):
        return self.studios.get_alliance(principal.to_dict(), alliance_id)

    @route("POST", "/alliances/<alliance_id>/members", body=api.AllianceStudioSchema,
           response=api.AllianceViewSchema, roles=UNION, tags=ALLIANCES,
           summary="A studio joins the alliance")
    def join_alliance(self, request, principal, payload, alliance_id):
        return self.studios.join_alliance(principal.to_dict(), alliance_id, payload)

    @route("POST", "/alliances/<alliance_id>/leaving", body=api.AllianceStudioSchema,
           response=api.AllianceViewSchema, roles=UNION, tags=ALLIANCES,
           summary="A studio leaves the alliance")
    def leave_alliance(self, request, principal, payload, alliance_id):
        return self.studios.leave_alliance(principal.to_dict(), alliance_id, payload)

    @route("POST", "/alliances/<alliance_id>/convenor", body=api.AllianceStudioSchema,
           response=api.AllianceViewSchema, roles=UNION, tags=ALLIANCES,
           summary="Rotate the convening studio (盟主) to another member")
    def rotate_convenor(self, request, principal, payload, alliance_id):
        return self.studios.rotate_convenor(principal.to_dict(), alliance_id, payload)

    @route("POST", "/alliances/<alliance_id>/projects", body=api.JointProjectSchema,
           response=api.AllianceViewSchema, roles=UNION, status=201, tags=ALLIANCES,
           summary="Start a joint project of member studios")
    def add_joint_project(self, request, principal, payload, alliance_id):
        return self.studios.add_joint_project(principal.to_dict(), alliance_id, payload)

    # --- results

    @route("POST", "/studios/<studio_id>/results", body=api.ResultSchema,
           response=api.ResultViewSchema, roles=(STUDIO_LEAD,), status=201, tags=RESULTS,
           summary="Write an innovation result of the lead's own studio (a draft)")
    def create_result(self, request, principal, payload, studio_id):
        return self.studios.create_result(principal.to_dict(), studio_id, payload)

    @route("GET", "/results", query=api.ResultQuerySchema, response=api.ResultPageSchema,
           roles=STUDIO_READERS, tags=RESULTS,
           summary="Innovation results the caller may see (reviewers: a review queue by status)")
    def list_results(self, request, principal, query):
        return self.studios.list_results(principal.to_dict(), query)

    @route("GET", "/results/<result_id>", response=api.ResultViewSchema, roles=STUDIO_READERS,
           tags=RESULTS, summary="One result with its evidence, reviews and near duplicates")
    def get_result(self, request, principal, result_id):
        return self.studios.get_result(principal.to_dict(), result_id)

    @route("PUT", "/results/<result_id>", body=api.ResultSchema, response=api.ResultViewSchema,
           roles=(STUDIO_LEAD,), tags=RESULTS,
           summary="Rewrite a draft, or a result returned for rework")
    def edit_result(self, request, principal, payload, result_id):
        return self.studios.edit_result(principal.to_dict(), result_id, payload)

    @route("POST", "/results/<result_id>/submission", response=api.ResultViewSchema,
           roles=(STUDIO_LEAD,), tags=RESULTS,
           summary="Submit (or resubmit) a result for review; the answer lists near duplicates")
    def submit_result(self, request, principal, result_id):
        return self.studios.submit_result(principal.to_dict(), result_id)

    @route("POST", "/results/<result_id>/evidence", form=api.EvidenceSchema,
           response=StoredFileOut, roles=(STUDIO_LEAD,), status=201, tags=RESULTS,
           summary="Upload an evidence file of a draft or returned result (multipart; PDF, "
                   "images, Word or Excel, checked by content, at most 10 MiB)")
    def add_evidence(self, request, principal, payload, result_id):
        return self.studios.add_evidence(principal.to_dict(), result_id, payload)

    @route("GET", "/results/<result_id>/evidence/<file_id>", download=True, roles=STUDIO_READERS,
           tags=RESULTS, summary="Download an evidence file of a result the caller may see")
    def evidence_file(self, request, principal, result_id, file_id):
        return self.studios.evidence_file(principal.to_dict(), result_id, file_id)

    @route("POST", "/results/<result_id>/reviews", body=api.ReviewSchema,
           response=api.ResultViewSchema, roles=UNION, tags=RESULTS,
           summary="A review step with a comment: start_review, verify, return, reject, duplicate")
    def review_result(self, request, principal, payload, result_id):
        return self.studios.review_result(principal.to_dict(), result_id, payload)

    # --- rating rounds

    @route("POST", "/rating-rounds", body=api.RoundSchema, response=api.RoundViewSchema,
           roles=UNION, status=201, tags=RATINGS,
           summary="Open a yearly rating round (星级评定) of a union's active studios")
    def open_round(self, request, principal, payload):
        return self.studios.open_round(principal.to_dict(), payload)

    @route("GET", "/rating-rounds", query=api.RoundQuerySchema, response=api.RoundPageSchema,
           roles=ROUND_READERS, tags=RATINGS, summary="Rating rounds (organisers: their unit's)")
    def list_rounds(self, request, principal, query):
        return self.studios.list_rounds(principal.to_dict(), query)

    @route("GET", "/rating-rounds/<round_id>", response=api.RoundViewSchema, roles=ROUND_READERS,
           tags=RATINGS, summary="One round: its rubric, thresholds, notice and ratings by status")
    def get_round(self, request, principal, round_id):
        return self.studios.get_round(principal.to_dict(), round_id)

    @route("GET", "/rating-rounds/<round_id>/ratings", query=PageQuery,
           response=api.RatingPageSchema, roles=ROUND_READERS, tags=RATINGS,
           summary="The round's ratings with their breakdowns, by studio name")
    def list_ratings(self, request, principal, query, round_id):
        return self.studios.list_ratings(principal.to_dict(), round_id, query)

    @route("POST", "/rating-rounds/<round_id>/panel-scores", body=api.PanelScoresSchema,
           response=api.RatingViewSchema, roles=UNION, tags=RATINGS,
           summary="The experts' scores of a panel item of one studio (averaged, trimmed)")
    def record_panel_scores(self, request, principal, payload, round_id):
        return self.studios.record_panel_scores(principal.to_dict(), round_id, payload)

    @route("POST", "/rating-rounds/<round_id>/proposals", response=api.RoundViewSchema,
           roles=UNION, tags=RATINGS,
           summary="Compute every studio's proposed rating from the period's verified results")
    def compute_proposals(self, request, principal, round_id):
        studios = self.studios.with_timeout(ROUND_TIMEOUT)
        return studios.compute_proposals(principal.to_dict(), round_id)

    @route("POST", "/rating-rounds/<round_id>/notice", body=api.NoticeSchema,
           response=api.RoundViewSchema, roles=UNION, tags=RATINGS,
           summary="Open the public notice (公示) of the proposed ratings")
    def open_notice(self, request, principal, payload, round_id):
        return self.studios.open_notice(principal.to_dict(), round_id, payload)

    @route("GET", "/public/rating-rounds/<round_id>/notice", public=True, query=PublicNoticeQuerySchema,
           response=api.PublicNoticeSchema, tags=PUBLIC,
           summary="The public notice (公示) of a round's proposed ratings (`?format=html` for a page)",
           description="With `format=html` the answer is a self-contained HTML page with each "
                       "rating's points by category; the JSON schema below describes `format=json`.")
    def public_notice(self, request, principal, query, round_id):
        fmt = query.pop("format")
        view = self.studios.public_notice(round_id, query)
        if fmt == "html":
            return html_response(boards.notice_page(api.PublicNoticeSchema().dump(view)))
        return view

    @route("GET", "/ratings/<rating_id>", query=FormatQuerySchema, response=api.RatingViewSchema,
           roles=ROUND_READERS + (STUDIO_LEAD,), tags=RATINGS,
           summary="One rating item by item, with the results each item counted "
                   "(`?format=html` for a page)",
           description="With `format=html` the answer is a self-contained HTML page of the "
                       "breakdown with bars; the JSON schema below describes `format=json`.")
    def get_rating(self, request, principal, query, rating_id):
        view = self.studios.get_rating(principal.to_dict(), rating_id)
        if query["format"] == "html":
            return html_response(boards.rating_page(api.RatingViewSchema().dump(view)))
        return view

    @route("POST", "/ratings/<rating_id>/objections", body=api.ObjectionSchema,
           response=api.ObjectionViewSchema, status=201, tags=RATINGS,
           summary="File a signed objection during the public notice (the objector is kept "
                   "confidential; anonymous objections are not accepted)")
    def file_objection(self, request, principal, payload, rating_id):
        return self.studios.file_objection(principal.to_dict(), rating_id, payload)

    @route("POST", "/ratings/<rating_id>/objections/<objection_id>/answer",
           body=api.ObjectionAnswerSchema, response=api.RatingViewSchema, roles=UNION, tags=RATINGS,
           summary="Answer an objection: dismissed, or upheld (the proposed rating is withdrawn)")
    def answer_objection(self, request, principal, payload, rating_id, objection_id):
        return self.studios.answer_objection(principal.to_dict(), rating_id, objection_id, payload)

    # --- reports

    @route("GET", "/studio-reports", query=studio_reports.StudioReportQuerySchema,
           response=api.StudioReportSchema, roles=STUDIO_READERS, tags=["studio reports"],
           summary="The counts unions publish, per studio, alliance, industry chain and region "
                   "(`?format=html` for a page, `?format=xlsx` for an Excel workbook)",
           description="Studios by level and stars, verified results, patents, 攻关 problems "
                       "solved, 五小, results converted, confirmed savings and value created "
                       "(yuan), people trained: a table per grouping and the totals, which count "
                       "each studio once. The union reports on any unit, an organiser on their "
                       "own (another unit is a 403), a studio's lead on their own studio's row. "
                       "With `format=html` the answer is a self-contained HTML page, with "
                       "`format=xlsx` a workbook download (a sheet per grouping); the JSON schema "
                       "below describes `format=json`.")
    def studio_report(self, request, principal, query):
        fmt = query.pop("format")
        studios = self.studios.with_timeout(studio_reports.REPORT_TIMEOUT)
        view = studios.studio_report(principal.to_dict(), query)
        if fmt == studio_reports.JSON:
            return view
        dumped = api.StudioReportSchema().dump(view)
        if fmt == studio_reports.HTML:
            return html_response(studio_reports.report_page(dumped))
        return studio_reports.report_workbook(dumped, request.environ)
