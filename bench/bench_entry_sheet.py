"""A sheet of 3,000 workers previewed and registered through the gateway, against the aim of 30 s.

Starts its own system as real processes (as `make run` does): the competitions service and the
gateway, with a fresh DATA_DIR, their own gateway port and a fresh RabbitMQ vhost (bench_marks'
bench_system). Through HTTP it opens one competition for registration (one trade event, a quota
of 30 per employer), then uploads one Excel sheet of ``--rows`` workers of 200 employers: the
preview (every row read, sealed, checked; nothing changed), the confirmation (every row
registered) and the same sheet confirmed again (every row answered as registered already). Each
is timed from the request sent to the answer read, a fresh competition per round.

    .venv/bin/python -m bench.bench_entry_sheet [--rows 3000] [--rounds 3]

Aim: preview and confirmation together under 30 s. Every process it started is stopped at the
end, and the vhost and data directory removed, even when something fails.
"""
import argparse
import datetime
import statistics
import sys
import time

import requests

from bench.bench_marks import STARTUP_SECONDS, UNIT, bench_system
from common.auth import issue_token
from common.config import DEFAULT_CONFIG_PATH, load_config
from common.personal_id import make_id_number
from common.testing import factories
from common.testing import files as samples
from services.competitions.api import SHEET_COLUMNS
from tests.processes import COMPETITIONS, GATEWAY

AIM_SECONDS = 30.0
EMPLOYERS = 200
# Room for every row of the largest sheet allowed (5,000 rows: 25 per employer), yet checked.
QUOTA = 30
TIMEOUT = 300.0


def sheet(rows):
    """An Excel sheet of ``rows`` distinct, eligible workers, as organisers fill the template."""
    lines = [[header for header, _ in SHEET_COLUMNS]]
    for n in range(rows):
        born = datetime.date(1980, 1, 1) + datetime.timedelta(days=n // 1000)
        lines.append([f"选手{n}", make_id_number(birth=born, sequence=n % 1000), f"企业{n % EMPLOYERS}",
                      "数控车工", "中级工", ""])
    return samples.workbook(lines)


def timed(session, url, content, token):
    started = time.perf_counter()
    response = session.post(url, files={"file": ("报名表.xlsx", content)}, timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {token}"})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"POST {url} answered {response.status_code}: {response.text[:500]}")
    return elapsed, response.json()


def one_round(session, base_url, token, content, rows):
    payload = factories.competition_payload()
    payload["events"][0]["eligibility"] = {"quota_per_enterprise": QUOTA}
    headers = {"Authorization": f"Bearer {token}"}
    competition = session.post(f"{base_url}/competitions", json=payload, headers=headers).json()
    cid, eid = competition["id"], competition["events"][0]["id"]
    session.post(f"{base_url}/competitions/{cid}/status", json={"action": "open_registration"},
                 headers=headers).raise_for_status()
    sheets = f"{base_url}/competitions/{cid}/events/{eid}/entry-sheets"
    preview, previewed = timed(session, f"{sheets}/preview", content, token)
    confirm, confirmed = timed(session, sheets, content, token)
    again, repeated = timed(session, sheets, content, token)
    if (previewed["valid"], len(confirmed["registered_rows"]),
            len(repeated["already_registered_rows"])) != (rows, rows, rows):
        raise RuntimeError(f"unexpected answers: {previewed['valid']} valid, "
                           f"{len(confirmed['registered_rows'])} registered, "
                           f"{len(repeated['already_registered_rows'])} already registered")
    return preview, confirm, again


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the data directory and logs")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    content = sheet(args.rows)
    print(f"a sheet of {args.rows} workers: {len(content)} bytes of .xlsx", flush=True)
    with bench_system(config["AMQP_URI"], args.config, "entry_sheet", args.keep) as system:
        system.start(COMPETITIONS, GATEWAY)
        system.wait_for_competitions(STARTUP_SECONDS)
        system.wait_for_gateway(STARTUP_SECONDS)
        token = issue_token(system.token_secret, "bench-organiser", "organizer", unit=UNIT, name="组织者")
        session = requests.Session()
        results = []
        for number in range(1, args.rounds + 1):
            preview, confirm, again = one_round(session, system.base_url, token, content, args.rows)
            results.append((preview, confirm, again))
            print(f"round {number}: preview {preview:.2f} s, confirmation {confirm:.2f} s, "
                  f"again {again:.2f} s", flush=True)
    total = statistics.median(preview + confirm for preview, confirm, _ in results)
    met = total < AIM_SECONDS
    print(f"median preview + confirmation of {args.rows} rows: {total:.2f} s "
          f"(aim under {AIM_SECONDS:.0f} s: {'met' if met else 'NOT met'})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
