"""The yearly report of studios: the counts unions publish, per studio, alliance, industry chain
and region (domain/reporting.py counts them).

Who reports on what (access.report_scope): the union on any unit or on every one; an organiser on
their own unit only (asking for another is a 403); a studio's lead on their own studio only, so
their report is that studio's row and no other grouping (an alliance's or a chain's row holding
one studio would read as the alliance's or the chain's). Alliances are shown only to those who may
read them, and count only the studios of the report.

The repository reads only the fields counted (a projection), the results once, as a stream: 1,000
studios with 50,000 verified results are read and counted in well under the RPC timeout.
"""
from common.auth import STUDIO_LEAD
from common.clock import utc_now
from common.validation import load
from services.studios import access
from services.studios.api import StudioReportQuerySchema
from services.studios.domain import reporting as counting


def _result_condition(scope, year):
    condition = {"studio_id": scope["_id"]} if "_id" in scope else {}
    if "unit" in scope:
        condition["unit"] = scope["unit"]
    if year is not None:
        condition["year"] = year
    return condition


def studio_report(store, caller, query):
    query = load(StudioReportQuerySchema(), query or {})
    scope = access.report_scope(caller, query.get("unit"))
    group_by = query["group_by"]
    if caller.role == STUDIO_LEAD:
        group_by = [counting.STUDIO]
    studio_condition = dict(scope)
    if query.get("industry_chain"):
        studio_condition["industry_chain"] = query["industry_chain"]
    studios = store.reported_studios(studio_condition)
    alliances = []
    if counting.ALLIANCE in group_by and studios:
        alliances = [alliance for alliance in store.alliances_of_studios(s["_id"] for s in studios)
                     if access.may_read_alliance(caller, alliance)]
    results = store.reported_results(_result_condition(scope, query.get("year")))
    filters = {"unit": scope.get("unit"), "year": query.get("year"),
               "industry_chain": query.get("industry_chain")}
    report = counting.studio_report(studios, results, alliances, group_by, filters)
    return {"generated_at": utc_now(), **report}
