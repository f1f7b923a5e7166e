"""Where competitions live: one document per competition (with its trade events, judges, sign-offs
and history), one per entry (with its marks and their audit trail), one per published result.

Every change is one document write, conditioned where two callers could race; events ride in the
same write through the outbox.
"""
import secrets

import pymongo
from pymongo.errors import DuplicateKeyError

from common.errors import Conflict, NotFound
from common.repository import NOT_STATE, Repository
from services.competitions.domain.lifecycle import PUBLISHED

# Blind entry codes: no 0/O or 1/I, so that codes read aloud or handwritten stay unambiguous.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_entry_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


class CompetitionRepository(Repository):
    def __init__(self, database):
        self.competitions = database["competitions"]
        self.entries = database["entries"]
        self.quotas = database["quotas"]
        self.results = database["results"]
        self.competitions.create_index([("organising_unit", 1)])
        # One entry per worker per event; one blind code per entry within its event.
        self.entries.create_index([("event_id", 1), ("person_key", 1)], unique=True)
        self.entries.create_index([("event_id", 1), ("code", 1)], unique=True)
        self.entries.create_index([("event_id", 1), ("status", 1)])
        self.results.create_index([("competition_id", 1), ("event_id", 1)])
        super().__init__(database)

    @property
    def outbox_collections(self):
        return [self.competitions, self.results]

    # competitions

    def add_competition(self, competition, record, events=()):
        return self.insert(self.competitions, {**competition, "history": [record]}, events)

    def competition(self, competition_id, with_history=False):
        # The history grows with every change; most reads (every mark) never look at it.
        document = self.read(self.competitions, competition_id, () if with_history else ("history",))
        if document is None:
            raise NotFound(f"no competition {competition_id}")
        return document

    def save_competition(self, current, competition, record, events=()):
        """Store ``competition``, the new state of ``current`` (read at its revision), with the
        history line ``record`` and ``events`` in the same write; returns what was stored.
        StaleWrite if someone else changed it since it was read."""
        return self.save_revision(self.competitions, current, competition, record, events)

    def visible_competitions(self, unit, everything, status, limit, offset):
        """``(total, the page newest first)`` of the competitions of ``unit`` and every published
        one (``everything``: all of them), of ``status`` only if given."""
        query = {}
        if not everything:
            visible = [{"status": PUBLISHED}]
            if unit:
                visible.append({"organising_unit": unit})
            query["$or"] = visible
        if status:
            query["status"] = status
        cursor = self.competitions.find(query, NOT_STATE).sort("created_at", -1)
        return self.competitions.count_documents(query), list(cursor.skip(offset).limit(limit))

    def finish_announcement(self, competition_id, version):
        self.competitions.update_one({"_id": competition_id, "fanout_pending": version},
                                     {"$unset": {"fanout_pending": ""}})

    def competitions_with_pending_fanout(self):
        return list(self.competitions.find({"fanout_pending": {"$exists": True}}, NOT_STATE))

    # entries

    def add_entry(self, document):
        """Insert a new entry under a fresh blind code; Conflict if the worker already entered."""
        for _ in range(10):
            document["code"] = new_entry_code()
            try:
                self.entries.insert_one(document)
                return document
            except DuplicateKeyError:
                # Which unique index refused the entry is not in every engine's error: ask the
                # store whether the person is there; otherwise it was the code, so draw another.
                if self.entries.find_one({"event_id": document["event_id"],
                                          "person_key": document["person_key"]}, {"_id": 1}):
                    raise Conflict("this worker is already registered in this event",
                                   {"id_number": ["already registered in this event"]}) from None
        raise Conflict("could not allocate a blind code; retry")

    def registered_person_keys(self, event_id, person_keys):
        """Which of ``person_keys`` have an entry in the event, in one query."""
        found = self.entries.find({"event_id": event_id, "person_key": {"$in": list(person_keys)}},
                                  {"person_key": 1})
        return {document["person_key"] for document in found}

    def entry(self, event_id, entry_id):
        document = self.entries.find_one({"_id": entry_id, "event_id": event_id})
        if document is None:
            raise NotFound(f"no entry {entry_id} in event {event_id}")
        return document

    def entry_by_code(self, event_id, code, with_audit=False):
        # The audit trail grows with every mark; only the mark history reads it.
        document = self.entries.find_one({"event_id": event_id, "code": code},
                                         None if with_audit else {"audit": 0})
        if document is None:
            raise NotFound(f"no entry with code {code} in event {event_id}")
        return document

    def entries_by_codes(self, event_id, codes):
        """The entries of ``event_id`` with these codes (those that exist), without their audit."""
        return list(self.entries.find({"event_id": event_id, "code": {"$in": list(codes)}}, {"audit": 0}))

    def set_entry_value(self, entry_id, path, old, new, audit):
        """Set one value of an entry (a mark, a completion time) if it still holds ``old``, with
        its audit record in the same write; False if it no longer did. Marks are the hot path:
        one conditional write, the entry not read back."""
        return self.entries.update_one({"_id": entry_id, path: old},
                                       {"$set": {path: new}, "$push": {"audit": audit}}).matched_count == 1

    def set_entry_values(self, entry_id, expected, values, audits):
        """Set ``values`` (path -> new value) of an entry in one write, if it still holds every
        ``expected`` (path -> old value), with their audit records; False if it no longer did."""
        return self.entries.update_one(
            {"_id": entry_id, **expected},
            {"$set": values, "$push": {"audit": {"$each": audits}}}).matched_count == 1

    def set_entry_status(self, entry_id, old, new, reason, audit):
        """The entry after its status moved from ``old`` to ``new``, with its audit record in the
        same write; None if it was no longer ``old``."""
        return self.entries.find_one_and_update(
            {"_id": entry_id, "status": old},
            {"$set": {"status": new, "reason": reason}, "$push": {"audit": audit}},
            return_document=pymongo.ReturnDocument.AFTER)

    def entries_of(self, event_id, statuses=None, projection=None, limit=0, offset=0):
        query = {"event_id": event_id}
        if statuses:
            query["status"] = {"$in": list(statuses)}
        cursor = self.entries.find(query, projection).sort("registered_at", 1)
        return list(cursor.skip(offset).limit(limit))

    def count_entries(self, event_id, statuses=None):
        query = {"event_id": event_id}
        if statuses:
            query["status"] = {"$in": list(statuses)}
        return self.entries.count_documents(query)

    # enterprise quotas: a counter per employer and event, raised only while under the quota

    def reserve_quota_place(self, event_id, employer, quota):
        try:
            self.quotas.find_one_and_update(
                {"_id": f"{event_id}|{employer}", "count": {"$lt": quota}},
                {"$inc": {"count": 1}}, upsert=True)
        except DuplicateKeyError:  # the counter exists and is full
            raise Conflict(f"{employer} already has its quota of {quota} entries in this event",
                           {"employer": [f"quota of {quota} entries reached"]}) from None

    def quota_places_taken(self, event_id, employers):
        """``{employer: places held}`` in the event's quotas, for those of ``employers`` holding any."""
        ids = {f"{event_id}|{employer}": employer for employer in employers}
        return {ids[document["_id"]]: document["count"]
                for document in self.quotas.find({"_id": {"$in": list(ids)}})}

    def release_quota_place(self, event_id, employer):
        self.quotas.update_one({"_id": f"{event_id}|{employer}", "count": {"$gt": 0}},
                               {"$inc": {"count": -1}})

    # results: frozen at sign-off, announced at publication

    def replace_results(self, competition_id, event_id, documents):
        self.results.delete_many({"competition_id": competition_id, "event_id": event_id})
        if documents:
            self.results.insert_many(documents)

    def results_of(self, competition_id, event_id=None, projection=None):
        query = {"competition_id": competition_id}
        if event_id:
            query["event_id"] = event_id
        return list(self.results.find(query, projection or NOT_STATE).sort("position", 1))

    def announce_result(self, result_id, version, update, event):
        """Record that a result was announced in publication ``version``, with its event; a no-op
        if it already was, so a resumed fan-out never announces one result twice."""
        self.update(self.results, {"_id": result_id, "announced_version": {"$ne": version}},
                    {"$set": {**update, "announced_version": version}}, [event])


def field_key(identifier):
    """An aspect or judge id as a document field name: MongoDB reads '.' as a path separator."""
    return identifier.replace(".", "~")


def from_field_key(key):
    return key.replace("~", ".")
