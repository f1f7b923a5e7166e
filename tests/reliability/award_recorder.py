"""A stand-in consumer of the competitions service's results, run as its own process.

It records every envelope delivered to it, duplicates included, in ``deliveries.jsonl`` and its
effect, at most once per ``event_id``, in ``recorded.jsonl``, both under the directory named by
``AWARD_RECORDER_DIR`` (environment, else config). The ids already recorded are read back at
start-up, so a restarted recorder stays idempotent.
"""
import json
import os
import pathlib
import threading

from nameko.events import event_handler
from nameko.extensions import DependencyProvider

DELIVERIES = "deliveries.jsonl"
RECORDED = "recorded.jsonl"


def read_lines(path):
    path = pathlib.Path(path)
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.endswith("\n")]


class Journal(DependencyProvider):
    def setup(self):
        directory = os.environ.get("AWARD_RECORDER_DIR") or self.container.config["AWARD_RECORDER_DIR"]
        self.directory = pathlib.Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.seen = {envelope["event_id"] for envelope in read_lines(self.directory / RECORDED)}

    def _append(self, name, envelope):
        with open(self.directory / name, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(envelope, ensure_ascii=False) + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    def record(self, envelope):
        with self.lock:
            self._append(DELIVERIES, envelope)
            if envelope["event_id"] in self.seen:
                return False
            self._append(RECORDED, envelope)
            self.seen.add(envelope["event_id"])
            return True

    def get_dependency(self, worker_ctx):
        return self.record


class AwardRecorder:
    name = "award_recorder"

    record = Journal()

    @event_handler("competitions", "competition.results_published")
    def results_published(self, envelope):
        self.record(envelope)

    @event_handler("competitions", "competition.contestant_awarded")
    def contestant_awarded(self, envelope):
        self.record(envelope)
