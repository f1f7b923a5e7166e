"""A rating round of 1,000 studios with 50 verified results each, through the real studios
service, until its publication is in the talent pool, beside the raw nameko event hop of as many
events measured in the same run.

Starts its own system as real processes (as `make run` does), on a fresh RabbitMQ vhost with a
fresh DATA_DIR: the studios service and the talent pool, topology declared first. Before the
studios service starts, ``--studios`` studios per round (a union of their own for each round)
with ``--results`` verified results each are written straight into its embedded store, in the
shapes its repository stores (bench/studio_data.py: built by the domain rules, ID numbers
protected, title keys counted; nothing in any outbox). Then, through the studios RPC as the
gateway calls it, each round:

- opens a rating round of the union's studios;
- records the panel's scores of every studio, both panel items of the default rubric (5 experts);
- computes the proposals (``compute_proposals``): every studio's rating from its verified results
  of the period (their rated facts, kept by studio), read from the embedded store. Its wall time
  is the *computation*, beside the raw read of the round's results themselves;
- opens the public notice with ``closes_at`` ``--notice-seconds`` ahead.

When the notice closes the studios' effect job (a 5-second timer) puts each rating into effect
and announces ``studio.rated``; the talent pool records each lead's studio honour and, with 3 stars
or more (what the seeded results give under the default rubric), admits the lead. The *delivery*
is measured from the notice's close until the talent pool has recorded all the honours (each
honour's ``recorded_at``), detected through a queue of the benchmark's own that consumes what the
talent pool announces (``talent.admitted``), never a fixed sleep; per event from its
``occurred_at`` (when the studios service wrote it) to the honour. Also read: when the effect job
started (the ratings' ``effective_at``) and when it had written the last event.

The raw hop, in the same run, alternating with the rating rounds: bench_admission's ``HopSource``
(a nameko ``EventDispatcher``, one worker) dispatches ``--studios`` events to ``HopSink`` (a plain
``event_handler``). Aim: the delivery within twice the hop.

    .venv/bin/python -m bench.bench_studio_rating [--studios 1000] [--results 50] [--rounds 3]
    .venv/bin/python -m bench.bench_studio_rating --profile  # both services under cProfile, one round
    .venv/bin/python -m bench.bench_studio_rating --steps    # the computation step by step, in-process

Every process it started is stopped at the end, and the vhost and data directory removed, even
when something fails.
"""
import argparse
import collections
import datetime
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time

from bench import studio_data
from bench.bench_admission import (HOP_SINK, HOP_SOURCE, call_all, parse_time, report_aim,
                                   report_profiles, run_hop, summary, waiting_in)
from bench.bench_marks import CpuMeter, _broker_pid, bench_system, print_table
from common.config import DEFAULT_CONFIG_PATH, load_config
from common.storage import open_database, read_documents
from tests.processes import STUDIOS, TALENT_POOL

AIM_RATIO = 2.0  # delivery at most twice the raw hop's
AIM_COMPUTE_SECONDS = 1.0
ADMITTED_TAP = "bench-tap-studio-lead-admitted"
RATED_TAP = "bench-tap-studio.rated"
STARTUP_SECONDS = 120  # the studios service reads its results' index at start
ROUND_SECONDS = 300  # bound on one delivery
RPC_TIMEOUT = 300
PANEL_ITEMS = ("site_visit", "expert_review")
REVIEWER = studio_data.REVIEWER


def unit_of(round_number):
    return f"bench-union-{round_number}"


def seed(data_dir, rounds, studios, results):
    """Every round's studios in the studios service's store (the service not yet running)."""
    period = studio_data.rating_period(datetime.date.today())
    database = open_database({"DATA_DIR": str(data_dir)}, "studios")
    seeded, stars = {}, collections.Counter()
    try:
        for number in range(1, rounds + 1):
            studios_of, results_of = studio_data.seed_studios(
                database, unit_of(number), studios, period, results, seed=2026 + number,
                first_person=(number - 1) * studios * (studio_data.MEMBERS + 1),
                progress=studio_data.progress_printer(f"round {number}"))
            stars.update(studio_data.check_stars(studios_of, results_of, period))
            seeded[number] = studios_of
        print("  under the default rubric the seeded studios earn "
              + ", ".join(f"{s} stars: {n:,}" for s, n in sorted(stars.items())))
    finally:
        database.client.close()
    return seeded, period


