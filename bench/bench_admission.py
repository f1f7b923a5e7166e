"""A competition with 1,000 prize winners published, until all 1,000 are in the talent pool,
beside the raw nameko event hop of 1,000 events measured in the same run.

Starts its own system as real processes (as `make run` does), on a fresh RabbitMQ vhost with a
fresh DATA_DIR: the competitions service and the talent pool, topology declared first. Through the
competitions RPC (as the gateway calls it) it prepares, for each round, one provincial competition
with one trade event, ``--winners`` approved entries marked by one judge (a graded theory paper, so
that every finalist has a distinct score) and count-based prize bands that cover everyone
(first 10 %, second 20 %, third 30 %, honourable the rest), signed off by the chief judge and the
supervisor. A round then publishes it: the competitions service writes one
``competition.contestant_awarded`` per winner to its outbox, its relay publishes them, and the talent
pool admits each winner. Measured from the publish call until the last winner is admitted, and per
event from its ``occurred_at`` (when the competitions service wrote it) to the talent's admission
(the ``at`` of its history entry, when the pool handled it).

The raw hop, in the same run: ``HopSource`` (a nameko ``EventDispatcher`` in one worker, which
waits for one publisher confirm per event) dispatches ``--winners`` events to ``HopSink`` (a plain
``event_handler`` that notes the time); measured from the call that starts the dispatching until the
last event is handled, and per event from just before its dispatch to its handling. Hop and
admission rounds alternate, so that load from elsewhere on the shared cores hits both alike. A tap
queue consumes what the talent pool announces (``talent.admitted``), as a notifications service
would, so that its relay's events are routed.

    .venv/bin/python -m bench.bench_admission [--winners 1000] [--rounds 3]
    .venv/bin/python -m bench.bench_admission --profile   # where the admission time goes
    .venv/bin/python -m bench.bench_admission --steps     # CPU per admission, step by step

Aim: all winners admitted within twice the time the raw hop needs for as many events. Every process
it started is stopped at the end, and the vhost and data directory removed, even when something
fails.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time

from nameko.events import EventDispatcher, event_handler
from nameko.rpc import rpc

from bench.bench_marks import CpuMeter, _broker_pid, bench_system, print_table, profile_groups
from common.config import DEFAULT_CONFIG_PATH, load_config
from common.personal_id import PersonalDataProtector, make_id_number
from common.storage import open_database
from tests.processes import COMPETITIONS, PERSONAL_DATA_SECRET, TALENT_POOL, Broker

AIM_RATIO = 2.0  # admission time at most twice the raw hop's
UNIT = "bench-union"
HOP_SOURCE = "bench.bench_admission:HopSource"
HOP_SINK = "bench.bench_admission:HopSink"
ADMITTED_TAP = "bench-tap-talent.admitted"
AWARDED_TAP = "bench-tap-contestant_awarded"
PUBLISHED_TAP = "bench-tap-results_published"
STARTUP_SECONDS = 60
ROUND_SECONDS = 180  # bound on one round
RPC_TIMEOUT = 120

ORGANISER = {"subject": "bench-organiser", "role": "organizer", "unit": UNIT, "name": "组织者"}
# Registrations go as the gateway sends them: the ID number sealed.
SEALED = PersonalDataProtector(PERSONAL_DATA_SECRET).sealed
CHIEF = {"subject": "bench-chief", "role": "chief_judge", "unit": UNIT}
SUPERVISOR = {"subject": "bench-supervisor", "role": "supervisor", "unit": UNIT}
JUDGE = {"subject": "J1", "role": "judge", "name": "裁判J1"}


# ---------------------------------------------------------------------------------------------
# The raw hop: a nameko EventDispatcher and an event_handler, nothing else.


class HopSource:
    name = "bench_hop_source"

    dispatch = EventDispatcher()

    @rpc
    def fire(self, count, round_number):
        for n in range(count):
            self.dispatch("hop", {"round": round_number, "n": n, "sent_at": time.time()})
        return count


class HopSink:
    name = "bench_hop_sink"

    handled = []  # (round, n, sent_at, handled_at): one container per process

    @event_handler("bench_hop_source", "hop")
    def hop(self, payload):
        HopSink.handled.append((payload["round"], payload["n"], payload["sent_at"], time.time()))

    @rpc
    def count(self, round_number):
        return sum(1 for entry in HopSink.handled if entry[0] == round_number)

    @rpc
    def take(self, round_number):
        taken = [entry for entry in HopSink.handled if entry[0] == round_number]
        HopSink.handled = [entry for entry in HopSink.handled if entry[0] != round_number]
        return taken


# ---------------------------------------------------------------------------------------------
# Preparing competitions through the competitions RPC.


def scheme():
    """One graded theory paper: one mark per entry by one judge, any score from 0 to 100."""
    return {
        "components": [{"key": "theory", "name": "理论", "weight": 100}],
        "criteria": [{"id": "T", "name": "理论知识", "component": "theory", "sub_criteria": [
            {"id": "T1", "name": "笔试", "aspects": [
                {"id": "T1.1", "kind": "measurement", "description": "试卷得分", "max_mark": 100,
                 "graded": True}]}]}],
    }


def prize_bands(winners):
    first, second, third = winners // 10, winners // 5, winners * 3 // 10
    bands = [("first", first), ("second", second), ("third", third),
             ("honourable", winners - first - second - third)]
    return [{"prize": prize, "count": count} for prize, count in bands if count > 0]


def call_all(method, calls, in_flight=20):
    """Every call of ``calls`` (argument tuples) through ``method``, ``in_flight`` at a time."""
    results = []
    for start in range(0, len(calls), in_flight):
        replies = [method.call_async(*arguments) for arguments in calls[start:start + in_flight]]
        results.extend(reply.result() for reply in replies)
    return results


def prepare_competition(competitions, round_number, winners):
    """A competition of ``winners`` approved, marked, signed-off entries, every one with a prize;
    returns its id."""
    competition = competitions.create_competition(ORGANISER, {
        "name": f"基准测试 第{round_number}轮 数控车工 1000名获奖选手", "level": "provincial",
        "industry_chain": "装备制造", "year": 2026,
        "events": [{"trade": "数控车工", "marking_scheme": scheme(),
                    "ranking": {"tie_break": ["component:theory"]},
                    "awards": {"prizes": {"basis": "count", "bands": prize_bands(winners)}}}]})
    cid, eid = competition["id"], competition["events"][0]["id"]
    competitions.set_officials(ORGANISER, cid, {"chief_judge": CHIEF["subject"],
                                                "supervisor": SUPERVISOR["subject"]})
    competitions.change_status(ORGANISER, cid, {"action": "open_registration"})
    first_day = datetime.date(1970, 1, 1) + datetime.timedelta(days=round_number * winners)
    entries = call_all(competitions.register_entry, [(ORGANISER, cid, eid, SEALED({
        "name": f"选手{round_number}-{n:04d}", "employer": f"基准机械厂{n % 17:02d}", "trade": "数控车工",
        "skill_level": "中级工",
        "id_number": make_id_number(birth=first_day + datetime.timedelta(days=n), sequence=n % 1000),
    })) for n in range(winners)])
    call_all(competitions.decide_entry, [(ORGANISER, cid, eid, entry["id"], {"decision": "approve"})
                                         for entry in entries])
    competitions.assign_judge(ORGANISER, cid, eid, {"judge_id": JUDGE["subject"], "name": JUDGE["name"],
                                                    "enterprise": "省职业技能鉴定中心"})
    for action in ("close_registration", "start_marking"):
        competitions.change_status(ORGANISER, cid, {"action": action})
    codes = [row["entry_code"] for row in competitions.marking_sheet(JUDGE, cid, eid)["entries"]]
    if len(codes) != winners:
        raise RuntimeError(f"the marking sheet shows {len(codes)} entries, not {winners}")
    call_all(competitions.submit_mark, [
        (JUDGE, cid, eid, {"entry_code": code, "aspect_id": "T1.1", "value": round(99.9 - n * 0.05, 2)})
        for n, code in enumerate(codes)])
    competitions.sign_off(CHIEF, cid)
    if competitions.sign_off(SUPERVISOR, cid)["status"] != "signed_off":
        raise RuntimeError("the competition was not signed off")
    return cid


# ---------------------------------------------------------------------------------------------
# Watching: taps asked with passive declares (cheap), stores read once a round is over.


def waiting_in(system, tap):
    return Broker.queue_state(system.amqp_uri, tap)[0]


def parse_time(text):
    return datetime.datetime.fromisoformat(text).timestamp()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(name, started, finished_times, latencies, cpu, extra=None):
    return {"name": name, "total": max(finished_times) - started, "count": len(latencies),
            "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
            "max": max(latencies), "cpu": cpu, **(extra or {})}


def run_hop(system, round_number, winners, pids):
    with system.rpc(timeout=RPC_TIMEOUT) as cluster:
        with CpuMeter(pids) as meter:
            started = time.time()
            cluster.bench_hop_source.fire(winners, round_number)
            system.wait_until(lambda: cluster.bench_hop_sink.count(round_number) >= winners,
                              ROUND_SECONDS, interval=0.05, message="the raw hop")
        handled = cluster.bench_hop_sink.take(round_number)
    if len(handled) != winners:
        raise RuntimeError(f"the raw hop handled {len(handled)} events, not {winners}")
    return summary(f"raw hop, round {round_number}", started, [h[3] for h in handled],
                   [h[3] - h[2] for h in handled], meter.used)


def run_admission(system, cid, round_number, winners, pids):
    before = waiting_in(system, ADMITTED_TAP)
    with system.rpc(timeout=RPC_TIMEOUT) as cluster:
        with CpuMeter(pids) as meter:
            started = time.time()
            cluster.competitions.publish(ORGANISER, cid)
            returned = time.time()
            system.wait_until(lambda: waiting_in(system, ADMITTED_TAP) - before >= winners,
                              ROUND_SECONDS, message="admission")
    occurred = {e["data"]["person_key"]: parse_time(e["occurred_at"])
                for e in system.drain_tap(AWARDED_TAP) if e["data"]["competition_id"] == cid}
    system.drain_tap(ADMITTED_TAP)
    system.drain_tap(PUBLISHED_TAP)
    talents = system.read_store("talent_pool", lambda database: list(database["talents"].find(
        {"honours.competition_id": cid}, {"person_key": 1, "history": 1, "status": 1})))
    admitted = {t["person_key"]: parse_time(t["history"][0]["at"]) for t in talents
                if t["status"] == "active" and t["history"][0]["action"] == "admitted"}
    if len(admitted) != winners or set(admitted) != set(occurred):
        raise RuntimeError(f"{len(admitted)} admitted and {len(occurred)} announced, not {winners}")
    return summary(f"admission, round {round_number}", started, list(admitted.values()),
                   [admitted[key] - occurred[key] for key in admitted], meter.used,
                   {"publish_call": returned - started,
                    "written": max(occurred.values()) - started})


# ---------------------------------------------------------------------------------------------
# --steps: the talent pool's work per admission, step by step, in this process.


def award_envelope(n):
    """A contestant_awarded v1 envelope, built through the publisher's contract, that admits."""
    from common.events import make_event
    from services.competitions.events import CONTESTANT_AWARDED, ContestantAwardedV1

    data = {
        "competition_id": "cmp-00000000be9c", "competition_name": "基准测试 数控车工", "level": "provincial",
        "industry_chain": "装备制造", "organising_unit": UNIT, "year": 2026, "publication_version": 1,
        "correction": False, "correction_reason": None, "event_id": "evt-00000000be9c",
        "trade": "数控车工", "entry_id": f"ent-{n:012x}", "person_key": f"{n + 1:032x}",
        "name": f"选手{n:04d}", "employer": f"基准机械厂{n % 17:02d}", "region_code": "320925",
        "skill_level": "中级工", "rank": n + 1, "finalists": 1000, "total": 90.0,
        "components": {"theory": 90.0}, "prize": "third", "prize_name": "三等奖", "titles": [],
        "promotion_level": None, "certificate_level": None,
    }
    return make_event(CONTESTANT_AWARDED, ContestantAwardedV1().load(data), source="competitions",
                      correlation_id=f"bench-{n}")


