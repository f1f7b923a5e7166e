"""Near-duplicate titles, found fast among every stored result: an index of title bigrams.

Each result document carries its title's keys (``title_keys``, from :meth:`TitleIndex.keys_for`:
the bigram multiset of domain/titles.py as a set of strings), indexed as a multikey index. A
check looks the query title's keys up in a small collection of key frequencies (how many stored
titles have each key, kept by :meth:`TitleIndex.counted`), asks the index for the results that
have any of its rarest keys, and compares those (with the keys they carry, no title is parsed
again) to keep the ones similar enough.

Why the rarest and how many. A result similar enough shares at least ``min_overlap`` keys with
the query, so once all but ``min_overlap - 1`` of the query's keys are asked for, nothing similar
can be missed (prefix filtering). Titles share common words (数控, 车床, 装置, 改造...), each in
thousands of results, and the embedded store reads and decodes every document the index gives
(some 10 µs for a result of 2.5 KB), so the keys are taken rarest first only while the results
they may bring stay within ``budget``; the candidates read are cut at ``max_candidates`` whatever
the frequencies said. A near duplicate shares almost all its keys with the title it copies, its
rare ones too, so the rarest few find it: bench/bench_near_duplicates.py measures how often (the
recall) and how fast. Where the budget was enough for every key that matters the check is
exhaustive.

Frequencies are a cost estimate, never a filter: a count that drifted (a crash between storing a
result and counting it) only makes a check choose other keys. :meth:`TitleIndex.recount` rebuilds
them from the results. Keys stored by an older version of the rules are compared as stored until
the result's keys are written again.
"""
import itertools
from collections import Counter

from pymongo import UpdateOne

from common.storage import read_documents, read_holding_any
from services.studios.domain.titles import DEFAULT_THRESHOLD, min_overlap, near_duplicates, title_keys

TITLE_KEYS = "title_keys"
COUNT = "n"
# Estimated candidates a check may ask for (from the key frequencies), and the most it reads.
DEFAULT_BUDGET = 1500
DEFAULT_MAX_CANDIDATES = 3000
_FIELDS = ("_id", "title", "studio_id", TITLE_KEYS)
# Keys that would bring fewer candidates than this share of the budget are too few to stop at.
_FEW = 0.25


def plan_probes(keys, frequencies, threshold=DEFAULT_THRESHOLD, budget=DEFAULT_BUDGET):
    """Which of a title's ``keys`` to ask the index for: ``(probes, estimated candidates,
    exhaustive)``. Rarest first (``frequencies``: key -> stored titles that have it; a key never
    counted has none), until the keys left out are too few for a title to reach ``threshold`` on
    them alone (exhaustive), or the next key would take the estimate past ``budget``. While the
    keys asked for would bring fewer than a quarter of the budget, the next is asked for however
    common: a mistyped character makes two keys that no title has, or a few do by chance, and a
    near duplicate shares the other keys."""
    needed = min_overlap(len(keys), threshold)
    ordered = sorted(keys, key=lambda key: (frequencies.get(key, 0), key))
    probes, estimated = [], 0
    for key in ordered:
        if len(keys) - len(probes) < needed:
            return probes, estimated, True
        frequency = frequencies.get(key, 0)
        if probes and estimated + frequency > budget and estimated >= budget * _FEW:
            return probes, estimated, False
        probes.append(key)
        estimated += frequency
    return probes, estimated, True


class TitleIndex:
    """The near-duplicate check over ``collection`` (a pymongo Collection of results, or the
    embedded store's), whose documents carry ``_id``, ``title``, ``studio_id`` and the title's
    keys in ``field`` (``keys_for(title)``, written with the title). Key frequencies live in
    ``counts`` (by default the collection ``<collection>_title_keys`` of the same database).

    Every stored result is a candidate, whichever studio it is from: a near duplicate across
    studios is what a reviewer wants to see. A ``scope`` narrows that (the results of one city,
    a range of years). On the embedded store the first read after a start rebuilds the
    collection's in-memory index from its file (some 4 s for 100,000 results): the repository
    pays for it while the service sets up, as the talent pool's does."""

    def __init__(self, collection, counts=None, field=TITLE_KEYS, budget=DEFAULT_BUDGET,
                 max_candidates=DEFAULT_MAX_CANDIDATES):
        self.collection = collection
        self.counts = counts if counts is not None else collection.database[f"{collection.name}_title_keys"]
        self.field = field
        self.budget = budget
        self.max_candidates = max_candidates
        collection.create_index(field)

    @staticmethod
    def keys_for(title):
        """What a result's document stores in ``field`` for ``title``."""
        return title_keys(title)

    def counted(self, added=(), removed=()):
        """Count the keys of titles just stored (``added``) and no longer stored (``removed``): a
        new result's title is added, a changed one is removed and its new one added, a deleted
        result's removed. One write per key that changed, whatever the number of titles."""
        change = Counter()
        for title in added:
            change.update(title_keys(title))
        for title in removed:
            change.subtract(title_keys(title))
        writes = [UpdateOne({"_id": key}, {"$inc": {COUNT: n}}, upsert=True)
                  for key, n in sorted(change.items()) if n]
        if writes:
            self.counts.bulk_write(writes, ordered=False)

    def recount(self):
        """Count every stored result's keys again, from the keys they carry."""
        counts = Counter()
        for document in read_documents(self.collection, {self.field: {"$exists": True}}, (self.field,)):
            counts.update(document.get(self.field) or ())
        documents = [{"_id": key, COUNT: n} for key, n in sorted(counts.items())]
        self.counts.delete_many({})
        for start in range(0, len(documents), 5000):
            self.counts.insert_many(documents[start:start + 5000])

    def frequencies(self, keys):
        """How many stored titles have each of ``keys`` (a key never counted is left out)."""
        return {document["_id"]: document.get(COUNT, 0) for document in
                read_documents(self.counts, {"_id": {"$in": list(keys)}}, ("_id", COUNT))}

    def plan(self, title, threshold=DEFAULT_THRESHOLD):
        """``(probes, estimated candidates, exhaustive)`` for a check of ``title``."""
        keys = title_keys(title)
        return plan_probes(keys, self.frequencies(keys), threshold, self.budget)

    def find_similar(self, title, exclude_id=None, scope=None, limit=5, threshold=DEFAULT_THRESHOLD):
        """The stored results whose titles are most similar to ``title`` (at least
        ``threshold``), most similar first, at most ``limit``: ``[{"result_id", "title",
        "studio_id", "similarity"}]``. ``exclude_id``: a result not to list (the one being
        checked); ``scope``: a filter the candidates must also match (e.g. ``{"city": ...}`` or a
        range of years; an indexed equality there also narrows what the embedded store reads)."""
        probes, _, _ = self.plan(title, threshold)
        if not probes:
            return []
        found = read_holding_any(self.collection, self.field, probes, _FIELDS, scope)
        candidates = (document for document in itertools.islice(found, self.max_candidates)
                      if document["_id"] != exclude_id)
        return [{"result_id": match["_id"], "title": match["title"], "studio_id": match.get("studio_id"),
                 "similarity": match["similarity"]}
                for match in near_duplicates(title, candidates, threshold, limit)]
