"""Innovation results submitted through the gateway, beside the raw nameko @http + RPC ceiling of
the same run.

Starts its own system as real processes (as `make run` does): the studios service and the
gateway, with a fresh DATA_DIR, their own gateway port and a fresh RabbitMQ vhost, and the
ceiling pair of bench/ceiling.py. Before the studios service starts, ``--stored`` studios with 50
verified results each are written into its embedded store (bench/studio_data.py), so that the
near-duplicate check of every submission searches a province's worth of stored results.

The unit of work is a result *submitted*, as a studio's lead does it: POST
``/studios/<id>/results`` writes the draft (one RPC: the request validated, the authors checked
against the studio's members, the result inserted with its title keys, the keys counted), then, on
the same keep-alive connection as soon as the draft's id is back, POST
``/results/<id>/submission`` submits it (one RPC: the kind's rules, the title claim, the near
duplicates among every stored result, the write). A unit counts only when the submission answers
200 with the status ``submitted``. ``--clients`` connections do this at once, as the leads of
``--leads`` studios in rotation, each result with a title of its own.

The ceiling, in the same run, gets the same two requests per unit (same sizes, the second sent when
the first is answered), the routes of bench.ceiling: an @http POST making one RPC to a service
that returns at once. So results/s against ceiling units/s is what the product's work costs on
top of two bare @http + RPC round trips. Also measured, as a diagnostic: the draft alone (POST
``/studios/<id>/results``) against the ceiling's single request. Phases alternate round by round,
so that load from elsewhere on the shared cores hits all alike; each reports requests/s, latency,
errors and the CPU each process used per unit.

    .venv/bin/python -m bench.bench_results [--clients 20] [--results 1500] [--rounds 3] [--stored 1000]
    .venv/bin/python -m bench.bench_results --profile [drafts]   # where the time goes, with cProfile

Aim: at least 60 % of the ceiling. Every process it started is stopped at the end, and the vhost
and data directory removed, even when something fails.
"""
import argparse
import datetime
import json
import os
import random
import signal
import sys
import time

from nameko.testing.utils import find_free_port

from bench import studio_data
from bench.bench_marks import (_broker_pid, _measure, _median_of, bench_system, ceiling_requests,
                               http_request, print_phases, report_profiles, run_load)
from bench.bench_near_duplicates import TitleMaker
from common.auth import issue_token
from common.config import DEFAULT_CONFIG_PATH, load_config
from common.storage import open_database
from services.studios.domain.titles import normalise_title
from tests.processes import GATEWAY, STUDIOS

AIM_RATIO = 0.60
UNIT = "bench-union"
CEILING_BACKEND = "bench.ceiling:CeilingBackend"
CEILING_GATEWAY = "bench.ceiling:CeilingGateway"
STARTUP_SECONDS = 120  # the studios service reads its results' index at start
# What a submission's answer carries when it submitted the result.
SUBMITTED = b'"status": "submitted"'
# A result id of the length the service gives, for the ceiling's second request.
SOME_RESULT_ID = "res-000000000000"


def seed(data_dir, stored, period):
    """``stored`` studios of UNIT with their verified results, in the studios store; returns them
    and the titles each already holds (a lead may not submit the same title twice a year)."""
    database = open_database({"DATA_DIR": str(data_dir)}, "studios")
    try:
        studios, results = studio_data.seed_studios(database, UNIT, stored, period,
                                                    progress=studio_data.progress_printer(UNIT))
    finally:
        database.client.close()
    return studios, {studio_id: {r["title"] for r in own} for studio_id, own in results.items()}


def result_requests(host, secret, studios, titles_held, count, period, seed):
    """``count`` POSTs of new drafts, by the leads of ``studios`` in rotation, each a title its
    studio does not hold yet; and the token each was sent with."""
    maker = TitleMaker(seed)
    tokens = {s.studio_id: issue_token(secret, f"lead-{s.number:04d}", "studio_lead", studio=s.studio_id,
                                       name=f"领衔人{s.number:04d}") for s in studios}
    held = {s.studio_id: {normalise_title(t) for t in titles_held.get(s.studio_id, ())} for s in studios}
    rnd = random.Random(seed)
    requests, sent_with = [], []
    for n in range(count):
        studio = studios[n % len(studios)]
        title = "".join(maker.words())
        while normalise_title(title) in held[studio.studio_id]:  # as the title claim compares them
            title = "".join(maker.words())
        held[studio.studio_id].add(normalise_title(title))
        kinds = list(studio_data.RESULT_MIX)
        payload = studio_data.result_payload(
            kinds[n % len(kinds)], title, studio_data.day_within(period, rnd),
            [studio.lead_member_id, studio.member_ids[1 + n % studio_data.MEMBERS]], n)
        token = tokens[studio.studio_id]
        requests.append(http_request(host, "POST", f"/studios/{studio.studio_id}/results", payload, token))
        sent_with.append(token)
    return requests, sent_with


