"""Marks per second sent as judges' sheets of 50 beside the same marks sent one by one, through the
gateway of one run.

Starts its own system as bench_marks does (the competitions service and the gateway on a fresh
vhost and data directory) and prepares the same competition in marking: ``--entries`` approved
entries, 5 judges, 10 judgement aspects. Two judges send their marks one per POST to ``.../marks``;
two send sheets of ``--sheet`` marks to ``.../sheets``, each one aspect for that many entries (a
write per entry); the fifth sends sheets of every aspect of ``--sheet`` / 10 entries (a write per
10 marks). Every mark has a distinct client id, every request writes. The three are measured in
alternating rounds over ``--clients`` keep-alive connections.

    .venv/bin/python -m bench.bench_sheets [--entries 400] [--sheet 50] [--clients 20] [--rounds 2]

The aim: a sheet's marks at least 10x the marks/s of single marks.
"""
import argparse
import json
import os
import random
import statistics

from bench.bench_marks import (JUDGES, _measure, _wrote, bench_system, http_request,
                               prepare_competition, run_load)
from bench.bench_ranking import JUDGEMENT_IDS
from common.auth import issue_token
from common.config import DEFAULT_CONFIG_PATH, load_config
from tests.processes import COMPETITIONS, GATEWAY

AIM = 10.0
STARTUP_SECONDS = 60


def marks_of(judges, codes, seed, by_entry=False):
    """Every distinct (aspect, judge, entry) mark of ``judges``, one judge's marks together: of one
    aspect for every entry in turn, or ``by_entry`` of every aspect of one entry in turn."""
    rnd = random.Random(seed)
    if by_entry:
        order = ((aspect, judge, code) for judge in judges for code in codes for aspect in JUDGEMENT_IDS)
    else:
        order = ((aspect, judge, code) for aspect in JUDGEMENT_IDS for judge in judges for code in codes)
    return [(aspect, judge, code, rnd.choice((1, 2, 2, 3))) for aspect, judge, code in order]


def single_requests(host, path, marks, tokens):
    return [http_request(host, "POST", path, {"entry_code": code, "aspect_id": aspect, "value": value},
                         tokens[judge]) for aspect, judge, code, value in marks]


def sheet_requests(host, path, marks, tokens, size):
    """``marks`` as sheets of ``size``, each of one judge (``marks`` of one judge come together,
    a multiple of ``size``)."""
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
    parser.add_argument("--entries", type=int, default=400)
    parser.add_argument("--sheet", type=int, default=50, help="marks per sheet")
    parser.add_argument("--clients", type=int, default=20, help="concurrent keep-alive connections")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of singles and sheets")
    parser.add_argument("--seconds", type=float, default=60, help="bound on each measured round")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args(argv)
    if args.entries % args.sheet or args.sheet % len(JUDGEMENT_IDS):
        parser.error(f"--entries must be a multiple of --sheet, --sheet of {len(JUDGEMENT_IDS)}")

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
        kinds = {  # name: (requests, marks each, accept)
            "single marks": (single_requests(host, marks_path, marks_of(JUDGES[:2], codes, args.seed),
                                             tokens), 1, _wrote),
            "sheets of one aspect": (sheet_requests(host, sheets_path, marks_of(
                JUDGES[2:4], codes, args.seed), tokens, args.sheet), args.sheet, _all_taken),
            "sheets of whole entries": (sheet_requests(host, sheets_path, marks_of(
                JUDGES[4:], codes, args.seed, by_entry=True), tokens, args.sheet), args.sheet, _all_taken),
        }
        # A warm-up of each, then the rest in equal rounds.
        rounds, rates = {}, {name: [] for name in kinds}
        for name, (requests, _, accept) in kinds.items():
            warm = len(requests) // 10
            run_load(gateway, requests[:warm], args.clients, args.seconds, accept=accept)
            size = (len(requests) - warm) // args.rounds
            rounds[name] = [requests[warm + n * size:][:size] for n in range(args.rounds)]
        pids = {"gateway": system.pid(GATEWAY), "competitions": system.pid(COMPETITIONS)}
        for n in range(args.rounds):
            for name, (_, marks_each, accept) in kinds.items():
                result = _measure(f"{name}, round {n + 1}", gateway, rounds[name][n], args.clients,
                                  args.seconds, accept, pids)["result"]
                system.check_alive()
                if result.errors:
                    raise RuntimeError(f"{name} refused: {result.error_summary()}")
                rates[name].append(result.rate * marks_each)
                print(f"    {result.rate * marks_each:,.0f} marks/s, p50 "
                      f"{result.percentile(0.5) * 1000:.0f} ms a request", flush=True)
        medians = {name: statistics.median(r) for name, r in rates.items()}
        single = medians.pop("single marks")
        figures = {"single_marks_per_s": round(single)}
        for name, rate in medians.items():
            figures[name.replace(" ", "_") + "_marks_per_s"] = round(rate)
            figures[name.replace(" ", "_") + "_ratio"] = round(rate / single, 1)
        met = min(medians.values()) / single >= AIM
        print(json.dumps({**figures, "aim": AIM, "met": met}, ensure_ascii=False))
        return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
