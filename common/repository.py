"""The base of every service's repository: its writes carry their events into the outbox.

A service's repository says which collections hold documents that announce something
(``outbox_collections``) and writes through ``insert`` and ``update``: the events of a change ride
in the same single-document write as the change (common.outbox), and are handed to the relay at
once. No service touches outbox plumbing itself.

Writes that must not overwrite someone else's are conditioned on what was read (a revision); when
the condition no longer holds the repository raises ``StaleWrite``, and ``optimistic`` runs the
use case again on fresh state, a bounded number of times.
"""
import functools

import pymongo

from common.errors import Conflict
from common.outbox import DUE, OUTBOX, index_outbox, new_with_outbox, outbox_entries, with_outbox
from common.storage import read_document, update_one

MAX_ATTEMPTS = 8
# What a read leaves out unless it asks for it: the relay's business, not the use case's.
RELAY_FIELDS = (OUTBOX, DUE)
NOT_STATE = {field: 0 for field in RELAY_FIELDS}


class StaleWrite(Exception):
    """Someone else changed the document since it was read: read again and redo the change."""


def optimistic(use_case=None, *, attempts=MAX_ATTEMPTS,
               message="it kept changing while this change was being made; try again"):
    """Run ``use_case`` again, from its first read, each time a write of it finds its document
    changed meanwhile; a Conflict (409) once ``attempts`` are spent."""

    def decorate(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            for _ in range(attempts):
                try:
                    return function(*args, **kwargs)
                except StaleWrite:
                    continue
            raise Conflict(message)

        return run

    return decorate(use_case) if use_case is not None else decorate


class Repository:
    """Subclasses name their collections in ``__init__`` before calling ``super().__init__`` and
    list in ``outbox_collections`` those whose documents announce events."""

    outbox_collections = ()

    def __init__(self, database):
        self.database = database
        for collection in self.outbox_collections:
            index_outbox(collection)
        # Hands what a write put in an outbox to the relay; set by common.storage.Store.
        self.outbox_written = lambda collection, document_id, entries: None

    def insert(self, collection, document, events=()):
        """Insert ``document`` with ``events`` in its outbox; raises the engine's DuplicateKeyError."""
        entries = outbox_entries(events)
        collection.insert_one(new_with_outbox(document, entries) if entries else document)
        if entries:
            self.outbox_written(collection, document["_id"], entries)
        return document

    def read(self, collection, document_id, without=()):
        """The document ``document_id`` of ``collection`` without its outbox (nor the fields
        ``without``), or None."""
        return read_document(collection, document_id, RELAY_FIELDS + tuple(without))

    def update(self, collection, condition, update, events=(), *, returning=False):
        """Apply ``update`` to the one document that matches ``condition`` (which names its
        ``_id``), with ``events`` in the same write.

        Returns whether a document matched, or with ``returning`` the document after the write
        (None if none matched), without its outbox.
        """
        entries = outbox_entries(events)
        if entries:
            update = with_outbox(update, entries)
        if returning:
            result = collection.find_one_and_update(condition, update, projection=NOT_STATE,
                                                    return_document=pymongo.ReturnDocument.AFTER)
            done = result is not None
        else:
            done = result = update_one(collection, condition, update)
        if done and entries:
            self.outbox_written(collection, condition["_id"], entries)
        return result

    def save_revision(self, collection, current, document, record=None, events=(), returning=True):
        """Store ``document``, the new state of ``current`` (read at its revision), with the
        history line ``record`` (if any) and ``events`` in the same write; returns what was
        stored (without its outbox), or None when not ``returning``. A ``current`` that holds its
        history counts as read whole. Only the fields that changed are written, so the outbox stays the relay's. StaleWrite if someone
        else changed it since it was read."""
        kept = ("_id", "revision", "history", OUTBOX, DUE)
        update = {"$inc": {"revision": 1}}
        if record is not None:
            update["$push"] = {"history": record}
        changed = {key: value for key, value in document.items()
                   if key not in kept and current.get(key) != value}
        if changed:
            update["$set"] = changed
        gone = [key for key in current if key not in document and key not in kept]
        if gone:
            update["$unset"] = {key: "" for key in gone}
        condition = {"_id": current["_id"], "revision": current["revision"]}
        # Read whole (its history with it), the update applied to what was read is what the store
        # holds now, since the write matched the revision read: nothing is read back, which on the
        # embedded store copies the whole document field by field. Read in part, it is read back.
        whole = returning and "history" in current
        stored = self.update(collection, condition, update, events, returning=returning and not whole)
        if not stored:  # no document matched (or none read back)
            raise StaleWrite(current["_id"])
        if not whole:
            return stored if returning else None
        stored = {key: value for key, value in document.items() if key not in kept}
        stored.update(_id=current["_id"], revision=current["revision"] + 1,
                      history=current["history"] + ([record] if record is not None else []))
        return stored


def history_entry(caller, action, now, **details):
    """One line of a document's history: who did what, when, with what."""
    return {"at": now, "by": caller.subject, "role": caller.role, "action": action, **details}