def submit_after_create(host, sent_with):
    """The follow-up of a draft written: its submission, by the same lead."""
    def follow_up(index, step, status, body):
        if step == 0 and status == 201:
            result_id = json.loads(body)["id"]
            return http_request(host, "POST", f"/results/{result_id}/submission", None, sent_with[index])
        return None
    return follow_up


def ceiling_follow_up(host, sent_with):
    """The ceiling's second request of a unit: the same submission, to its route."""
    submissions = ceiling_requests(host, [http_request(host, "POST", f"/results/{SOME_RESULT_ID}/submission",
                                                       None, token) for token in sent_with])

    def follow_up(index, step, status, body):
        return submissions[index] if step == 0 and status == 200 else None
    return follow_up


def _submitted(status, body):
    return status == 200 and SUBMITTED in body


def _drafted(status, body):
    return status == 201


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--clients", type=int, default=20, help="concurrent keep-alive connections")
    parser.add_argument("--results", type=int, default=1500, help="results submitted per measured round")
    parser.add_argument("--drafts", type=int, default=1500, help="drafts alone per measured round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of ceiling and results")
    parser.add_argument("--warmup", type=int, default=150, help="units before measuring, each side")
    parser.add_argument("--stored", type=int, default=1000,
                        help="studios seeded with 50 verified results each before the start")
    parser.add_argument("--leads", type=int, default=200, help="studios whose leads submit")
    parser.add_argument("--seconds", type=float, default=120, help="bound on each measured round")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--profile", nargs="?", const="submitted", choices=("submitted", "drafts"),
                        help="run the gateway and the studios service under cProfile and show where "
                             "the time of a result submitted (or of a draft alone) goes (slower: "
                             "figures are not comparable)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args(argv)
    if args.leads > args.stored:
        parser.error("--leads cannot exceed --stored")

    config = load_config(args.config)
    period = studio_data.rating_period(datetime.date.today())
    with bench_system(config["AMQP_URI"], args.config, "results", args.keep) as system:
        ceiling_port = find_free_port("127.0.0.1")
        gateway, ceiling = ("127.0.0.1", system.port), ("127.0.0.1", ceiling_port)
        print(f"bench_results: {os.cpu_count()} cores, broker vhost {system.vhost}, "
              f"data in {system.directory}", flush=True)
        studios, titles_held = seed(system.data_dir, args.stored, period)

        system.declare_topology()
        system.start(STUDIOS, GATEWAY, profile=args.profile)
        system.start_as("ceiling backend", CEILING_BACKEND, args.profile)
        system.start_as("ceiling gateway", CEILING_GATEWAY, args.profile,
                        GATEWAY_ADDRESS=f"127.0.0.1:{ceiling_port}")
        system.wait_for_studios(STARTUP_SECONDS)
        system.wait_for_gateway(STARTUP_SECONDS)
        probe = [http_request("x", "POST", "/ceiling/s/results", {"probe": True})]
        system.wait_until(lambda: run_load(ceiling, probe, 1, 5).completed == 1, STARTUP_SECONDS,
                          message="the ceiling pair", ignoring=(OSError,))

        host = f"127.0.0.1:{system.port}"
        units = args.warmup + (args.results + args.drafts) * (1 if args.profile else args.rounds)
        requests, sent_with = result_requests(host, system.token_secret, studios[:args.leads], titles_held,
                                              units, period, args.seed)
        ceiling_all = ceiling_requests(f"127.0.0.1:{ceiling_port}", requests)
        submit, ceiling_submit = submit_after_create(host, sent_with), ceiling_follow_up(host, sent_with)
        broker_pid = _broker_pid()
        results_pids = {"gateway": system.pid(GATEWAY), "studios": system.pid(STUDIOS), "broker": broker_pid}
        ceiling_pids = {"gateway": system.pid("ceiling gateway"), "studios": system.pid("ceiling backend"),
                        "broker": broker_pid}

        warm = run_load(gateway, requests[:args.warmup], args.clients, args.seconds, accept=_submitted,
                        follow_up=submit)
        run_load(ceiling, ceiling_all[:args.warmup], args.clients, args.seconds, follow_up=ceiling_submit)
        if warm.errors:
            raise RuntimeError(f"submissions failed while warming up: {warm.error_summary()}")
        offset = args.warmup

        if args.profile:
            for name in system.profiles:
                system.processes[name].send_signal(signal.SIGUSR1)  # profile from here on
            time.sleep(0.5)
            drafts = args.profile == "drafts"
            chosen = slice(offset, offset + args.results)
            chained = {} if drafts else {"follow_up": _offset(submit, offset)}
            result = run_load(gateway, requests[chosen], args.clients, args.seconds,
                              accept=_drafted if drafts else _submitted, **chained)
            chained = {} if drafts else {"follow_up": _offset(ceiling_submit, offset)}
            ceiling_result = run_load(ceiling, ceiling_all[chosen], args.clients, args.seconds, **chained)
            unit = "draft written (1 RPC)" if drafts else "result submitted (2 RPCs)"
            print(f"under cProfile: {result.rate:,.0f} per second, each a {unit}; ceiling {ceiling_result.rate:,.0f} "
                  f"units/s (slowed by the profiler: not comparable with the figures of a plain run)", flush=True)
            if result.errors:
                raise RuntimeError(f"failed under the profiler: {result.error_summary()}")
            system.stop()
            report_profiles([
                (f"studios service vs ceiling backend, per {unit}",
                 (system.profiles[STUDIOS], result.sent), (system.profiles["ceiling backend"], ceiling_result.sent)),
                (f"gateway vs ceiling gateway, per {unit}",
                 (system.profiles[GATEWAY], result.sent), (system.profiles["ceiling gateway"], ceiling_result.sent)),
            ])
            return 0

        phases = []
        for number in range(1, args.rounds + 1):
            chosen = slice(offset, offset + args.results)
            phases.append(_measure(f"ceiling, 2 requests, round {number}", ceiling, ceiling_all[chosen],
                                   args.clients, args.seconds, None, ceiling_pids,
                                   follow_up=_offset(ceiling_submit, offset)))
            phases.append(_measure(f"results submitted, round {number}", gateway, requests[chosen],
                                   args.clients, args.seconds, _submitted, results_pids,
                                   follow_up=_offset(submit, offset)))
            offset += args.results
            chosen = slice(offset, offset + args.drafts)
            phases.append(_measure(f"ceiling, 1 request, round {number}", ceiling, ceiling_all[chosen],
                                   args.clients, args.seconds, None, ceiling_pids))
            phases.append(_measure(f"drafts alone, round {number}", gateway, requests[chosen],
                                   args.clients, args.seconds, _drafted, results_pids))
            offset += args.drafts
            system.check_alive()
        report(phases, args)
        return 0


