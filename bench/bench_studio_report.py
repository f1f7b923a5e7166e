"""How long the yearly studio report takes, read from the store and counted, beside the raw read.

Builds ``--studios`` studios (two unions, four industry chains, six regions, every level, some
rated) and ``--results`` verified results among them (two years, every kind, a third with
confirmed money), documents of the size the service stores (authors, description, reviews,
history), plus some submitted and rejected ones the report leaves out, and 40 alliances, in a
temporary embedded store (litemongo, the default when MONGO_URI is unset) through the studios
repository, so with its indexes. Then runs ``reporting.studio_report`` as the service does, every
grouping: the union over every unit and every year, the union for one unit and one year, an
organiser for their own unit. The ceiling is the read alone: every verified result with the
fields a report reads, through the same projection, counted by nothing. Aim: under 2 s (an RPC
call has 10 s).

    .venv/bin/python -m bench.bench_studio_report [--studios N] [--results R] [--runs R]
"""
import argparse
import random
import tempfile

from bench.bench_ranking import timed
from common.storage import open_database, read_documents
from common.testing import callers
from services.studios import reporting
from services.studios.domain.kinds import KINDS
from services.studios.domain.studio import LEVELS
from services.studios.repository import REPORTED_RESULT, StudiosRepository

AIM_SECONDS = 2.0
UNITS = ("jianhu-union", "taian-union")
CHAINS = ("装备制造", "汽车制造", "智能传感器", "机器人")
REGIONS = ("320925", "320924", "370902", "370911", "321282", "440703")
CONFIRMATION = {"department": "财务部", "document_ref": "财审〔2026〕12号", "confirmed_on": "2026-04-01"}


def _studio(number, rnd):
    stars = rnd.choice((None, None, 0, 1, 2, 3, 4, 5))
    return {"_id": f"std-{number:012x}", "name": f"工作室{number}", "unit": UNITS[number % 2],
            "enterprise": f"企业{number % 300}", "industry_chain": rnd.choice(CHAINS),
            "region_code": rnd.choice(REGIONS), "level": rnd.choice(LEVELS),
            "founded_on": "2018-05-01", "description": "工作室简介" * 20,
            "lead": {"member_id": f"mbr-{number:08x}0000", "honour": "市级劳动模范"},
            "members": [{"member_id": f"mbr-{number:08x}{m:04x}", "name": f"成员{m}",
                         "person_key": f"{number:016x}{m:016x}", "id_number_encrypted": "x" * 120,
                         "id_number_masked": "320***********1234", "position": "技术员",
                         "enterprise_head": False, "joined_on": "2019-01-01"}
                        for m in range(rnd.randint(5, 15))],
            "former_members": [], "status": rnd.choice(("active",) * 18 + ("suspended", "revoked")),
            "status_reason": None,
            "rating": None if stars is None else {"rating_id": f"rat-{number}", "stars": stars,
                                                  "round_name": "2025年度星级评定", "year": 2025},
            "revision": 3, "history": [{"at": "2026-01-01T00:00:00.000+00:00", "by": "reviewer-1",
                                        "role": "reviewer", "action": "register"}] * 3,
            "created_at": "2026-01-01T00:00:00.000+00:00"}


