"""One studio.rated event fanned out by the notifications service to 1,000 webhook endpoints,
until the receiver has all 1,000, beside a plain client's 1,000 signed POSTs to the same receiver
measured in the same run.

Starts its own system as real processes (as `make run` does), on a fresh RabbitMQ vhost with a
fresh DATA_DIR, and a webhook receiver (``common.testing.receivers.WebhookReceiver``, its own
process, recording each request and its arrival time before it answers). Before the service
starts, ``--stored`` deliveries of past events, all delivered, are written into its store, as a
service that has run a while keeps them; the read each claim of the sender makes
(``NotificationsRepository.due_deliveries``) is timed on that store, in this process, beside
``find_one`` by ``_id``. Through the notifications RPC (as the gateway calls it) one integration
registers ``--endpoints`` endpoints on the receiver and subscribes them to studio.rated (10 to a
subscription, the most one names).

A *fan-out* round publishes one studio.rated as the studios service's relay does; the service
hears it, writes a delivery per endpoint, and claims and sends them at once,
``WEBHOOK_CONCURRENCY`` at a time (50 unless configured). Measured from just before the
publication until the receiver has recorded all of them; the store must then say every one
delivered. A *plain* round: ``bench.webhooks.PlainWebhooks.post_all``, requests + an eventlet
GreenPool of the same concurrency in a nameko process of its own, POSTs the same body to the
same endpoints, each signed with its endpoint's secret (``signed_headers``, Standard Webhooks
headers), measured from the RPC call until the receiver has all of them. Rounds alternate, after
one warm-up round of each, so that load from elsewhere on the shared cores hits both alike.

    .venv/bin/python -m bench.bench_notifications_fanout [--endpoints 1000] [--rounds 3] [--stored 100000]
    .venv/bin/python -m bench.bench_notifications_fanout --profile   # the service under cProfile, one round

Aim: the fan-out within twice the plain client's time. Every process it started is stopped at
the end, and the vhost and data directory removed, even when something fails.
"""
import signal
import statistics
import sys
import time
import uuid

from bench.bench_admission import parse_time, report_aim, report_profiles
from bench.bench_marks import CpuMeter, print_table
from bench.webhooks import (PLAIN, RPC_TIMEOUT, Arrivals, arguments, past_delivery_id, process_ids,
                            rated_event, register_endpoints, start_notifications, stored_deliveries,
                            studios_relay, webhook_system)
from common.clock import utc_now
from common.config import load_config
from common.storage import open_database
from services.notifications.deliveries import BATCH
from services.notifications.domain.delivery import DELIVERED
from services.notifications.domain.signing import webhook_body
from services.notifications.repository import NotificationsRepository
from services.notifications.settings import concurrency as webhook_concurrency
from tests.processes import NOTIFICATIONS

AIM_RATIO = 2.0  # the fan-out at most twice the plain client's time
ROUND_SECONDS = 300  # bound on one round
READS = 5  # timed reads of the due deliveries


def time_due_read(data_dir):
    """(median seconds of ``due_deliveries`` as a timer run makes it, of ``find_one`` by ``_id``)
    on the store as seeded, in this process. The first read of a fresh handle builds the store's
    index in memory, as the service's first timer run does; the next ones are timed."""
    database = open_database({"DATA_DIR": str(data_dir)}, NOTIFICATIONS)
    try:
        store = NotificationsRepository(database)
        deliveries, some = database["deliveries"], {"_id": past_delivery_id(0)}
        store.due_deliveries(utc_now(), BATCH)
        due, by_id = [], []
        for _ in range(READS):
            started = time.perf_counter()
            store.due_deliveries(utc_now(), BATCH)
            due.append(time.perf_counter() - started)
            started = time.perf_counter()
            deliveries.find_one(some)
            by_id.append(time.perf_counter() - started)
        return statistics.median(due), statistics.median(by_id)
    finally:
        database.client.close()


def plain_round(cluster, name, targets, body, concurrency, arrivals, pids):
    message_id = f"msg_{uuid.uuid4().hex}"
    with CpuMeter(pids) as meter:
        started = time.time()
        delivered = cluster.bench_plain_webhooks.post_all(targets, message_id, body, concurrency)
    arrived = arrivals.of(message_id)
    if delivered != len(targets) or len(arrived) != len(targets):
        raise RuntimeError(f"the plain client delivered {delivered} and the receiver has {len(arrived)}, "
                           f"not {len(targets)}")
    return {"name": name, "total": max(arrived) - started, "first": min(arrived) - started,
            "cpu": meter.used, "sizes": arrivals.body_sizes(message_id)}


def fanout_round(system, publish, name, endpoints, arrivals, pids):
    envelope = rated_event()
    event_id, count = envelope["event_id"], len(endpoints)
    with CpuMeter(pids) as meter:
        started = time.time()
        publish(envelope)
        system.wait_until(lambda: len(arrivals.of(event_id)) >= count, ROUND_SECONDS, interval=0.1,
                          message=f"{count} webhooks of one event", running=[NOTIFICATIONS])
    arrived = arrivals.of(event_id)
    sent = [(event_id, endpoint["id"]) for endpoint in endpoints]
    stored = []

    def all_delivered():
        stored[:] = stored_deliveries(system, sent)
        return sum(1 for d in stored if d["status"] == DELIVERED) == count
    system.wait_until(all_delivered, 30, interval=0.5, message="the store saying every delivery delivered",
                      running=[NOTIFICATIONS])
    if len(arrived) != count:
        raise RuntimeError(f"the receiver has {len(arrived)} webhooks of {event_id}, not {count}")
    sent = sorted({parse_time(d["attempts"][0]["at"]) for d in stored})
    return {"name": name, "total": max(arrived) - started, "first": min(arrived) - started,
            "written": parse_time(stored[0]["created_at"]) - started, "sender_runs": sent,
            "sender_starts": sent[0] - started, "cpu": meter.used, "sizes": arrivals.body_sizes(event_id)}


