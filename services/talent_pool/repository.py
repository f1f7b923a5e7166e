"""Where the talent pool lives: one document per talent (with its honours, sources, history and
search keys), one per nomination.

Every change to a talent is one write of the whole record, conditioned on the revision it was
read at (optimistic concurrency), with the events it announces in the same write (outbox). One
talent per person is enforced by the primary key, a talent's id being derived from its person key
(a unique index on the person key would be checked, with a read, on every write of a talent); one
open nomination per person by a unique index on ``open_for``, a field only open nominations have.
"""
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from common.errors import Conflict, NotFound
from common.outbox import DUE, OUTBOX
from common.repository import Repository, StaleWrite
from common.storage import find_by_ids, find_page, read_documents, sorted_ids
from services.talent_pool.domain.talent import talent_id_of

SEARCH_KEYS = "search_keys"
EXPORT_RETENTION_SECONDS = 3600
# Stable orders: a page boundary never depends on the order documents happened to be stored in.
SORTS = {"name": [("name", ASCENDING), ("_id", ASCENDING)],
         "-admitted_at": [("admitted_at", DESCENDING), ("_id", ASCENDING)]}
_NOT_RECORD = ("_id", OUTBOX, DUE)


class TalentRepository(Repository):
    def __init__(self, database):
        self.talents = database["talents"]
        self.nominations = database["nominations"]
        self.exports = database["exports"]
        # A multikey index: see domain/search_keys.py for why searches go through it.
        self.talents.create_index(SEARCH_KEYS)
        self.nominations.create_index("open_for", unique=True, sparse=True)
        self.nominations.create_index("status")
        self.nominations.create_index("talent_applied")  # admissions a crash left half done
        # An export abandoned half way (a client gone) is dropped by the store after a while.
        self.exports.create_index("started_at", expireAfterSeconds=EXPORT_RETENTION_SECONDS)
        super().__init__(database)
        # The embedded store rebuilds its in-memory index from the file on the first read after
        # start-up (about 10 s for 100,000 talents): pay for it here, while the service is being
        # set up, rather than in the first search or award handled once it is serving.
        self.talents.find_one({SEARCH_KEYS: ""}, {"_id": 1})

    @property
    def outbox_collections(self):
        return [self.talents]

    # talents

    def talent(self, talent_id):
        document = self.read(self.talents, talent_id)
        if document is None:
            raise NotFound(f"no talent {talent_id}")
        return document

    def talent_by_person(self, person_key):
        talent = self.read(self.talents, talent_id_of(person_key))
        if talent is not None and talent["person_key"] != person_key:
            # Two people whose ids collide (80 bits of a hash): never merge them.
            raise Conflict(f"talent {talent['_id']} belongs to another person; the id derivation "
                           "must be widened")
        return talent

    def save_talent(self, current, talent, events=()):
        """Store ``talent``, the new state of ``current`` (None: a new talent), with ``events`` in
        the same write. StaleWrite if someone else wrote first (a changed revision, or another
        talent for the same person inserted meanwhile)."""
        if current is None:
            try:
                self.insert(self.talents, talent, events)
            except DuplicateKeyError:
                raise StaleWrite(talent["_id"]) from None
        else:
            # A field-by-field update rather than a replacement: the outbox is left to the relay
            # (it pulls what it has sent without changing the revision), and new events are
            # pushed onto it, so nothing sent is carried back and nothing pending is lost.
            update = {"$set": {k: v for k, v in talent.items() if k not in _NOT_RECORD}}
            gone = [k for k in current if k not in talent and k not in _NOT_RECORD]
            if gone:
                update["$unset"] = {k: "" for k in gone}
            if not self.update(self.talents, {"_id": current["_id"], "revision": current["revision"]},
                               update, events):
                raise StaleWrite(talent["_id"])

    def search_talents(self, condition, sort, limit, offset, projection):
        """``(total, the page of talents)`` matching ``condition`` in the order ``sort``."""
        return find_page(self.talents, condition, SORTS[sort], limit, offset, projection)

    def talent_ids(self, condition, sort):
        """The ids of every talent matching ``condition``, in the order ``sort``."""
        return sorted_ids(self.talents, condition, SORTS[sort])

    def talents_by_id(self, talent_ids, condition, projection):
        """The talents of ``talent_ids`` that still match ``condition``, in the order given."""
        return find_by_ids(self.talents, talent_ids, condition, projection)

    def talent_facets(self, condition):
        """Chains, trades and level of every talent matching ``condition``, for statistics."""
        return read_documents(self.talents, condition, ("industry_chains", "trades", "skill_level"))

    # exports: the ordered ids an export found at its start, read a page at a time

    def add_export(self, export):
        self.exports.insert_one(export)

    def export(self, export_id):
        document = self.exports.find_one({"_id": export_id})
        if document is None:
            raise NotFound(f"no export {export_id}: it was finished, or has expired; start it again")
        return document

    def remove_export(self, export_id):
        self.exports.delete_one({"_id": export_id})

    # nominations

    def add_nomination(self, nomination):
        try:
            self.nominations.insert_one({**nomination, "open_for": nomination["person_key"]})
        except DuplicateKeyError:
            raise Conflict("this worker already has a nomination in review",
                           {"id_number": ["already nominated, review in progress"]}) from None
        return nomination

    def nomination(self, nomination_id):
        document = self.nominations.find_one({"_id": nomination_id}, {"id_number_encrypted": 0})
        if document is None:
            raise NotFound(f"no nomination {nomination_id}")
        return document

    def save_nomination(self, current, nomination):
        """Store the reviewed ``nomination`` if nobody changed ``current`` meanwhile."""
        update = {"$set": {k: v for k, v in nomination.items()
                           if k not in ("_id", "id_number_encrypted", "open_for")}}
        if nomination["status"] != "in_review":
            update["$unset"] = {"open_for": ""}  # the person may be nominated again
        changed = self.nominations.update_one(
            {"_id": current["_id"], "revision": current["revision"]}, update)
        if changed.matched_count != 1:
            raise Conflict("the nomination was reviewed by someone else meanwhile; reload it")

    def mark_nomination_applied(self, nomination_id, talent_id):
        self.nominations.update_one({"_id": nomination_id},
                                    {"$set": {"talent_applied": True, "talent_id": talent_id}})

    def find_nominations(self, condition, limit, offset):
        cursor = self.nominations.find(condition, {"id_number_encrypted": 0})
        cursor = cursor.sort([("nominated_at", DESCENDING), ("_id", ASCENDING)])
        return list(cursor.skip(offset).limit(limit))

    def count_nominations(self, condition):
        return self.nominations.count_documents(condition)

    def nominations_to_apply(self):
        return list(self.nominations.find({"status": "admitted", "talent_applied": False},
                                          {"id_number_encrypted": 0}))
