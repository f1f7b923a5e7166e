"""Emails: one event mailed by the notifications service to 1,000 subscribers through a local SMTP
server, beside plain smtplib handing over the same 1,000 messages with the same concurrency.

Starts its own system as real processes (as `make run` does), on a fresh RabbitMQ vhost with a
fresh DATA_DIR, and the kit's SMTP server (``common.testing.receivers.SmtpServer``, aiosmtpd in a
process of its own, recording each message and when it took it). Through the notifications RPC (as
the gateway calls it) ``--subscribers`` people give an email address and subscribe to studio.rated
by email.

A *service* round publishes one studio.rated as the studios service's relay does; the service
hears it, writes an email delivery per subscriber and sends them ``WEBHOOK_CONCURRENCY`` at a
time (50 unless configured; a connection per message, as each delivery is sent, retried and
logged on its own). Measured from just before the publication until the SMTP server has taken
all of them; the store must then say every one delivered. A *plain* round: stdlib ``smtplib``
in this process, the same number of threads, each keeping one connection open and handing over
messages of the same size (the service's own rendering of such an event) one after another:
nothing stored, rendered per subscriber or logged. Rounds alternate, after one warm-up round of
each, so that load from elsewhere on the shared cores hits both alike.

    .venv/bin/python -m bench.bench_emails [--subscribers 1000] [--rounds 3]
    .venv/bin/python -m bench.bench_emails --profile   # the service under cProfile, one round

Aim: the service within twice the plain client's time. Every process it started is stopped at the
end, and the vhost and data directory removed, even when something fails.
"""
import argparse
import concurrent.futures
import os
import signal
import smtplib
import statistics
import sys
import threading
import time

from bench.bench_admission import call_all, parse_time, report_aim, report_profiles
from bench.bench_marks import CpuMeter, _broker_pid, bench_system, print_table
from bench.webhooks import RPC_TIMEOUT, STARTUP_SECONDS, rated_event, studios_relay
from common.config import DEFAULT_CONFIG_PATH, load_config
from common.storage import read_document
from common.testing import callers
from common.testing.receivers import SmtpServer
from services.notifications.channels import email_message
from services.notifications.domain.delivery import DELIVERED
from services.notifications.domain.templates import message_facts, render
from services.notifications.events import STUDIO_RATED
from services.notifications.repository import delivery_id, subscriber_id_of
from services.notifications.settings import SMTP_DEFAULTS, concurrency as sending_concurrency
from tests.processes import NOTIFICATIONS

AIM_RATIO = 2.0  # the service at most twice the plain client's time
ROUND_SECONDS = 300  # bound on one round
PLAIN = "load generator"  # CpuMeter's name for this process, where plain smtplib runs


def subscriber(n):
    return callers.reviewer(subject=f"bench-reader-{n:05d}")


def address(n):
    return f"reader{n:05d}@bench.jiangxin.example"


def subscribe_readers(cluster, count):
    """``count`` people with an email address, each subscribed to studio.rated by email."""
    people = [subscriber(n).to_dict() for n in range(count)]
    call_all(cluster.notifications.update_subscriber,
             [(person, {"email": address(n)}) for n, person in enumerate(people)])
    call_all(cluster.notifications.subscribe,
             [(person, {"topics": [STUDIO_RATED], "channels": ["email"]}) for person in people])


class Taken:
    """When the SMTP server took each message: ``{Message-ID: [seconds since the epoch]}``, read on
    from where the last reading ended (the server and the benchmark share this machine's clock)."""

    def __init__(self, smtp):
        self.smtp, self._read, self.by_id = smtp, 0, {}

    def of(self, message_id):
        mails = self.smtp.messages(self._read)
        for mail in mails:
            self.by_id.setdefault(mail.message["Message-ID"], []).append(parse_time(mail.received_at))
        self._read += len(mails)
        return self.by_id.get(message_id, [])


def plain_messages(event, count):
    """The messages the plain client hands over: the service's own wording of ``event``, one
    per reader, under one Message-ID for the round."""
    message = render(STUDIO_RATED, "zh-CN", message_facts(event["data"]))
    return [email_message(SMTP_DEFAULTS["sender"], address(n), message["subject"], message["text"],
                          event["event_id"]) for n in range(count)]


def plain_round(smtp, name, event, count, concurrency, taken, pids):
    messages = plain_messages(event, count)
    local = threading.local()

    def hand_over(mail):
        if getattr(local, "client", None) is None:
            local.client = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
            clients.append(local.client)
        local.client.sendmail(mail.sender, mail.recipients, mail.data)

    clients = []
    with CpuMeter(pids) as meter:
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(hand_over, messages))
        for client in clients:
            client.quit()
    arrived = taken.of(f"<{event['event_id']}@jiangxin>")
    if len(arrived) != count:
        raise RuntimeError(f"the SMTP server has {len(arrived)} messages of the plain round, not {count}")
    return {"name": name, "total": max(arrived) - started, "first": min(arrived) - started, "cpu": meter.used}