def _ms(seconds):
    return f"{seconds * 1000:,.0f}"


def report(phases, endpoints, concurrency):
    plain = [p for p in phases if p["name"].startswith("plain")]
    fanouts = [p for p in phases if p["name"].startswith("fan-out")]
    columns = (NOTIFICATIONS, PLAIN, "receiver", "broker")
    print(f"\n{endpoints:,} webhooks per round, {concurrency} at a time; total: from just before the "
          f"publication (plain: the RPC call) until the receiver has the last one")
    rows = [("phase", "total ms", "first ms", "fan-out written ms", "sender runs", "first run ms",
             *(f"{c} ms/webhook" for c in columns))]
    for phase in phases:
        rows.append((phase["name"], _ms(phase["total"]), _ms(phase["first"]),
                     _ms(phase["written"]) if "written" in phase else "-",
                     str(len(phase["sender_runs"])) if "sender_runs" in phase else "-",
                     _ms(phase["sender_starts"]) if "sender_starts" in phase else "-",
                     *("-" if phase["cpu"].get(c) is None else f"{phase['cpu'][c] / endpoints * 1000:.2f}"
                       for c in columns)))
    print_table(rows)
    print("  first: until the first webhook arrived; fan-out written: when the service had heard the\n"
          "  event and started writing the deliveries (their created_at); sender runs: the claims (each\n"
          "  its attempts' 'at') that sent them, the first at 'first run'. CPU ms per webhook of each process over\n"
          "  the round; the broker also serves anything else on this machine.")
    sizes = {size for phase in phases for size in phase["sizes"]}
    print(f"  body sizes received: {', '.join(f'{s:,} B' for s in sorted(sizes))}")
    ceiling = statistics.median(p["total"] for p in plain)
    fanout = statistics.median(p["total"] for p in fanouts)
    ratio = fanout / ceiling
    print("  fan-out / plain per round: " + ", ".join(
        f"{f['total'] / p['total']:.1f}x" for p, f in zip(plain, fanouts)))
    print(f"\nall {endpoints:,} webhooks of one event received {fanout:.2f} s after its publication; "
          f"the plain client's {endpoints:,} signed POSTs: {ceiling:.2f} s; medians of {len(fanouts)} rounds")
    report_aim(f"the fan-out within {AIM_RATIO:g}x the plain client", ratio, AIM_RATIO,
               "bench.bench_notifications_fanout")
    return ratio


def main(argv=None):
    parser = arguments(__doc__)
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of plain and fan-out")
    parser.add_argument("--profile", action="store_true",
                        help="run the notifications service under cProfile for one fan-out round and "
                             "show where its time goes")
    args = parser.parse_args(argv)
    rounds = 1 if args.profile else args.rounds

    config = load_config(args.config)
    concurrency = webhook_concurrency(config)
    with webhook_system(config, args, "notifications_fanout") as (system, receiver):
        due, by_id = time_due_read(system.data_dir)
        print(f"  a timer run's read of the due deliveries (due_deliveries), {args.stored:,} stored, none "
              f"due: {due * 1000:.2f} ms; find_one by _id on the same store: {by_id * 1000:.2f} ms", flush=True)

        start_notifications(system, profile=args.profile)
        started = time.perf_counter()
        with system.rpc(timeout=RPC_TIMEOUT) as cluster:
            endpoints = register_endpoints(cluster, receiver, [f"/hooks/{n:04d}" for n in range(args.endpoints)])
        print(f"  {len(endpoints):,} endpoints registered and subscribed through RPC "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
        targets = [(endpoint["url"], endpoint["secret"]) for endpoint in endpoints]
        sample = rated_event()  # the plain client's body: a studio.rated as the service words it
        body = webhook_body(sample["event_type"], sample["occurred_at"], sample["data"])
        pids = process_ids(system, receiver)
        arrivals = Arrivals(receiver)

        phases = []
        with system.rpc(timeout=RPC_TIMEOUT) as cluster, studios_relay(system) as publish:
            plain_round(cluster, "plain, warm-up", targets, body, concurrency, arrivals, pids)
            fanout_round(system, publish, "fan-out, warm-up", endpoints, arrivals, pids)
            if args.profile:
                system.processes[NOTIFICATIONS].send_signal(signal.SIGUSR1)  # profile from here on
                time.sleep(0.5)
            for number in range(1, rounds + 1):
                phases.append(plain_round(cluster, f"plain, round {number}", targets, body, concurrency,
                                          arrivals, pids))
                phases.append(fanout_round(system, publish, f"fan-out, round {number}", endpoints,
                                           arrivals, pids))
                print(f"  round {number}: plain {phases[-2]['total']:.2f} s, fan-out "
                      f"{phases[-1]['total']:.2f} s", flush=True)
        if args.profile:
            print("under cProfile (slowed by the profiler: not comparable with a plain run)")
            report(phases, args.endpoints, concurrency)
            system.stop()
            report_profiles(system, args.endpoints, processes=(("notifications", NOTIFICATIONS),))
            return 0
        report(phases, args.endpoints, concurrency)
        return 0


if __name__ == "__main__":
    sys.exit(main())