class _Confirming:
    """The relay's publisher, confirming everything at once: the broker's share is not in here."""

    def publish(self, envelopes):
        for envelope in envelopes:
            json.dumps(envelope, ensure_ascii=False)  # what the real one serialises
        return [envelope["event_id"] for envelope in envelopes], {}

    def close(self):
        pass


class _TimedCollection:
    """A collection whose reads and writes the relay makes are timed, by kind."""

    def __init__(self, collection, times):
        self._collection, self._times = collection, times

    def __getattr__(self, name):
        return getattr(self._collection, name)

    def _timed(self, kind, method, *args, **kwargs):
        started = time.process_time()
        try:
            return method(*args, **kwargs)
        finally:
            self._times[kind] = self._times.get(kind, 0.0) + time.process_time() - started

    def find(self, *args, **kwargs):
        return self._timed("relay: read the due outboxes",
                           lambda: list(self._collection.find(*args, **kwargs)))

    def update_one(self, condition, update, **kwargs):
        removes = ("$pull" in update or "outbox" in update.get("$unset", {})
                   or "outbox" in update.get("$set", {}))
        kind = ("relay: remove what was sent from the outbox, one by one" if removes
                else "relay: record when the document is next due (second write)")
        return self._timed(kind, self._collection.update_one, condition, update, **kwargs)

    def update_many(self, condition, update, **kwargs):
        return self._timed("relay: empty the outboxes sent (one write per batch)",
                           self._collection.update_many, condition, update, **kwargs)


