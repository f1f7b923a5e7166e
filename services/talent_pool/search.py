"""Finding talents: search with filters and stable pagination, statistics, one talent.

Filters become conditions on the precomputed search keys (domain/search_keys.py): the most
selective is answered by the index, the rest are checked on what it found. A search by chain,
trade and level over 100,000 talents reads only the few dozen that match (bench/bench_talent_search.py).
Statistics count the matching talents by chain, trade and level; like a search, they read the
talents the index finds, so unfiltered statistics over the whole pool read all of it.
"""
from collections import Counter

from common.skill_levels import SKILL_LEVELS
from common.validation import load
from services.talent_pool import access
from services.talent_pool.domain import search_keys
from services.talent_pool.schemas import TalentSearchSchema, TalentStatisticsSchema
from services.talent_pool.views import ROW_FIELDS, talent_row, talent_view

FILTERS = ("industry_chain", "trade", "skill_level", "min_skill_level", "region", "employer", "name",
           "honour", "status", "needs_review")


def _filters(caller, query):
    filters = {key: query[key] for key in FILTERS if query.get(key) not in (None, "")}
    # Applied last: a caller's scope is not something a query can widen.
    filters.update(access.search_scope(caller))
    return filters


def search_talents(store, caller, query):
    query = load(TalentSearchSchema(), query or {})
    condition = search_keys.query(_filters(caller, query))
    total, found = store.search_talents(condition, query["sort"], query["limit"], query["offset"],
                                        ROW_FIELDS)
    return {
        "total": total,
        "limit": query["limit"], "offset": query["offset"], "sort": query["sort"],
        "talents": [talent_row(talent) for talent in found],
    }


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


def get_talent(store, caller, talent_id):
    talent = store.talent(talent_id)
    access.require_readable(caller, talent)
    return talent_view(talent)
