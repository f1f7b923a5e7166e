"""Finding talents: search with filters and stable pagination, statistics, exports, one talent.

Filters become conditions on the precomputed search keys (domain/search_keys.py): the most
selective is answered by the index, the rest are checked on what it found. A search by chain,
trade and level over 100,000 talents reads only the few dozen that match (bench/bench_talent_search.py).
Statistics count the matching talents by chain, trade and level; like a search, they read the
talents the index finds, so unfiltered statistics over the whole pool read all of it.

An export reads every talent a filter matches, for a file. Paging through the search would sort
every match again for each page (on the embedded store, 4-5 s a page with 100,000 matches), so an
export orders the matching ids once, at its start, keeps them with the export, and then reads
them a page at a time: a whole-pool export costs one sort, and its pages neither skip nor repeat a
talent. A talent that leaves the filters or the caller's scope meanwhile is left out.
"""
import datetime
import uuid
from collections import Counter

from common.errors import BadRequest, NotFound
from common.schemas import page
from common.validation import load
from common.vocabulary import SKILL_LEVELS
from services.talent_pool import access
from services.talent_pool.api import (MAX_EXPORT_ROWS, ExportCursorSchema, TalentExportSchema,
                                      TalentSearchSchema, TalentStatisticsSchema)
from services.talent_pool.domain import search_keys
from services.talent_pool.views import ROW_FIELDS, talent_row, talent_view

EXPORT_PAGE = 1000

FILTERS = ("industry_chain", "trade", "skill_level", "min_skill_level", "region", "employer", "name",
           "honour", "status", "needs_review")


def _chosen(query):
    return {key: query[key] for key in FILTERS if query.get(key) not in (None, "")}


def _filters(caller, query):
    filters = _chosen(query)
    # Applied last: a caller's scope is not something a query can widen.
    filters.update(access.search_scope(caller))
    return filters


def search_talents(store, caller, query):
    query = load(TalentSearchSchema(), query or {})
    condition = search_keys.query(_filters(caller, query))
    total, found = store.search_talents(condition, query["sort"], query["limit"], query["offset"],
                                        ROW_FIELDS)
    return {**page((talent_row(talent) for talent in found), total, query), "sort": query["sort"]}


def talent_statistics(store, caller, query):
    query = load(TalentStatisticsSchema(), query or {})
    filters = _filters(caller, query)
    chains, trades, levels = Counter(), Counter(), Counter()
    total = 0
    for talent in store.talent_facets(search_keys.query(filters)):
        total += 1
        chains.update(talent.get("industry_chains") or ())
        trades.update(talent.get("trades") or ())
        levels[talent.get("skill_level")] += 1

    def ranked(counter, name):
        return [{name: key, "count": count}
                for key, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))]

    return {
        "filters": {key: value for key, value in filters.items() if key != "unit"},
        "total": total,
        "by_industry_chain": ranked(chains, "industry_chain"),
        "by_trade": ranked(trades, "trade"),
        # In ladder order, lowest first, only the levels present.
        "by_skill_level": [{"skill_level": level, "count": levels[level]}
                           for level in (*SKILL_LEVELS, None) if levels.get(level)],
    }


def export_talents(store, caller, query=None, cursor=None):
    """A page of an export: ``query`` (filters and order) starts one, ``cursor`` (the ``next`` of
    the page before) goes on with it. Returns the page's talents, the export's total and the
    cursor of the next page, None after the last."""
    if cursor is None:
        query = load(TalentExportSchema(), query or {})
        talent_ids = store.talent_ids(search_keys.query(_filters(caller, query)), query["sort"])
        if len(talent_ids) > MAX_EXPORT_ROWS:
            raise BadRequest(
                f"the filters match {len(talent_ids):,} talents and an export holds at most "
                f"{MAX_EXPORT_ROWS:,}: narrow them (by industry chain, trade, level, region or employer)")
        export = {"_id": f"exp-{uuid.uuid4().hex}", "owner": caller.subject, "filters": _chosen(query),
                  "talent_ids": talent_ids,
                  "started_at": datetime.datetime.now(datetime.timezone.utc)}
        store.add_export(export)
        offset = 0
    else:
        cursor = load(ExportCursorSchema(), cursor)
        export = store.export(cursor["export_id"])
        if export["owner"] != caller.subject:
            raise NotFound(f"no export {cursor['export_id']}")
        offset = cursor["offset"]
    talent_ids = export["talent_ids"]
    end = min(offset + EXPORT_PAGE, len(talent_ids))
    # The filters again, with the caller's scope as it is now, not as it was at the start.
    condition = search_keys.query(_filters(caller, export["filters"]))
    found = store.talents_by_id(talent_ids[offset:end], condition, ROW_FIELDS)
    if end >= len(talent_ids):
        store.remove_export(export["_id"])
    return {"total": len(talent_ids), "items": [talent_row(talent) for talent in found],
            "next": {"export_id": export["_id"], "offset": end} if end < len(talent_ids) else None}


def get_talent(store, caller, talent_id):
    talent = store.talent(talent_id)
    access.require_readable(caller, talent)
    return talent_view(talent)