def measure_steps(count):
    """CPU per admission of each step the talent pool takes, exactly as ``record_award`` and the
    outbox relay take them, on a fresh embedded store in this process."""
    from common.events import parse_event
    from common.outbox import OutboxRelay
    from services.talent_pool import events
    from services.talent_pool.domain.policy import policy_from
    from services.talent_pool.domain.talent import apply_award
    from services.talent_pool.repository import TalentRepository

    envelopes = [award_envelope(n) for n in range(count)]
    workdir = tempfile.mkdtemp(prefix="jiangxin-bench-steps-")
    try:
        database = open_database({"DATA_DIR": workdir}, "talent_pool")
        store = TalentRepository(database)
        policy = policy_from(None)
        times = {}

        def timed(kind, function, *args):
            started = time.process_time()
            result = function(*args)
            times[kind] = times.get(kind, 0.0) + time.process_time() - started
            return result

        # The relay as the Store sets it up: writers hand it their envelopes.
        relay = OutboxRelay("pyamqp://unused", "talent_pool",
                            [_TimedCollection(c, times) for c in store.outbox_collections],
                            poll_interval=3600)
        relay.publisher = _Confirming()
        relay.relay_pending()  # the scan at start-up, not part of any admission
        times.clear()
        timed_collections = {id(c._collection): c for c in relay.collections}
        store.outbox_written = lambda collection, document_id, written: relay.written(
            timed_collections[id(collection)], document_id, written)
        now = datetime.datetime.now(datetime.timezone.utc)
        for body in envelopes:
            envelope = timed("check the envelope (parse_event)", parse_event, body)
            award = timed("read the award (read_award)", events.read_award, envelope)
            current = timed("read the talent (talent_by_person)", store.talent_by_person, award["person_key"])
            talent, changes = timed("apply the award (apply_award)", lambda: apply_award(
                current, award, policy, now, by=envelope["source"], event_ref=envelope["event_id"]))
            announced = timed("announce it (announcement: talent.admitted)",
                              lambda: [events.announcement(talent, c) for c in changes])
            # StaleWrite would mean the talent changed under the benchmark.
            timed("write talent + outbox (save_talent)", store.save_talent, current, talent, announced)
        started = time.process_time()
        while relay.relay_pending():
            pass
        relay_total = time.process_time() - started
        timed_parts = sum(v for k, v in times.items() if k.startswith("relay: "))
        times["relay: publish (serialise; broker stubbed) and bookkeeping"] = relay_total - timed_parts
        if store.talents.count_documents({"status": "active"}) != count:
            raise RuntimeError("not every award was admitted")
        database.client.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    total = sum(times.values())
    print(f"\nCPU per admission, step by step, {count:,} admissions in this process "
          f"(embedded store; the broker stubbed):")
    rows = [("step", "ms/admission", "share")]
    for kind, seconds in times.items():
        rows.append((kind, f"{seconds / count * 1000:.3f}", f"{seconds / total:.0%}"))
    rows.append(("total", f"{total / count * 1000:.3f}", "100%"))
    print_table(rows)
    return times


