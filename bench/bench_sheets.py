"""Marks per second sent as judges' sheets of 50 beside the same marks sent one by one, through the
gateway of one run.

Starts its own system as bench_marks does (the competitions service and the gateway on a fresh
vhost and data directory) and prepares the same competition in marking: ``--entries`` approved
entries, 5 judges, 10 judgement aspects. The first half of the aspects is marked one mark per
POST to ``.../marks``, the other half as sheets: each POST to ``.../sheets`` one judge's marks of
one aspect for ``--sheet`` entries (every mark a distinct client id). Single marks and sheets are
measured in alternating rounds over ``--clients`` keep-alive connections; every request writes.

    .venv/bin/python -m bench.bench_sheets [--entries 200] [--sheet 50] [--clients 20] [--rounds 2]

The aim: a sheet's marks at least 10x the marks/s of single marks.
"""
import argparse
import json
import os
import random
import statistics
import time

from bench.bench_marks import (JUDGES, _measure, _wrote, bench_system, http_request,
                               prepare_competition, run_load)
from bench.bench_ranking import JUDGEMENT_IDS
from common.auth import issue_token
from common.config import DEFAULT_CONFIG_PATH, load_config
from tests.processes import COMPETITIONS, GATEWAY

AIM = 10.0
STARTUP_SECONDS = 60


def marks_of(aspects, codes, seed):
    """Every distinct (aspect, judge, entry) mark of ``aspects``, entries innermost."""
    rnd = random.Random(seed)
    return [(aspect, judge, code, rnd.choice((1, 2, 2, 3)))
            for aspect in aspects for judge in JUDGES for code in codes]


def single_requests(host, path, marks, tokens):
    return [http_request(host, "POST", path, {"entry_code": code, "aspect_id": aspect, "value": value},
                         tokens[judge]) for aspect, judge, code, value in marks]


def sheet_requests(host, path, marks, tokens, size):
    """``marks`` as sheets of ``size``: one judge's marks of one aspect each (``marks`` runs
    entries innermost, and the entries are a multiple of ``size``)."""
    requests = []
    for start in range(0, len(marks), size):
        sheet = marks[start:start + size]
        judge = sheet[0][1]
        requests.append(http_request(host, "POST", path, {"marks": [
            {"client_id": f"{judge}-{aspect}-{code}", "entry_code": code, "aspect_id": aspect,
             "value": value} for aspect, _judge, code, value in sheet]}, tokens[judge]))
    return requests


def _all_taken(status, body):
    return status == 200 and b'"refused": []' in body and b'"already_taken"' not in body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--sheet", type=int, default=50, help="marks per sheet")
    parser.add_argument("--clients", type=int, default=20, help="concurrent keep-alive connections")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of singles and sheets")
    parser.add_argument("--seconds", type=float, default=60, help="bound on each measured round")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args(argv)
    if args.entries % args.sheet:
        parser.error("--entries must be a multiple of --sheet")

    config = load_config(args.config)
    with bench_system(config["AMQP_URI"], args.config, "sheets", args.keep) as system:
        print(f"bench_sheets: {os.cpu_count()} cores, data in {system.directory}", flush=True)
        system.declare_topology()
        system.start(COMPETITIONS, GATEWAY)
        system.wait_for_competitions(STARTUP_SECONDS)
        system.wait_for_gateway(STARTUP_SECONDS)
        gateway = ("127.0.0.1", system.port)
        host = f"127.0.0.1:{system.port}"
        secret = system.token_secret
        marks_path, codes = prepare_competition(gateway, secret, args.entries, min(args.clients, 10),
                                                args.seed)
        sheets_path = marks_path.rsplit("/", 1)[0] + "/sheets"
        tokens = {judge: issue_token(secret, judge, "judge", name=f"裁判{judge}") for judge in JUDGES}
        half = len(JUDGEMENT_IDS) // 2
        singles = single_requests(host, marks_path, marks_of(JUDGEMENT_IDS[:half], codes, args.seed),
                                  tokens)
        sheets = sheet_requests(host, sheets_path, marks_of(JUDGEMENT_IDS[half:], codes, args.seed),
                                tokens, args.sheet)
        # A warm-up of each, then the rest in equal rounds.
        singles_warm, sheets_warm = len(singles) // 10, len(sheets) // 10
        run_load(gateway, singles[:singles_warm], args.clients, args.seconds, accept=_wrote)
        run_load(gateway, sheets[:sheets_warm], args.clients, args.seconds, accept=_all_taken)
        singles_round = (len(singles) - singles_warm) // args.rounds
        sheets_round = (len(sheets) - sheets_warm) // args.rounds
        pids = {"gateway": system.pid(GATEWAY), "competitions": system.pid(COMPETITIONS)}
        rates = {"single marks": [], "sheets": []}
        for n in range(args.rounds):
            started = time.perf_counter()
            single = _measure(f"single marks, round {n + 1}", gateway,
                              singles[singles_warm + n * singles_round:][:singles_round],
                              args.clients, args.seconds, _wrote, pids)["result"]
            sheet = _measure(f"sheets of {args.sheet}, round {n + 1}", gateway,
                             sheets[sheets_warm + n * sheets_round:][:sheets_round],
                             args.clients, args.seconds, _all_taken, pids)["result"]
            system.check_alive()
            if single.errors or sheet.errors:
                raise RuntimeError(f"refused: singles {single.error_summary()}, "
                                   f"sheets {sheet.error_summary()}")
            rates["single marks"].append(single.rate)
            rates["sheets"].append(sheet.rate * args.sheet)
            print(f"  round {n + 1}: {single.rate:,.0f} single marks/s, "
                  f"{sheet.rate * args.sheet:,.0f} sheet marks/s ({sheet.rate:,.1f} sheets/s, "
                  f"p50 {sheet.percentile(0.5) * 1000:.0f} ms a sheet), "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        single_rate, sheet_rate = (statistics.median(r) for r in rates.values())
        ratio = sheet_rate / single_rate
        print(json.dumps({"single_marks_per_s": round(single_rate), "sheet_marks_per_s": round(sheet_rate),
                          "ratio": round(ratio, 1), "aim": AIM, "met": ratio >= AIM}))
        return 0 if ratio >= AIM else 1


if __name__ == "__main__":
    raise SystemExit(main())
