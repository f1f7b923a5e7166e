"""What the receivers' own processes share (``webhook_receiver``, ``smtp_server``): the log of
what they received, one JSON line per record, and their command line.

Standard library only: these processes run apart from the test process and its eventlet.
"""
import argparse
import datetime
import json
import threading

HOST = "127.0.0.1"


class Log:
    """One JSON line per record, stamped with the time received (ISO, UTC), appended to a file
    kept open, whole lines only, flushed at once: what the test process reads is all written."""

    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, record):
        stamped = {**record, "received_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
        line = json.dumps(stamped, ensure_ascii=False) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()


def command_line(doc, argv=None, control=False, extra=()):
    """``--port P --log FILE`` (and ``--host``), ``--control FILE`` where a process reads its
    behaviour from a file, and the ``extra`` options ((name, help), each optional)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--log", required=True, help="the file each record is appended to")
    if control:
        parser.add_argument("--control", required=True, help="the file that says how to answer")
    for name, text in extra:
        parser.add_argument(name, help=text)
    return parser.parse_args(argv)