# ---------------------------------------------------------------------------------------------


def _ms(seconds):
    return f"{seconds * 1000:,.0f}"


def report(rounds, winners):
    print(f"\n{winners:,} events per round; total: from the call that starts the round until the "
          f"last event is handled; latency: per event, from its creation to its handling")
    columns = ("competitions", "talent pool", "hop source", "hop sink", "broker")
    rows = [("phase", "total ms", "p50 ms", "p99 ms", "max ms", "publish call ms", "all written ms",
             *(f"{c} ms/event" for c in columns))]
    for phase in rounds:
        rows.append((phase["name"], _ms(phase["total"]), _ms(phase["p50"]), _ms(phase["p99"]),
                     _ms(phase["max"]),
                     _ms(phase["publish_call"]) if "publish_call" in phase else "-",
                     _ms(phase["written"]) if "written" in phase else "-",
                     *("-" if phase["cpu"].get(c) is None else f"{phase['cpu'][c] / winners * 1000:.2f}"
                       for c in columns)))
    print_table(rows)
    print("  publish call: until the competitions service answered the publish RPC; all written:\n"
          "  until it had written the last contestant_awarded (its occurred_at). CPU ms per event of\n"
          "  each process; the broker also serves anything else on this machine.")

    def median(kind, key):
        return statistics.median(p[key] for p in rounds if p["name"].startswith(kind))

    hop, admission = median("raw hop", "total"), median("admission", "total")
    ratio = admission / hop
    print(f"\nall {winners:,} admitted: {admission:.2f} s from publication (p50 "
          f"{median('admission', 'p50') * 1000:,.0f} ms, p99 {median('admission', 'p99') * 1000:,.0f} ms "
          f"per event); raw nameko event hop: {hop:.2f} s for {winners:,} events (p50 "
          f"{median('raw hop', 'p50') * 1000:,.0f} ms, p99 {median('raw hop', 'p99') * 1000:,.0f} ms); "
          f"medians of {len(rounds) // 2} rounds")
    report_aim(f"admission within {AIM_RATIO:g}x the raw hop", ratio, AIM_RATIO, "bench.bench_admission")
    return ratio