def service_round(system, publish, name, count, taken, pids):
    event = rated_event()
    message_id = f"<{event['event_id']}@jiangxin>"
    with CpuMeter(pids) as meter:
        started = time.time()
        publish(event)
        system.wait_until(lambda: len(taken.of(message_id)) >= count, ROUND_SECONDS, interval=0.1,
                          message=f"{count} emails of one event", running=[NOTIFICATIONS])
    arrived = taken.of(message_id)
    ids = [delivery_id(event["event_id"], f"email:{subscriber_id_of(subscriber(n).subject)}") for n in range(count)]

    def all_delivered():
        stored = system.read_store(NOTIFICATIONS, lambda database: [
            read_document(database["deliveries"], i) for i in ids])
        return sum(1 for d in stored if d is not None and d["status"] == DELIVERED) == count
    system.wait_until(all_delivered, 30, interval=0.5, message="the store saying every email delivered",
                      running=[NOTIFICATIONS])
    if len(arrived) != count:
        raise RuntimeError(f"the SMTP server has {len(arrived)} emails of {event['event_id']}, not {count}")
    return {"name": name, "total": max(arrived) - started, "first": min(arrived) - started, "cpu": meter.used}


def report(phases, count, concurrency):
    plain = [p for p in phases if p["name"].startswith("plain")]
    service = [p for p in phases if p["name"].startswith("service")]
    columns = (NOTIFICATIONS, PLAIN, "smtp server", "broker")
    print(f"\n{count:,} emails per round, {concurrency} at a time; total: from just before the publication "
          f"(plain: the first connection) until the SMTP server has taken the last one")
    rows = [("phase", "total ms", "first ms", *(f"{c} ms/email" for c in columns))]
    for phase in phases:
        rows.append((phase["name"], f"{phase['total'] * 1000:,.0f}", f"{phase['first'] * 1000:,.0f}",
                     *("-" if phase["cpu"].get(c) is None else f"{phase['cpu'][c] / count * 1000:.2f}"
                       for c in columns)))
    print_table(rows)
    print("  CPU ms per email of each process over the round; the broker also serves anything else on "
          "this machine.")
    ceiling = statistics.median(p["total"] for p in plain)
    measured = statistics.median(p["total"] for p in service)
    ratio = measured / ceiling
    print("  service / plain per round: " + ", ".join(
        f"{s['total'] / p['total']:.1f}x" for p, s in zip(plain, service)))
    print(f"\nall {count:,} emails of one event taken by the SMTP server {measured:.2f} s after its "
          f"publication; plain smtplib's {count:,}: {ceiling:.2f} s; medians of {len(service)} rounds")
    report_aim(f"the service within {AIM_RATIO:g}x plain smtplib", ratio, AIM_RATIO, "bench.bench_emails")
    return ratio


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of plain and service")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    parser.add_argument("--profile", action="store_true",
                        help="run the notifications service under cProfile for one round and show where "
                             "its time goes")
    args = parser.parse_args(argv)
    rounds = 1 if args.profile else args.rounds

    config = load_config(args.config)
    concurrency = sending_concurrency(config)
    with bench_system(config["AMQP_URI"], args.config, "emails", args.keep) as system, \
            SmtpServer(system.directory / "smtp") as smtp:
        print(f"bench_emails: {os.cpu_count()} cores, broker vhost {system.vhost}, data in "
              f"{system.directory}", flush=True)
        system.declare_topology()
        system.start(NOTIFICATIONS, profile=args.profile, SMTP_HOST=smtp.host, SMTP_PORT=str(smtp.port))
        system.wait_for_notifications(STARTUP_SECONDS)
        started = time.perf_counter()
        with system.rpc(timeout=RPC_TIMEOUT) as cluster:
            subscribe_readers(cluster, args.subscribers)
        print(f"  {args.subscribers:,} readers subscribed by email through RPC "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
        pids = {NOTIFICATIONS: system.pid(NOTIFICATIONS), "smtp server": smtp.pid, "broker": _broker_pid()}
        taken = Taken(smtp)

        phases = []
        with studios_relay(system) as publish:
            plain_round(smtp, "plain, warm-up", rated_event(), args.subscribers, concurrency, taken, pids)
            service_round(system, publish, "service, warm-up", args.subscribers, taken, pids)
            if args.profile:
                system.processes[NOTIFICATIONS].send_signal(signal.SIGUSR1)  # profile from here on
                time.sleep(0.5)
            for number in range(1, rounds + 1):
                phases.append(plain_round(smtp, f"plain, round {number}", rated_event(), args.subscribers,
                                          concurrency, taken, pids))
                phases.append(service_round(system, publish, f"service, round {number}", args.subscribers,
                                            taken, pids))
                print(f"  round {number}: plain {phases[-2]['total']:.2f} s, service "
                      f"{phases[-1]['total']:.2f} s", flush=True)
        if args.profile:
            print("under cProfile (slowed by the profiler: not comparable with a plain run)")
        report(phases, args.subscribers, concurrency)
        if args.profile:
            system.stop()
            report_profiles(system, args.subscribers, processes=(("notifications", NOTIFICATIONS),))
        return 0


if __name__ == "__main__":
    sys.exit(main())
