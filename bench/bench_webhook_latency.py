"""From an event's publication until its webhook is received: studio.rated events published one
by one at a modest rate, each delivered by the notifications service to one endpoint, beside the
raw hop of the same events to a bare nameko event handler that signs and POSTs each at once.

Starts its own system as real processes (as `make run` does), on a fresh RabbitMQ vhost with a
fresh DATA_DIR, and a webhook receiver in its own process, which records each request's arrival
(on this machine's clock, which the benchmark reads too) before it answers. Before the service
starts, ``--stored`` deliveries of past events, all delivered, are written into its store, as a
service that has run a while keeps them. Through the notifications RPC one integration registers
one endpoint on the receiver and subscribes it to studio.rated; ``bench.webhooks.PlainWebhooks``
is told to POST what it hears to another path of the receiver, signed with the same secret.

Then ``--events`` studio.rated are published as the studios service's relay publishes them, one
every 1/``--rate`` seconds, after a warm-up of 20. Each is heard by both: the service writes its
delivery, which its 1-second timer claims and sends; the raw hop (an ``event_handler``, nothing
stored, nothing scheduled) words the same body, signs it and POSTs it at once. Each webhook's
latency runs from just before its event's publication to its arrival at the receiver. The
service's is also cut at what its store records: when the fan-out wrote the delivery (its
``created_at``) and when the timer's run that sent it started (its attempt's ``at``).

    .venv/bin/python -m bench.bench_webhook_latency [--events 300] [--rate 10] [--stored 100000]

Every process it started is stopped at the end, and the vhost and data directory removed, even
when something fails.
"""
import sys
import time

from bench.bench_admission import parse_time
from bench.bench_marks import CpuMeter, print_table
from bench.webhooks import (PLAIN, RPC_TIMEOUT, Arrivals, arguments, milliseconds, process_ids,
                            rated_event, register_endpoints, start_notifications, stored_deliveries,
                            studios_relay, webhook_system)
from common.config import load_config
from services.notifications.service import SEND_INTERVAL
from tests.processes import NOTIFICATIONS

SERVICE_PATH = "/hooks/latency"  # the service's endpoint
RAW_PATH = "/hooks/raw-hop"  # where the raw hop POSTs
WARM_UP = 20
SETTLE_SECONDS = 60  # bound on the last webhooks' arrival after the last publication


def publish_paced(publish, count, rate):
    """``count`` fresh events published one every 1/``rate`` s; ``{event id: when its
    publication started}`` (seconds since the epoch)."""
    published, started = {}, time.monotonic()
    for n in range(count):
        time.sleep(max(0.0, started + n / rate - time.monotonic()))
        envelope = rated_event()
        published[envelope["event_id"]] = time.time()
        publish(envelope)
    return published


def wait_for_webhooks(system, arrivals, published):
    def all_in():
        return all(set(published) <= set(arrivals.at(path)) for path in (SERVICE_PATH, RAW_PATH))
    system.wait_until(all_in, SETTLE_SECONDS, interval=0.2, message=f"the webhooks of {len(published)} events",
                      running=[NOTIFICATIONS, PLAIN])


def measure(system, publish, arrivals, endpoint_id, count, rate, pids):
    with CpuMeter(pids) as meter:
        published = publish_paced(publish, count, rate)
        wait_for_webhooks(system, arrivals, published)
    service, raw = arrivals.at(SERVICE_PATH), arrivals.at(RAW_PATH)
    stored = {d["event_id"]: d for d in stored_deliveries(system, [(e, endpoint_id) for e in published])}
    if set(stored) != set(published):
        raise RuntimeError(f"{len(stored)} deliveries stored for {len(published)} events")
    written = {e: parse_time(d["created_at"]) for e, d in stored.items()}
    sent = {e: parse_time(d["attempts"][0]["at"]) for e, d in stored.items()}
    return {
        "raw hop: publication -> received": [raw[e] - at for e, at in published.items()],
        "service: publication -> received": [service[e] - at for e, at in published.items()],
        "  publication -> delivery written": [written[e] - at for e, at in published.items()],
        "  written -> the timer's run starts": [sent[e] - written[e] for e in published],
        "  the run starts -> received": [service[e] - sent[e] for e in published],
        "service, less its wait for the timer's run": [written[e] - at + service[e] - sent[e]
                                                       for e, at in published.items()],
    }, meter.used


def report(latencies, cpu, count, rate):
    print(f"\n{count:,} events published one by one, {rate:g} a second, each to one endpoint; latency "
          "from just before its publication")
    rows = [("latency", "p50 ms", "p99 ms", "max ms")]
    for name, values in latencies.items():
        p50, p99 = milliseconds(values)
        rows.append((name, f"{p50:,.1f}", f"{p99:,.1f}", f"{max(values) * 1000:,.1f}"))
    print_table(rows)
    print(f"  the service's cut from its store: the fan-out's created_at, the attempt's at (when the\n"
          f"  sender's run started; it runs every {SEND_INTERVAL} s). CPU ms per event over the run: " + ", ".join(
              f"{name} {seconds / count * 1000:.2f}" for name, seconds in cpu.items() if name != "load generator"))
    raw = milliseconds(latencies["raw hop: publication -> received"])
    print()
    for name, what in (("service: publication -> received", "publication to webhook received"),
                       ("service, less its wait for the timer's run", "the same, less the wait for the timer")):
        service = milliseconds(latencies[name])
        print(f"{what}: the service p50 {service[0]:,.1f} ms, p99 {service[1]:,.1f} ms; the raw hop "
              f"p50 {raw[0]:,.1f} ms, p99 {raw[1]:,.1f} ms ({service[0] / raw[0]:.1f}x / {service[1] / raw[1]:.1f}x)")


def main(argv=None):
    parser = arguments(__doc__)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="events published a second")
    args = parser.parse_args(argv)

    with webhook_system(load_config(args.config), args, "webhook_latency") as (system, receiver):
        start_notifications(system)
        with system.rpc(timeout=RPC_TIMEOUT) as cluster:
            [endpoint] = register_endpoints(cluster, receiver, [SERVICE_PATH])
            cluster.bench_plain_webhooks.aim(receiver.url(RAW_PATH), endpoint["secret"])
        pids = process_ids(system, receiver)
        arrivals = Arrivals(receiver)
        with studios_relay(system) as publish:
            wait_for_webhooks(system, arrivals, publish_paced(publish, WARM_UP, args.rate))
            latencies, cpu = measure(system, publish, arrivals, endpoint["id"], args.events, args.rate, pids)
        report(latencies, cpu, args.events, args.rate)
        return 0


if __name__ == "__main__":
    sys.exit(main())