def _offset(follow_up, offset):
    """``follow_up`` for a slice of the requests that starts at ``offset``."""
    return lambda index, step, status, body: follow_up(offset + index, step, status, body)


def report(phases, args):
    print(f"\n{args.clients} concurrent keep-alive clients; a result submitted = its draft written, then "
          f"submitted (2 requests, 2 RPCs), counted when the submission answers 200 with status submitted")
    print_phases(phases, ("gateway", "studios", "broker", "load generator"), rate="units/s")
    print("  units/s: results submitted (or drafts, or the ceiling's units of as many requests) per\n"
          "  second; p50/p99: latency of a unit, from its first request to its last answer.\n"
          "  gateway/service/broker/client ms: CPU milliseconds each process used per unit; for the\n"
          "  ceiling, 'gateway' is its @http process and 'service' its @rpc process.")

    def rate(kind):
        return _median_of(phases, kind, lambda p: p["result"].rate)

    def per_round(kind, ceiling_kind):
        return [m["result"].rate / c["result"].rate for c, m in zip(
            [p for p in phases if p["name"].startswith(ceiling_kind)],
            [p for p in phases if p["name"].startswith(kind)]) if c["result"].rate]

    submitted, ceiling = rate("results submitted"), rate("ceiling, 2 requests")
    drafts, ceiling_one = rate("drafts alone"), rate("ceiling, 1 request")
    ratio = submitted / ceiling if ceiling else 0.0
    print("  results submitted / ceiling per round: " + ", ".join(
        f"{r:.0%}" for r in per_round("results submitted", "ceiling, 2 requests")))
    print("  drafts alone / ceiling per round: " + ", ".join(
        f"{r:.0%}" for r in per_round("drafts alone", "ceiling, 1 request")))
    print(f"\nresults submitted through the gateway: {submitted:,.0f}/s; raw nameko @http+RPC ceiling, two "
          f"requests a unit: {ceiling:,.0f}/s (medians of {args.rounds} rounds)")
    print(f"drafts alone: {drafts:,.0f}/s against {ceiling_one:,.0f} req/s, {drafts / ceiling_one:.0%}")
    verdict = "met" if ratio >= AIM_RATIO else "NOT met"
    print(f"aim: results submitted >= {AIM_RATIO:.0%} of the ceiling -> {verdict} ({ratio:.0%})")
    if ratio < AIM_RATIO:
        print("  to see inside the processes: .venv/bin/python -m bench.bench_results --profile")
    return ratio


if __name__ == "__main__":
    sys.exit(main())