def _result(number, studio, status, rnd):
    money = rnd.random() < 0.3
    year = rnd.choice((2025, 2026))
    return {"_id": f"res-{number:012x}", "studio_id": studio["_id"], "studio_name": studio["name"],
            "enterprise": studio["enterprise"], "industry_chain": studio["industry_chain"],
            "region_code": studio["region_code"], "unit": studio["unit"],
            "studio_level": studio["level"], "kind": rnd.choice(KINDS), "title": f"成果标题{number}",
            "description": "成果说明" * 40, "achieved_on": f"{year}-05-01", "year": year,
            "authors": [{"member_id": m["member_id"], "name": m["name"], "person_key": m["person_key"],
                         "id_number_masked": m["id_number_masked"]} for m in studio["members"][:2]],
            "details": {"problem": "问题描述" * 10}, "patent_number": None,
            "economic_benefit": {"cost_saved": rnd.randint(10_000, 900_000) if money else 0,
                                 "value_created": rnd.randint(0, 300_000) if money else 0,
                                 "confirmation": CONFIRMATION if money else None},
            "people_trained": rnd.randint(0, 30), "converted": rnd.random() < 0.1,
            "prior_award_level": None, "ip_dispute": False, "evidence": [], "status": status,
            "reviews": [{"at": "2026-06-01T00:00:00.000+00:00", "by": "reviewer-1",
                         "action": "verify", "comment": "通过"}] * 2,
            "duplicate_of": None, "near_duplicates": [], "revision": 4,
            "history": [{"at": "2026-06-01T00:00:00.000+00:00", "by": "lead-1",
                         "role": "studio_lead", "action": "submit"}] * 4,
            "created_at": "2026-05-01T00:00:00.000+00:00"}


def build(store, studios, results, seed=20261231, chunk=5_000):
    rnd = random.Random(seed)
    made = [_studio(n, rnd) for n in range(studios)]
    store.studios.insert_many(made)
    others = results // 10  # submitted or rejected: read past by the condition
    batch = []
    for number in range(results + others):
        status = "verified" if number < results else rnd.choice(("submitted", "rejected"))
        batch.append(_result(number, rnd.choice(made), status, rnd))
        if len(batch) == chunk:
            store.results.insert_many(batch)
            batch = []
    if batch:
        store.results.insert_many(batch)
    store.alliances.insert_many([
        {"_id": f"aln-{a:012x}", "name": f"联盟{a}", "unit": UNITS[a % 2], "description": "",
         "members": [s["_id"] for s in rnd.sample(made, min(len(made), 12))],
         "convenor": made[a % len(made)]["_id"], "convenors": [], "projects": [], "revision": 1,
         "history": [], "created_at": "2026-01-01T00:00:00.000+00:00"} for a in range(40)])


def raw_read(store):
    return sum(1 for _ in read_documents(store.results, {"status": "verified"}, REPORTED_RESULT))


def measure(store, studios, results, runs):
    """Build the store and print every case's median time beside the raw read's."""
    build(store, studios, results)
    raw_read(store)  # the store's first read loads its indexes: not the report's to pay
    cases = [
        ("raw read: every verified result, projected", raw_read, (store,)),
        ("union, every unit, every year", reporting.studio_report, (store, callers.admin(), {})),
        ("union, one unit, one year", reporting.studio_report,
         (store, callers.reviewer(), {"unit": UNITS[0], "year": 2026})),
        ("organiser, own unit, every year", reporting.studio_report,
         (store, callers.organiser(UNITS[0]), {})),
    ]
    print(f"{studios:,} studios, {results:,} verified results (+{results // 10:,} not verified), "
          f"40 alliances, embedded store, median of {runs} runs")
    print(f"{'what':<46}{'seconds':>9}{'x ceiling':>11}   aim < {AIM_SECONDS:g} s")
    ceiling = None
    for what, work, work_args in cases:
        seconds, answer = timed(runs, work, *work_args)
        ceiling = ceiling or seconds
        verdict = "" if work is raw_read else ("met" if seconds < AIM_SECONDS else "NOT met")
        print(f"{what:<46}{seconds:>9.3f}{seconds / ceiling:>10.1f}x   {verdict}")
        if isinstance(answer, dict):
            totals = answer["totals"]
            print(f"{'':<4}{totals['studios']:,} studios, {totals['verified_results']:,} "
                  f"results, {sum(len(g['rows']) for g in answer['groupings']):,} rows")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studios", type=int, default=1_000)
    parser.add_argument("--results", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-studio-report-") as directory:
        measure(StudiosRepository(open_database({"DATA_DIR": directory}, "studios")),
                args.studios, args.results, args.runs)
    return 0


if __name__ == "__main__":
    main()