def read_results(database, unit):
    """The raw ceiling of the computation: (seconds, count) to read the round's results once
    from the studios store (read_documents by unit, ids only), in this process. The first read of
    a fresh handle rebuilds the store's in-memory index; the second is timed."""
    results = database["results"]
    count = sum(1 for _ in read_documents(results, {"unit": unit}, ("_id",)))
    started = time.perf_counter()
    again = sum(1 for _ in read_documents(results, {"unit": unit}, ("_id",)))
    if again != count:
        raise RuntimeError("the results changed while read")
    return time.perf_counter() - started, count


def raw_read(system, unit):
    return system.read_store("studios", lambda database: read_results(database, unit))


def panel_calls(round_id, studios):
    return [(REVIEWER, round_id, {"studio_id": studio.studio_id, "item": item,
                                  "scores": studio_data.panel_scores(studio.number)})
            for studio in studios for item in PANEL_ITEMS]


def prepare_round(cluster, number, studios, period, pids):
    """Open the round, enter the panel's scores and compute the proposals, through RPC;
    returns (round id, figures of the computation)."""
    today = datetime.date.today()
    opened = cluster.studios.open_round(REVIEWER, {
        "name": f"基准测试 {today.year}年度第{number}轮创新工作室星级评定", "unit": unit_of(number),
        "year": today.year, "period": period})
    round_id = opened["id"]
    if opened["studio_count"] != len(studios):
        raise RuntimeError(f"the round rates {opened['studio_count']} studios, not {len(studios)}")
    started = time.perf_counter()
    call_all(cluster.studios.record_panel_scores, panel_calls(round_id, studios))
    panel = time.perf_counter() - started
    with CpuMeter({"studios": pids["studios"]}) as meter:
        started = time.perf_counter()
        computed = cluster.studios.compute_proposals(REVIEWER, round_id)
        compute = time.perf_counter() - started
    if computed["counts"] != {"proposed": len(studios)}:
        raise RuntimeError(f"the proposals came out as {computed['counts']}")
    return round_id, {"panel": panel, "compute": compute, "compute_cpu": meter.used.get("studios")}


def computation(system, cluster, number, studios, period, pids):
    """The round prepared, then its raw ceiling read (the service idle meanwhile)."""
    round_id, figures = prepare_round(cluster, number, studios, period, pids)
    figures["raw_read"], figures["results_read"] = raw_read(system, unit_of(number))
    return round_id, figures


