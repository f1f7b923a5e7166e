"""Where the studios live: one document per studio (members, lead, status, rating in effect and
history), per alliance, per innovation result (content, evidence records, reviews).

What the rating reads of a studio's verified results is also kept apart, one small document per
studio (``rated_results``: ``{"_id": studio id, "unit", "results": {result id: facts}}``), so
that a round reads 1,000 such documents rather than 50,000 whole results. A verified result never
changes again. The write that verifies a result also sets ``facts_pending`` on it; its facts are
then recorded and the flag cleared. A round first records the facts of any result still flagged
(a process that stopped in between), so the facts it reads are those of every verified result.

Every change is one write of one document, conditioned on the revision it was read at, with the
events it announces in the same write (outbox). The duplicate rules are unique indexes on claims
a result holds while it is submitted, in review or verified: ``patent_claim`` (the normalised
patent number) and ``title_claim`` (studio + year + normalised title). A rejected result gives
its claims up, so the same work may be submitted again properly.
"""
from collections import Counter

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from common.errors import Conflict, NotFound
from common.repository import NOT_STATE, Repository, StaleWrite
from common.storage import find_page, read_documents
from services.studios.domain.rating import result_facts
from services.studios.domain.results import VERIFIED
from services.studios.similar_titles import TITLE_KEYS, TitleIndex

BY_NAME = [("name", ASCENDING), ("_id", ASCENDING)]
BY_CREATION = [("created_at", ASCENDING), ("_id", ASCENDING)]
BY_STUDIO_NAME = [("studio_name", ASCENDING), ("_id", ASCENDING)]
# Set on a result by the write that verifies it, until its facts are in ``rated_results``.
FACTS_PENDING = "facts_pending"
# What the rating arithmetic reads of a result, and what a round reads of a studio it rates.
RATED_FIELDS = ("_id", "studio_id", "unit", "kind", "title", "achieved_on", "economic_benefit",
                "people_trained", "converted", "prior_award_level")
RATED_STUDIO_FIELDS = ("_id", "name", "unit", "enterprise", "members", "founded_on", "rating")
# What proposing and the effect read of a rating already stored: the rest stays as stored,
# untouched (a write changes only the fields that differ from what was read).
PROPOSING_FIELDS = ("_id", "round_id", "studio_id", "revision", "status", "panel_scores")
EFFECT_FIELDS = ("_id", "round_id", "studio_id", "revision", "status", "objections", "proposal")
# What opening a round's notice checks of each rating: proposed, and complete.
NOTICE_FIELDS = ("studio_id", "status", "proposal")
# What a report reads of a studio, a result and an alliance.
REPORTED_STUDIO = ("_id", "name", "unit", "industry_chain", "region_code", "level", "status", "rating")
REPORTED_RESULT = ("studio_id", "kind", "year", "economic_benefit", "people_trained", "converted")
REPORTED_ALLIANCE = ("_id", "name", "unit", "members")
# The results a submitter or reviewer may be shown as near duplicates: drafts are their studio's
# own business.
SUBMITTED_SO_FAR = {"status": {"$ne": "draft"}}
CLAIMS = {"patent_claim": ("patent_number", "the same patent number is already claimed by result"),
          "title_claim": ("title", "the same studio already has this title in the same year: result")}


