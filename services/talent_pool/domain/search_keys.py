"""Precomputed search keys: how a search over 100,000 talents stays an indexed equality match.

Every talent keeps a list of strings (``search_keys``, indexed as a multikey index) naming what it
can be found by. A search turns its filters into conditions on those keys, queries by the most
selective one (an equality or ``$in`` that the index answers) and checks the others on the few
documents found. The embedded store answers an indexed equality on 100,000 documents in about a
millisecond and anything else by reading them all, so the combinations people search by most
(chain + trade + level and its subsets) get keys of their own.

    s:<status>   c:<chain>   t:<trade>   l:<level>   ct:<chain>|<trade>   cl:<chain>|<level>
    tl:<trade>|<level>   ctl:<chain>|<trade>|<level>   r:<region code prefix, 2-6 digits>
    e:<employer>   n:<name>   h:<title, prize or prize name, a studio lead's honour (劳模, 工匠)>
    u:<unit>   x:needs_review

A talent with several chains or trades has a key for every combination: a filter by chain and
trade finds whoever has both.
"""
from common.vocabulary import is_skill_level, levels_from

SEPARATOR = "|"
REGION_PREFIXES = (2, 3, 4, 5, 6)
ALL_STATUSES = "all"

# Most selective first: a search queries the index with the first condition it has.
_PRIORITY = ("ctl", "ct", "cl", "tl", "n", "e", "h", "r", "t", "c", "l", "u", "x", "s")


def _clean(value):
    # The separator inside a value would make two different combinations share a key.
    return str(value).replace(SEPARATOR, "/")


HONOUR_FAMILIES = (("劳动模范", "劳模"), ("劳模", "劳模"), ("工匠", "工匠"))


def keys_of(talent):
    """The search keys of a talent (a sorted list, without duplicates)."""
    chains = [_clean(c) for c in talent.get("industry_chains") or ()]
    trades = [_clean(t) for t in talent.get("trades") or ()]
    level = talent.get("skill_level")
    keys = {f"s:{talent['status']}"}
    keys.update(f"c:{c}" for c in chains)
    keys.update(f"t:{t}" for t in trades)
    keys.update(f"ct:{c}{SEPARATOR}{t}" for c in chains for t in trades)
    if level:
        keys.add(f"l:{level}")
        keys.update(f"cl:{c}{SEPARATOR}{level}" for c in chains)
        keys.update(f"tl:{t}{SEPARATOR}{level}" for t in trades)
        keys.update(f"ctl:{c}{SEPARATOR}{t}{SEPARATOR}{level}" for c in chains for t in trades)
    region = talent.get("region_code") or ""
    keys.update(f"r:{region[:n]}" for n in REGION_PREFIXES if len(region) >= n)
    if talent.get("employer"):
        keys.add(f"e:{talent['employer']}")
    if talent.get("name"):
        keys.add(f"n:{talent['name']}")
    for honour in talent.get("honours") or ():
        for value in [honour.get("prize"), honour.get("prize_name"), *(honour.get("titles") or ())]:
            if value:
                keys.add(f"h:{value}")
    for studio_honour in talent.get("studio_honours") or ():
        lead_honour = studio_honour.get("lead_honour")
        if lead_honour:
            keys.add(f"h:{lead_honour}")
            # 市级劳动模范 is found as 劳模 too, 省级工匠 as 工匠: how unions ask for them.
            keys.update(f"h:{family}" for word, family in HONOUR_FAMILIES if word in lead_honour)
    keys.update(f"u:{unit}" for unit in talent.get("units") or ())
    if talent.get("needs_review"):
        keys.add("x:needs_review")
    return sorted(keys)


def conditions(filters):
    """The key conditions of a search, most selective first: a list of lists of keys, each inner
    list an OR (a talent must have at least one key of every condition).

    ``filters`` (all optional): industry_chain, trade, skill_level, min_skill_level, region,
    employer, name, honour, unit, needs_review, status (``all`` for any status).
    """
    chain = filters.get("industry_chain")
    trade = filters.get("trade")
    if filters.get("skill_level"):
        levels = [filters["skill_level"]]
    elif filters.get("min_skill_level") and is_skill_level(filters["min_skill_level"]):
        levels = list(levels_from(filters["min_skill_level"]))
    else:
        levels = []
    chain = _clean(chain) if chain else None
    trade = _clean(trade) if trade else None
    found = {}
    if chain and trade and levels:
        found["ctl"] = [f"ctl:{chain}{SEPARATOR}{trade}{SEPARATOR}{level}" for level in levels]
    elif chain and trade:
        found["ct"] = [f"ct:{chain}{SEPARATOR}{trade}"]
    elif chain and levels:
        found["cl"] = [f"cl:{chain}{SEPARATOR}{level}" for level in levels]
    elif trade and levels:
        found["tl"] = [f"tl:{trade}{SEPARATOR}{level}" for level in levels]
    elif chain:
        found["c"] = [f"c:{chain}"]
    elif trade:
        found["t"] = [f"t:{trade}"]
    elif levels:
        found["l"] = [f"l:{level}" for level in levels]
    for prefix, name in (("n", "name"), ("e", "employer"), ("h", "honour"), ("r", "region"),
                         ("u", "unit")):
        if filters.get(name):
            found[prefix] = [f"{prefix}:{filters[name]}"]
    if filters.get("needs_review"):
        found["x"] = ["x:needs_review"]
    status = filters.get("status")
    if status and status != ALL_STATUSES:
        found["s"] = [f"s:{status}"]
    return [found[prefix] for prefix in _PRIORITY if prefix in found]


def query(filters, field="search_keys"):
    """A MongoDB filter for ``filters``: the first (most selective) condition answered by the index,
    the others checked on what it finds; ``{}`` when there is no condition at all.

    ``{"search_keys": {"$eq": <first>, "$all": [<each other single key>]}}``, with ``$in`` for a
    first condition of several keys and an ``$or`` per other condition of several keys. The
    embedded store plans a query with ``$eq`` and ``$in`` only: ``$all`` and ``$or`` just filter
    what the first condition found, instead of each pulling in every talent with a common key
    (every active talent has ``s:active``).
    """
    found = conditions(filters)
    if not found:
        return {}
    first, rest = found[0], found[1:]
    test = {"$eq": first[0]} if len(first) == 1 else {"$in": first}
    singles = [keys[0] for keys in rest if len(keys) == 1]
    if singles:
        test["$all"] = singles
    result = {field: test}
    alternatives = [{"$or": [{field: key} for key in keys]} for keys in rest if len(keys) > 1]
    if alternatives:
        result["$and"] = alternatives
    return result
