"""Near-duplicate titles among every result submitted so far, found fast.

Each result document carries its title's keys (``title_keys``, from :meth:`TitleIndex.keys_for`:
the bigram multiset of domain/titles.py as a set of strings). A title of ``k`` keys reaches the
threshold only with titles that share at least ``min_overlap(k)`` of its keys, so every such
title holds one of any ``k - min_overlap(k) + 1`` of them (prefix filtering): a check asks for
the results holding one of its rarest keys, and compares each with all its keys.

Where the comparing happens depends on the store:

- The embedded store serves one process (common.storage holds a lock on it), so that process's
  writes are all there are: the index is kept in its memory (:class:`_Postings`: each key's
  results, each result's title and keys), read from the store once at start (:meth:`load`) and
  kept in step by :meth:`track` after every write of a result. A check reads nothing from the
  store: reading and decoding a thousand 2.5 KB result documents cost more than the rest of a
  submission together.
- MongoDB may serve several instances, each of which writes: there the store answers, an
  aggregation on the multikey index of the keys that counts the keys each candidate shares, so
  that only the candidates close enough come back. It asks for every key: exact.

In memory the keys are taken rarest first only while the results they hold stay within
``budget`` (:func:`plan_probes`), and at most ``max_candidates`` are compared. Titles share
common words (数控, 车床, 装置, 改造...), each in thousands of results, and comparing every result
that holds one costs tens of milliseconds; a near duplicate shares almost all its keys with the
title it copies, its rare ones too, so the rarest few find it. bench/bench_near_duplicates.py
measures how often (the recall) and how fast. Where the budget held every key that matters, the
check is exhaustive.
"""
import sys
from collections import Counter, defaultdict

from common.storage import document_test, is_embedded, read_documents
from services.studios.domain.titles import DEFAULT_THRESHOLD, min_overlap, near_duplicates, title_keys

TITLE_KEYS = "title_keys"
_FIELDS = ("_id", "title", "studio_id", TITLE_KEYS)
# Results the keys asked for may hold, and the most that are compared (in memory).
DEFAULT_BUDGET = 1500
DEFAULT_MAX_CANDIDATES = 3000
# Keys that would bring fewer candidates than this share of the budget are too few to stop at.
_FEW = 0.25


def plan_probes(keys, frequencies, threshold=DEFAULT_THRESHOLD, budget=DEFAULT_BUDGET):
    """Which of a title's ``keys`` to ask for: ``(probes, candidates they bring at most,
    exhaustive)``. Rarest first (``frequencies``: key -> stored titles that have it; a key no
    title has is left out), until the keys left out are too few for a title to reach
    ``threshold`` on them alone (exhaustive), or the next key would take the candidates past
    ``budget``. While the keys asked for would bring fewer than a quarter of the budget, the next
    is asked for however common: a mistyped character makes two keys that no title has, or a few
    do by chance, and a near duplicate shares the other keys."""
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


class _Postings:
    """Each key's results and each result's (title, studio id, keys): the titles in scope."""

    def __init__(self):
        self.results = {}
        self.holding = defaultdict(set)

    def put(self, result_id, title, studio_id, keys):
        self.drop(result_id)
        keys = tuple(sys.intern(key) for key in keys)  # a hundred thousand titles share few keys
        self.results[result_id] = (title, studio_id, keys)
        for key in keys:
            self.holding[key].add(result_id)

    def drop(self, result_id):
        held = self.results.pop(result_id, None)
        if held is None:
            return
        for key in held[2]:
            holders = self.holding[key]
            holders.discard(result_id)
            if not holders:
                del self.holding[key]

    def frequencies(self, keys):
        return {key: len(self.holding[key]) for key in keys if key in self.holding}

    def candidates(self, keys, probes, needed, most, exclude_id):
        """``(result id, its keys)`` of the results holding one of ``probes`` (at most ``most`` of
        them, the first by id) but ``exclude_id`` that share at least ``needed`` of ``keys``, in
        the order of their ids.

        The keys shared are counted by intersecting each key's results with the candidates, in C:
        most candidates share a common word or two, and a title needs ``needed`` keys in common
        to be similar enough, so few are left to compare one by one."""
        holding = self.holding
        shared = Counter()
        for key in probes:
            shared.update(holding.get(key, ()))
        shared.pop(exclude_id, None)
        if len(shared) > most:
            shared = Counter({result_id: shared[result_id] for result_id in sorted(shared)[:most]})
        found = shared.keys()
        for key in set(keys).difference(probes):
            holders = holding.get(key)
            if holders:
                shared.update(holders & found)
        results = self.results
        return [(result_id, results[result_id][2])
                for result_id in sorted(result_id for result_id, n in shared.items() if n >= needed)]