def report_aim(aim, ratio, most, module):
    """Whether the ``ratio`` to the ceiling met the ``aim`` (at most ``most`` times the ceiling),
    and where to look when it did not."""
    print(f"aim: {aim} -> {'met' if ratio <= most else 'NOT met'} ({ratio:.1f}x)")
    if ratio > most:
        print(f"  where the time goes: .venv/bin/python -m {module} --profile")


def report_profiles(system, winners, top=18,
                    processes=(("competitions", COMPETITIONS), ("talent pool", TALENT_POOL))):
    """Per event, by package and by function, for each of the ``processes`` ((name, process))."""
    for name, module in processes:
        groups, functions = profile_groups(system.profiles[module])
        total = sum(groups.values())
        print(f"\n  {name}: CPU ms per event under cProfile, by package "
              f"(total {total / winners * 1000:.2f} ms)")
        rows = [("package", "ms/event", "share")]
        for group, seconds in sorted(groups.items(), key=lambda item: -item[1])[:top]:
            rows.append((group, f"{seconds / winners * 1000:.3f}", f"{seconds / total:.0%}"))
        print_table(rows)
        print(f"  {name}: functions with the most own time, ms per event")
        for tottime, calls, where in sorted(functions, reverse=True)[:top]:
            print(f"    {tottime / winners * 1000:6.3f}  {calls / winners:7.1f} calls  {where}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--winners", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of hop and admission")
    parser.add_argument("--profile", action="store_true",
                        help="run the competitions service and the talent pool under cProfile for one "
                             "admission round and show where their time goes")
    parser.add_argument("--steps", action="store_true",
                        help="only time each step of an admission in this process (no broker needed)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args(argv)
    if args.steps:
        measure_steps(args.winners)
        return 0
    rounds = 1 if args.profile else args.rounds

    config = load_config(args.config)
    with bench_system(config["AMQP_URI"], args.config, "admission", args.keep) as system:
        print(f"bench_admission: {os.cpu_count()} cores, broker vhost {system.vhost}, "
              f"data in {system.directory}", flush=True)

        system.declare_topology()
        system.tap("talent_pool", "talent.admitted", ADMITTED_TAP)
        system.tap("competitions", "competition.contestant_awarded", AWARDED_TAP, durable=False)
        system.tap("competitions", "competition.results_published", PUBLISHED_TAP, durable=False)
        system.start(COMPETITIONS, TALENT_POOL, profile=args.profile)
        system.start_as("hop sink", HOP_SINK)
        system.start_as("hop source", HOP_SOURCE)
        system.wait_for_competitions(STARTUP_SECONDS)
        system.wait_for_talent_pool(STARTUP_SECONDS)
        system.wait_for_rpc("hop sink", lambda cluster: cluster.bench_hop_sink.count(0), STARTUP_SECONDS)

        started = time.perf_counter()
        with system.rpc(timeout=RPC_TIMEOUT) as cluster:
            competitions = [prepare_competition(cluster.competitions, n, args.winners)
                            for n in range(1, rounds + 1)]
        print(f"prepared {rounds} competition(s) through the competitions RPC, each with "
              f"{args.winners:,} approved, marked, signed-off entries, every one with a prize "
              f"({time.perf_counter() - started:.0f} s)", flush=True)

        broker_pid = _broker_pid()
        pids = {"competitions": system.pid(COMPETITIONS), "talent pool": system.pid(TALENT_POOL),
                "hop source": system.pid("hop source"), "hop sink": system.pid("hop sink"),
                "broker": broker_pid}
        run_hop(system, 0, min(args.winners, 200), pids)  # warm-up
        if args.profile:
            for name in system.profiles:
                system.processes[name].send_signal(signal.SIGUSR1)  # profile from here on
            time.sleep(0.5)
        phases = []
        for number, cid in enumerate(competitions, start=1):
            phases.append(run_hop(system, number, args.winners, pids))
            print(f"  {phases[-1]['name']}: {phases[-1]['total']:.2f} s", flush=True)
            phases.append(run_admission(system, cid, number, args.winners, pids))
            print(f"  {phases[-1]['name']}: {phases[-1]['total']:.2f} s", flush=True)
        if args.profile:
            print("under cProfile (slowed by the profiler: not comparable with a plain run)")
            report(phases, args.winners)
            system.stop()
            report_profiles(system, args.winners)
            return 0
        report(phases, args.winners)
        return 0


if __name__ == "__main__":
    sys.exit(main())