def run_round(system, number, studios, period, notice_seconds, pids, before_notice=None):
    """One rating round, from its opening to the last lead's honour in the talent pool;
    ``before_notice()`` is called once the proposals are computed."""
    before = waiting_in(system, ADMITTED_TAP)
    with system.rpc(timeout=RPC_TIMEOUT) as cluster:
        round_id, figures = computation(system, cluster, number, studios, period, pids)
        if before_notice:
            before_notice()
        closes = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=notice_seconds)
        started = time.perf_counter()
        with CpuMeter(pids) as meter:
            cluster.studios.open_notice(REVIEWER, round_id, {"closes_at": closes.isoformat(timespec="milliseconds")})
            figures["notice_call"] = time.perf_counter() - started
            system.wait_until(lambda: waiting_in(system, ADMITTED_TAP) - before >= len(studios),
                              notice_seconds + ROUND_SECONDS, interval=0.25, message="the leads' admission")
    closed = closes.timestamp()
    occurred = {e["data"]["studio_id"]: parse_time(e["occurred_at"])
                for e in system.drain_tap(RATED_TAP) if e["data"]["round_id"] == round_id}
    system.drain_tap(ADMITTED_TAP)
    talents = system.read_store("talent_pool", lambda database: list(database["talents"].find(
        {"studio_honours.round_id": round_id}, {"person_key": 1, "status": 1, "studio_honours": 1})))
    effective = system.read_store("studios", lambda database: [r["effective_at"] for r in database["ratings"].find(
        {"round_id": round_id}, {"effective_at": 1})])
    recorded = {}
    for talent in talents:
        honour = next(h for h in talent["studio_honours"] if h["round_id"] == round_id)
        if talent["status"] == "active" and honour["stars"] >= 3:
            recorded[honour["studio_id"]] = parse_time(honour["recorded_at"])
    leads = {studio.studio_id for studio in studios}
    if set(recorded) != leads or set(occurred) != leads or len(talents) != len(studios):
        raise RuntimeError(f"{len(recorded)} leads admitted with their honour, {len(occurred)} studio.rated "
                           f"announced, {len(talents)} talents: not {len(studios)}")
    in_effect = min(parse_time(at) for at in effective)
    return summary(f"rating round, round {number}", closed, list(recorded.values()),
                   [recorded[key] - occurred[key] for key in recorded], meter.used,
                   {**figures, "timer": in_effect - closed, "written": max(occurred.values()) - in_effect})


# ---------------------------------------------------------------------------------------------
# --steps: the computation in this process, store call by store call.


def measure_steps(studios, results, runs):
    """``compute_proposals``, then the effect job (``take_effect``), in this process on a freshly
    seeded embedded store, their store calls and rules timed one by one (wall time, the machine
    shared; the outbox relay not running: what the effect job writes stays in the outboxes)."""
    from common.auth import Principal
    from services.studios import events, rating_rounds
    from services.studios.domain import rating as arithmetic
    from services.studios.domain import rounds as round_rules
    from services.studios.domain import studio as studio_rules
    from services.studios.domain.rubric import rubric_from, thresholds_from
    from services.studios.repository import StudiosRepository

    workdir = tempfile.mkdtemp(prefix="jiangxin-bench-rating-steps-")
    try:
        seeded, period = seed(workdir, 1, studios, results)
        database = open_database({"DATA_DIR": workdir}, "studios")
        store = StudiosRepository(database)
        reviewer = Principal(**REVIEWER)

        class Settings:
            notice_days, rubric, thresholds = 7, rubric_from(None), thresholds_from(None)

        opened = rating_rounds.open_round(store, Settings, reviewer, {
            "name": "基准测试", "unit": unit_of(1), "year": datetime.date.today().year, "period": period})
        for _caller, round_id, payload in panel_calls(opened["id"], seeded[1]):
            rating_rounds.record_panel_scores(store, reviewer, round_id, payload)
        times = collections.Counter()

        def timed(owner, name, label):
            function = getattr(owner, name)

            def run(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    times[label] += time.perf_counter() - started
            setattr(owner, name, run)

        for name in [n for n in vars(type(store)) if not n.startswith("_")]:
            if callable(getattr(store, name)):
                timed(store, name, f"store.{name}")
        for owner, name in ((arithmetic, "rate_studio"), (arithmetic, "re_evaluation"),
                            (round_rules, "in_effect"), (studio_rules, "rated"), (events, "studio_rated")):
            timed(owner, name, name)

        def steps(what, call):
            times.clear()
            started, cpu = time.perf_counter(), time.process_time()
            call()
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            rows = [("step (wall s)", "seconds", "share")]
            rows += [(label, f"{seconds:.3f}", f"{seconds / wall:.0%}") for label, seconds in times.most_common()]
            rest = wall - sum(times.values())
            rows.append(("rest (the use case itself)", f"{rest:.3f}", f"{rest / wall:.0%}"))
            print(f"  {what}: {wall:.3f} s wall, {cpu:.3f} s CPU")
            print_table(rows)

        print(f"\nin this process, {studios:,} studios x {results} verified results:")
        for run in range(1, runs + 1):
            ceiling, _count = read_results(database, unit_of(1))
            print(f"  raw read of the round's results (the ceiling): {ceiling:.3f} s")
            steps(f"compute_proposals, run {run}",
                  lambda: rating_rounds.compute_proposals(store, reviewer, opened["id"]))
        # The effect job is given its own clock (after the close), so the notice may close well
        # after the opening has read every rating, however busy the machine.
        closes = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=30)
        rating_rounds.open_notice(store, reviewer, opened["id"], {"closes_at": closes.isoformat()})
        after = (closes + datetime.timedelta(seconds=1)).isoformat(timespec="milliseconds")
        steps("the effect job (take_effect) once the notice has closed",
              lambda: rating_rounds.take_effect(store, "bench-steps", now=after))
        database.client.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------


