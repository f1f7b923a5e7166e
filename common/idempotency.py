"""Idempotent creates: a retried request with the same ``Idempotency-Key`` gets the first answer.

The gateway (common.web) reads and checks the key of a create route and passes it, with a hash
of the request (method, path, body), as nameko context data. The service's ``rpc`` entrypoint
(common.rpc) then runs the method through :class:`IdempotencyStore`, kept in the service's own
database:

* the key is claimed with an insert on a unique ``_id`` (caller, RPC method, key): of two
  requests racing with one key, exactly one runs;
* the answer is stored: the result, or a 4xx error (a retry must see the same refusal); a 5xx or
  unexpected failure gives the claim back, so that a retry runs again;
* a repeat with the same request gets the stored answer; with another request, or while the
  first is still running, a 409.

No transactions: a process killed between the method's write and storing its answer leaves a
claim that a retry may take over once ``LEASE`` has passed, and that retry runs the method again.
Records are kept ``RETENTION`` and then removed.
"""
import datetime
import hashlib
import logging
import time
import uuid

from kombu.utils import json as kombu_json
from nameko.exceptions import deserialize, serialize
from nameko.extensions import SharedExtension
from pymongo.errors import DuplicateKeyError

from common.errors import Conflict, JiangxinError
from common.storage import Database

_log = logging.getLogger(__name__)

COLLECTION = "idempotency_keys"
RETENTION = datetime.timedelta(hours=24)
# A claim older than this is taken to belong to a worker that died: far beyond any RPC timeout.
LEASE = datetime.timedelta(minutes=2)
CLEANUP_INTERVAL = 3600  # seconds between removals of expired records, per process
RUNNING, DONE = "running", "done"
HEADER = "Idempotency-Key"


def _now():
    # Naive UTC in whole milliseconds, as both engines store and hand datetimes back.
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _record_id(subject, method, key):
    # The RPC method is part of the scope: a gateway handler's other calls carry the same
    # context data, and must not be answered with its create's answer.
    return hashlib.sha256("\0".join([subject or "", method, key]).encode("utf-8")).hexdigest()


def _conflict(message):
    return Conflict(message, fields={HEADER: [message]})


class IdempotencyStore(SharedExtension):
    """One service's :class:`IdempotencyRecords`, shared by its rpc entrypoints."""

    database = Database()

    def __init__(self):
        self._records = None

    def run(self, subject, method, key, request_hash, call):
        # Opened on the first keyed call: a service that never gets one never creates it.
        if self._records is None:
            self._records = IdempotencyRecords(self.database.database)
        return self._records.run(subject, method, key, request_hash, call)


class IdempotencyRecords:
    """The answers of a service's keyed requests, in its database's ``idempotency_keys``."""

    def __init__(self, database):
        self.records = database[COLLECTION]
        self.records.create_index("created_at")
        self._cleaned_at = 0.0

    def run(self, subject, method, key, request_hash, call):
        """``call()``'s answer for this key: run once, stored, given again on a repeat."""
        record_id = _record_id(subject, method, key)
        claim, stored = self._claim(record_id, subject, method, key, request_hash)
        if stored is not None:
            if "error" in stored:
                raise deserialize(stored["error"])
            return kombu_json.loads(stored["result"])
        try:
            result = call()
        except JiangxinError as exc:
            if exc.status < 500:
                self._store(record_id, claim, {"error": serialize(exc)})
            else:
                self._release(record_id, claim)
            raise
        except Exception:
            self._release(record_id, claim)
            raise
        self._store(record_id, claim, {"result": kombu_json.dumps(result)})
        return result

    def _claim(self, record_id, subject, method, key, request_hash):
        """(this request's claim, None), or (None, the stored answer); or a Conflict."""
        self._clean_up()
        claim, now = uuid.uuid4().hex, _now()
        fields = {"subject": subject, "method": method, "key": key, "request_hash": request_hash,
                  "state": RUNNING, "claim": claim, "created_at": now, "claimed_at": now}
        for _ in range(2):
            try:
                self.records.insert_one({"_id": record_id, **fields})
                return claim, None
            except DuplicateKeyError:
                existing = self.records.find_one({"_id": record_id})
            if existing is None:
                continue  # given back meanwhile: claim it again
            if self._stale(existing, now):
                # Expired, or left by a dead worker: taken over only if it is still the record
                # just read, so that of two retries one runs.
                taken = self.records.update_one(
                    {"_id": record_id, "claim": existing["claim"]},
                    {"$set": fields, "$unset": {"answer": ""}})
                if taken.matched_count:
                    return claim, None
            elif existing["request_hash"] != request_hash:
                raise _conflict(f"this {HEADER} was used for another request")
            elif existing["state"] == DONE:
                return None, existing["answer"]
            break
        raise _conflict(f"a request with this {HEADER} is still in progress")

    @staticmethod
    def _stale(record, now):
        return (record["created_at"] < now - RETENTION
                or (record["state"] == RUNNING and record["claimed_at"] < now - LEASE))

    def _store(self, record_id, claim, answer):
        try:
            self.records.update_one({"_id": record_id, "claim": claim},
                                    {"$set": {"state": DONE, "answer": answer}})
        except Exception as exc:  # noqa: BLE001 - the caller still gets its answer
            # The work is done; a retry within LEASE gets a 409, after it the work runs again.
            _log.warning("could not store the answer for idempotency record %s: %r", record_id, exc)

    def _release(self, record_id, claim):
        try:
            self.records.delete_one({"_id": record_id, "claim": claim})
        except Exception as exc:  # noqa: BLE001 - the lease frees it later
            _log.warning("could not release idempotency record %s: %r", record_id, exc)

    def _clean_up(self):
        if time.monotonic() - self._cleaned_at < CLEANUP_INTERVAL:
            return
        self._cleaned_at = time.monotonic()
        self.records.delete_many({"created_at": {"$lt": _now() - RETENTION}})