class TitleIndex:
    """The near-duplicate check over ``collection`` (a pymongo Collection of results, or the
    embedded store's) among the results that match ``scope`` (a filter: the results a
    submitter may be shown). Every result in scope is a candidate, whichever studio it is from:
    a near duplicate across studios is what a reviewer wants to see.

    The repository calls :meth:`load` once when it opens the store and :meth:`track` with every
    result it writes, and stores ``keys_for(title)`` in ``field`` with each title."""

    def __init__(self, collection, scope, field=TITLE_KEYS, budget=DEFAULT_BUDGET,
                 max_candidates=DEFAULT_MAX_CANDIDATES):
        self.collection = collection
        self.scope = scope
        self.field = field
        self.budget = budget
        self.max_candidates = max_candidates
        self._in_scope = document_test(scope)
        self._postings = _Postings() if is_embedded(collection) else None
        if self._postings is None:
            collection.create_index(field)

    @staticmethod
    def keys_for(title):
        """What a result's document stores in ``field`` for ``title``."""
        return title_keys(title)

    def load(self):
        """Read every result in scope into the index kept in memory (on the embedded store)."""
        if self._postings is None:
            return
        for document in read_documents(self.collection, self.scope, _FIELDS):
            self._index(document)

    def track(self, document):
        """Keep the index in step with a result as just written (whole): in it while in scope."""
        if self._postings is None:
            return
        if self._in_scope(document):
            self._index(document)
        else:
            self._postings.drop(document["_id"])

    def _index(self, document):
        # Keys stored by an older version of the rules are compared as stored until the result's
        # title is written again.
        keys = document.get(self.field)
        self._postings.put(document["_id"], document["title"], document.get("studio_id"),
                           self.keys_for(document["title"]) if keys is None else keys)

    def plan(self, title, threshold=DEFAULT_THRESHOLD):
        """``(probes, candidates they bring at most, exhaustive)`` for a check of ``title`` in
        memory (:func:`plan_probes`)."""
        return self._plan(title_keys(title), threshold)

    def _plan(self, keys, threshold):
        return plan_probes(keys, self._postings.frequencies(keys), threshold, self.budget)

    def find_similar(self, title, exclude_id=None, limit=5, threshold=DEFAULT_THRESHOLD):
        """The results in scope whose titles are most similar to ``title`` (at least
        ``threshold``), most similar first (ties by id), at most ``limit``: ``[{"result_id",
        "title", "studio_id", "similarity"}]``. ``exclude_id``: a result not to list (the one
        being checked)."""
        keys = title_keys(title)
        if not keys:
            return []
        needed = min_overlap(len(keys), threshold)
        if self._postings is None:
            entries = self._stored_candidates(keys, needed, exclude_id)
            candidates = [(result_id, held) for result_id, (_, _, held) in entries.items()]
        else:
            entries = self._postings.results
            probes, _, _ = self._plan(keys, threshold)
            candidates = self._postings.candidates(keys, probes, needed, self.max_candidates, exclude_id)
        return [{"result_id": result_id, "title": entries[result_id][0], "studio_id": entries[result_id][1],
                 "similarity": score} for result_id, score in near_duplicates(keys, candidates, threshold, limit)]

    def _stored_candidates(self, keys, needed, exclude_id):
        """The candidates as MongoDB finds them, those sharing ``needed`` keys (counted by the
        server), as ``_Postings.results`` holds them: ``{result id: (title, studio id, keys)}``,
        in the order of their ids."""
        field = f"${self.field}"
        pipeline = [
            {"$match": {"$and": [{self.field: {"$in": keys}}, {"_id": {"$ne": exclude_id}}, self.scope]}},
            {"$project": {"title": 1, "studio_id": 1, self.field: 1,
                          "shared": {"$size": {"$filter": {"input": field, "as": "key",
                                                           "cond": {"$in": ["$$key", keys]}}}}}},
            {"$match": {"shared": {"$gte": needed}}},
            {"$sort": {"_id": 1}},
        ]
        return {document["_id"]: (document["title"], document.get("studio_id"), document[self.field])
                for document in self.collection.aggregate(pipeline)}