def _ms(seconds):
    return f"{seconds * 1000:,.0f}"


def report(phases, studios, results):
    rounds = [p for p in phases if p["name"].startswith("rating round")]
    hops = [p for p in phases if p["name"].startswith("raw hop")]
    print(f"\n{studios:,} studios x {results} verified results per round; through RPC: panel scores "
          f"({studios * len(PANEL_ITEMS):,} calls, 20 in flight), the proposals computed, the notice opened")
    rows = [("round", "panel scores s", "compute s", "compute CPU s", "raw read s", "x raw read",
             "open notice s")]
    for phase in rounds:
        rows.append((phase["name"], f"{phase['panel']:.1f}", f"{phase['compute']:.2f}",
                     "-" if phase["compute_cpu"] is None else f"{phase['compute_cpu']:.2f}",
                     f"{phase['raw_read']:.2f}", f"{phase['compute'] / phase['raw_read']:.1f}x",
                     f"{phase['notice_call']:.2f}"))
    print_table(rows)
    print(f"  raw read: the raw ceiling of the computation, the round's {rounds[0]['results_read']:,} results "
          f"read once from the same store\n  in the benchmark's process (read_documents by unit, ids only)")
    compute = statistics.median(p["compute"] for p in rounds)
    ceiling = statistics.median(p["raw_read"] for p in rounds)
    print(f"the computation (compute_proposals, rating {studios:,} studios with {results} verified results "
          f"each): {compute:.2f} s (median), {compute / ceiling:.1f}x its raw read ({ceiling:.2f} s); "
          f"aim < {AIM_COMPUTE_SECONDS:g} s -> {'met' if compute < AIM_COMPUTE_SECONDS else 'NOT met'}")

    print("\ndelivery: from the notice's close (raw hop: from the call that starts it) until the last "
          "honour is recorded in the talent pool; latency per event from its creation to its handling")
    columns = ("studios", "talent pool", "hop source", "hop sink", "broker")
    rows = [("phase", "total ms", "p50 ms", "p99 ms", "effect job starts ms", "all written ms",
             *(f"{c} ms/event" for c in columns))]
    for phase in phases:
        rows.append((phase["name"], _ms(phase["total"]), _ms(phase["p50"]), _ms(phase["p99"]),
                     _ms(phase["timer"]) if "timer" in phase else "-",
                     _ms(phase["timer"] + phase["written"]) if "written" in phase else "-",
                     *("-" if phase["cpu"].get(c) is None else f"{phase['cpu'][c] / studios * 1000:.2f}"
                       for c in columns)))
    print_table(rows)
    print("  effect job starts: from the notice's close until the timer's job put the ratings into effect\n"
          "  (their effective_at); all written: until it had written the last studio.rated (its\n"
          "  occurred_at). CPU ms per event of each process over the whole phase (for a rating round,\n"
          "  from the notice's opening: the effect job, the relay and the talent pool); the broker also\n"
          "  serves anything else on this machine.")
    hop = statistics.median(p["total"] for p in hops)
    delivery = statistics.median(p["total"] for p in rounds)
    timer = statistics.median(p["timer"] for p in rounds)
    written = statistics.median(p["written"] for p in rounds)
    ratio = delivery / hop
    print("  delivery / hop per round: " + ", ".join(
        f"{r['total'] / h['total']:.1f}x" for h, r in zip(hops, rounds)))
    print(f"\nall {studios:,} honours recorded {delivery:.2f} s after the notice closed (the effect job "
          f"started after {timer:.2f} s and wrote for {written:.2f} s); raw nameko event hop: {hop:.2f} s "
          f"for {studios:,} events; medians of {len(rounds)} rounds")
    report_aim(f"delivery within {AIM_RATIO:g}x the raw hop", ratio, AIM_RATIO, "bench.bench_studio_rating")
    return ratio


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--studios", type=int, default=1000)
    parser.add_argument("--results", type=int, default=studio_data.RESULTS_PER_STUDIO,
                        help="verified results per studio")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of hop and rating round")
    parser.add_argument("--notice-seconds", type=float, default=5.0,
                        help="how far ahead of its opening the notice closes")
    parser.add_argument("--profile", action="store_true",
                        help="run the studios service and the talent pool under cProfile for one "
                             "round and show where the delivery's time goes, from the notice's "
                             "opening (the computation's: --steps)")
    parser.add_argument("--steps", action="store_true",
                        help="only time the computation step by step in this process (no broker needed)")
    parser.add_argument("--runs", type=int, default=3, help="computations with --steps")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args(argv)
    if args.steps:
        measure_steps(args.studios, args.results, args.runs)
        return 0
    rounds = 1 if args.profile else args.rounds

    config = load_config(args.config)
    with bench_system(config["AMQP_URI"], args.config, "studio_rating", args.keep) as system:
        print(f"bench_studio_rating: {os.cpu_count()} cores, broker vhost {system.vhost}, "
              f"data in {system.directory}", flush=True)
        seeded, period = seed(system.data_dir, rounds, args.studios, args.results)

        system.declare_topology()
        system.tap("talent_pool", "talent.admitted", ADMITTED_TAP)
        system.tap("studios", "studio.rated", RATED_TAP, durable=False)
        system.start(STUDIOS, TALENT_POOL, profile=args.profile)
        system.start_as("hop sink", HOP_SINK)
        system.start_as("hop source", HOP_SOURCE)
        system.wait_for_studios(STARTUP_SECONDS)
        system.wait_for_talent_pool(STARTUP_SECONDS)
        system.wait_for_rpc("hop sink", lambda cluster: cluster.bench_hop_sink.count(0), STARTUP_SECONDS)

        pids = {"studios": system.pid(STUDIOS), "talent pool": system.pid(TALENT_POOL),
                "hop source": system.pid("hop source"), "hop sink": system.pid("hop sink"),
                "broker": _broker_pid()}
        run_hop(system, 0, min(args.studios, 200), pids)  # warm-up

        def profile_from_here():
            for name in system.profiles:
                system.processes[name].send_signal(signal.SIGUSR1)
            time.sleep(0.5)

        phases = []
        for number in range(1, rounds + 1):
            phases.append(run_hop(system, number, args.studios, pids))
            print(f"  {phases[-1]['name']}: {phases[-1]['total']:.2f} s", flush=True)
            # Under --profile, the delivery alone: the computation has --steps.
            phases.append(run_round(system, number, seeded[number], period, args.notice_seconds, pids,
                                    before_notice=profile_from_here if args.profile else None))
            print(f"  {phases[-1]['name']}: computed in {phases[-1]['compute']:.2f} s, delivered "
                  f"{phases[-1]['total']:.2f} s after the notice closed", flush=True)
        if args.profile:
            print("under cProfile (slowed by the profiler: not comparable with a plain run)")
            report(phases, args.studios, args.results)
            system.stop()
            report_profiles(system, args.studios, processes=(("studios", STUDIOS), ("talent pool", TALENT_POOL)))
            return 0
        report(phases, args.studios, args.results)
        return 0


if __name__ == "__main__":
    sys.exit(main())