class StudiosRepository(Repository):
    def __init__(self, database):
        self.studios = database["studios"]
        self.alliances = database["alliances"]
        self.results = database["results"]
        self.rounds = database["rounds"]
        self.ratings = database["ratings"]
        self.rated_results = database["rated_results"]
        self.studios.create_index("unit")
        self.studios.create_index("rating.stars")
        self.alliances.create_index("members")
        self.results.create_index("studio_id")
        self.results.create_index("status")
        self.results.create_index("unit")
        self.results.create_index(FACTS_PENDING, sparse=True)
        self.rated_results.create_index("unit")
        self.rounds.create_index("status")
        self.ratings.create_index("round_id")
        for claim in CLAIMS:
            self.results.create_index(claim, unique=True, sparse=True)
        self.titles = TitleIndex(self.results, SUBMITTED_SO_FAR)
        super().__init__(database)
        # The embedded store rebuilds a collection's in-memory index from its file on the first
        # read after start-up (some 4 s for 100,000 results): pay for it here, while the service
        # is being set up, rather than in the first submission, near-duplicate check or rating
        # round it serves.
        for collection in (self.studios, self.results, self.ratings, self.rated_results):
            collection.find_one({"status": ""}, {"_id": 1})
        self.titles.load()
        if self.rated_results.find_one({}, {"_id": 1}) is None:
            # A store from before the rated facts were kept apart: its verified results are
            # recorded by the next round, as if each had just been verified.
            self.results.update_many({"status": VERIFIED}, {"$set": {FACTS_PENDING: True}})

    @property
    def outbox_collections(self):
        return [self.studios, self.results]

    # studios

    def add_studio(self, studio, record):
        return self.insert(self.studios, {**studio, "history": [record]})

    def studio(self, studio_id):
        document = self.read(self.studios, studio_id)
        if document is None:
            raise NotFound(f"no studio {studio_id}")
        return document

    def save_studio(self, current, studio, record=None, events=(), returning=True):
        return self.save_revision(self.studios, current, studio, record, events, returning)

    def find_studios(self, condition, limit, offset):
        return find_page(self.studios, condition, BY_NAME, limit, offset, NOT_STATE)

    # alliances

    def add_alliance(self, alliance, record):
        return self.insert(self.alliances, {**alliance, "history": [record]})

    def alliance(self, alliance_id):
        document = self.alliances.find_one({"_id": alliance_id})
        if document is None:
            raise NotFound(f"no alliance {alliance_id}")
        return document

    def save_alliance(self, current, alliance, record):
        return self.save_revision(self.alliances, current, alliance, record)

    def find_alliances(self, condition, limit, offset):
        return find_page(self.alliances, condition, BY_NAME, limit, offset, None)

    # results

    def add_result(self, result, record):
        stored = self.insert(self.results, {**result, TITLE_KEYS: self.titles.keys_for(result["title"]),
                                            "history": [record]})
        self.titles.track(stored)
        return stored

    def result(self, result_id):
        document = self.read(self.results, result_id)
        if document is None:
            raise NotFound(f"no result {result_id}")
        return document

    def save_result(self, current, result, record=None, events=()):
        """Store the new state of a result; a claim another result holds is a 409 naming it."""
        if result["title"] != current["title"]:
            result = {**result, TITLE_KEYS: self.titles.keys_for(result["title"])}
        verifying = result["status"] == VERIFIED and current["status"] != VERIFIED
        if verifying:
            result = {**result, FACTS_PENDING: True}
        try:
            stored = self.save_revision(self.results, current, result, record, events)
        except DuplicateKeyError:
            for claim, (field, message) in CLAIMS.items():
                if result.get(claim) is None:
                    continue
                holder = self.results.find_one({claim: result[claim], "_id": {"$ne": result["_id"]}},
                                               {"_id": 1})
                if holder is not None:
                    raise Conflict(f"{message} {holder['_id']}",
                                   {field: [f"duplicate of {holder['_id']}"]}) from None
            raise
        # Nothing yields to another worker between the write and this (the embedded store, where
        # the index is kept in memory, writes without waiting on a socket): the index never
        # holds a result as written before a later write of it.
        self.titles.track(stored)
        if verifying:
            self.record_rated_facts([stored])
        return stored

    def similar_results(self, title, exclude=None):
        """The results submitted so far whose titles are most like ``title`` (drafts are their
        studio's own business)."""
        return self.titles.find_similar(title, exclude_id=exclude)

    def find_results(self, condition, limit, offset):
        return find_page(self.results, condition, BY_CREATION, limit, offset, NOT_STATE)

    def record_rated_facts(self, results):
        """Keep what the rating reads of ``results`` (verified, with at least ``RATED_FIELDS``)
        in their studios' ``rated_results``, then clear their ``facts_pending``: idempotent."""
        by_studio = {}
        for result in results:
            by_studio.setdefault(result["studio_id"], []).append(result)
        for studio_id, own in by_studio.items():
            facts = {f"results.{result['_id']}": result_facts(result) for result in own}
            self.rated_results.update_one({"_id": studio_id},
                                          {"$set": {"unit": own[0]["unit"], **facts}}, upsert=True)
        for result in results:
            if result.get(FACTS_PENDING):
                self.update(self.results, {"_id": result["_id"]}, {"$unset": {FACTS_PENDING: ""}})

    def verified_results(self, unit, studio_ids, period):
        """What the rating reads of the verified results of ``studio_ids`` (studios of ``unit``)
        achieved within ``period`` (``result_facts``), by studio.

        Found by the unit each studio's facts carry (a studio never changes unit), then kept
        when of one of ``studio_ids``: on the embedded store a condition ``$in`` a round's
        thousand studio ids compares every document with each of them."""
        pending = list(read_documents(self.results, {"unit": unit, FACTS_PENDING: True},
                                      RATED_FIELDS + (FACTS_PENDING,)))
        if pending:
            self.record_rated_facts(pending)
        found = {studio_id: [] for studio_id in studio_ids}
        start, end = period["from"], period["to"]
        for rated in read_documents(self.rated_results, {"unit": unit}, ("_id", "results")):
            own = found.get(rated["_id"])
            if own is not None:
                own.extend(facts for facts in rated["results"].values()
                           if start <= facts["achieved_on"] <= end)
        return found

    # rating rounds

    def active_studio_ids(self, unit):
        return [s["_id"] for s in self.studios.find({"unit": unit, "status": "active"}, {"_id": 1})]

    def studios_to_rate(self, unit, studio_ids):
        """``{studio id: what a round reads of it}`` for ``studio_ids``, studios of ``unit``."""
        wanted = set(studio_ids)
        return {s["_id"]: s for s in read_documents(self.studios, {"unit": unit}, RATED_STUDIO_FIELDS)
                if s["_id"] in wanted}

    def alliances_of(self, unit):
        return list(self.alliances.find({"unit": unit}, {"members": 1, "convenor": 1}))

    def add_round(self, round_, record):
        return self.insert(self.rounds, {**round_, "history": [record]})

    def round(self, round_id):
        document = self.rounds.find_one({"_id": round_id})
        if document is None:
            raise NotFound(f"no rating round {round_id}")
        return document

    def save_round(self, current, round_, record=None):
        return self.save_revision(self.rounds, current, round_, record)

    def find_rounds(self, condition, limit, offset):
        return find_page(self.rounds, condition, BY_CREATION, limit, offset, None)

    def rounds_in_notice(self):
        return list(self.rounds.find({"status": "notice"}))

    def rating(self, rating_id):
        document = self.ratings.find_one({"_id": rating_id})
        if document is None:
            raise NotFound(f"no rating {rating_id}")
        return document

    def ratings_to_notice(self, round_id):
        """The round's stored ratings with what opening its notice checks (``NOTICE_FIELDS``)."""
        return list(read_documents(self.ratings, {"round_id": round_id}, NOTICE_FIELDS))

    def ratings_to_propose(self, round_id):
        """The round's stored ratings with what proposing reads of them (``PROPOSING_FIELDS``):
        enough to write a proposal on, since a write changes only the fields that differ."""
        return list(read_documents(self.ratings, {"round_id": round_id}, PROPOSING_FIELDS))

    def ratings_to_effect(self, round_id):
        """The round's stored ratings with what putting them into effect reads (``EFFECT_FIELDS``)."""
        return list(read_documents(self.ratings, {"round_id": round_id}, EFFECT_FIELDS))

    def rating_statuses(self, round_id):
        """How many of the round's ratings are in each status."""
        return dict(Counter(r["status"] for r in read_documents(self.ratings, {"round_id": round_id},
                                                                 ("status",))))

    def find_ratings(self, round_id, limit, offset):
        return find_page(self.ratings, {"round_id": round_id}, BY_STUDIO_NAME, limit, offset, None)

    def add_rating(self, rating):
        """Store a new rating; StaleWrite when another writer stored it first."""
        try:
            return self.insert(self.ratings, rating)
        except DuplicateKeyError:
            raise StaleWrite(rating["_id"]) from None

    def save_rating(self, current, rating, record=None, returning=True):
        return self.save_revision(self.ratings, current, rating, record, returning=returning)

    # reports

    def reported_studios(self, condition):
        """The studios ``condition`` matches, with only what a report counts of them."""
        return list(read_documents(self.studios, condition, REPORTED_STUDIO))

    def reported_results(self, condition):
        """The verified results ``condition`` matches, with only what a report counts of them:
        a generator, read once."""
        return read_documents(self.results, {**condition, "status": "verified"}, REPORTED_RESULT)

    def alliances_of_studios(self, studio_ids):
        """The alliances any of ``studio_ids`` belongs to, with their names and members."""
        return list(read_documents(self.alliances, {"members": {"$in": list(studio_ids)}},
                                   REPORTED_ALLIANCE))
