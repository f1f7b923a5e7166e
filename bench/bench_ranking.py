"""How long scoring, ranking and awarding one large event takes, beside the raw ceiling.

One trade event with 60,000 entries (the yearly field of a big city): theory is one graded paper,
practical is 10 judgement aspects marked by 5 judges each plus 4 measurement aspects. The ceiling is
the irreducible pass over the same data: a plain loop summing every raw mark from the same dicts.
Nothing can score the marks faster than it can read them, so the ratio says how much the rules cost.
The headline is ``standings``, the pass exactly as the service runs it at sign-off (with Python's
garbage collector paused, see domain/standings.py); the steps are also timed one by one, and the
same pass with the collector running, to show what the pause is worth.

    .venv/bin/python -m bench.bench_ranking [--entries N] [--runs R]
"""
import argparse
import gc
import random
import statistics
import time

from services.competitions.domain.awards import assign_awards
from services.competitions.domain.ranking import rank
from services.competitions.domain.scheme import SchemeIndex
from services.competitions.domain.scoring import score_entry
from services.competitions.domain.standings import standings

AIM_SECONDS = 1.0
JUDGES = ("J1", "J2", "J3", "J4", "J5")
JUDGEMENT_IDS = tuple(f"B{i}" for i in range(1, 11))
LEVELS = {"0": "below industry standard", "1": "meets it", "2": "meets it well", "3": "excellent"}

AWARD_RULES = {
    "prizes": {"basis": "share", "bands": [{"prize": "first", "share": 10}, {"prize": "second", "share": 20},
                                           {"prize": "third", "share": 30}]},
    "titles": [{"title": "技术能手", "top": 5}],
    "promotions": [{"from_rank": 1, "to_rank": 5, "level": "技师"}, {"from_rank": 6, "to_rank": 15, "level": "高级工"}],
    "certificate": {"level": None, "pass_mark": 60},
}


def build_scheme():
    judgement = [
        {"id": aspect_id, "kind": "judgement", "description": "workmanship", "max_mark": float(2 + i % 4),
         "levels": dict(LEVELS)}
        for i, aspect_id in enumerate(JUDGEMENT_IDS)
    ]
    measurement = [
        {"id": "A1", "kind": "measurement", "description": "thread gauge passes", "max_mark": 2.0},
        {"id": "A2", "kind": "measurement", "description": "surface finish Ra 1.6", "max_mark": 2.0},
        {"id": "A3", "kind": "measurement", "description": "diameter 25 mm", "max_mark": 3.0, "nominal": 25.0,
         "tolerance_bands": [{"deviation": 0.02, "fraction": 1.0}, {"deviation": 0.05, "fraction": 0.5}]},
        {"id": "A4", "kind": "measurement", "description": "length 80 mm", "max_mark": 3.0, "nominal": 80.0,
         "tolerance_bands": [{"deviation": 0.03, "fraction": 1.0}, {"deviation": 0.1, "fraction": 0.4}]},
    ]
    return {
        "components": [{"key": "theory", "name": "理论", "weight": 30}, {"key": "practical", "name": "实操", "weight": 70}],
        "criteria": [
            {"id": "T", "name": "理论知识", "component": "theory", "sub_criteria": [
                {"id": "T0", "name": "笔试", "aspects": [
                    {"id": "T1", "kind": "measurement", "description": "theory paper", "max_mark": 100, "graded": True}]}]},
            {"id": "P", "name": "实操", "component": "practical", "sub_criteria": [
                {"id": "P1", "name": "尺寸", "aspects": measurement},
                {"id": "P2", "name": "工艺", "aspects": judgement}]},
        ],
    }


def build_entries(count, seed=20250601):
    """Marks as the service stores them: {aspect_id: {judge_id: raw value}}, with realistic spread."""
    rnd = random.Random(seed)
    entries = []
    for n in range(count):
        ability = rnd.betavariate(5, 2)  # most contestants are decent, few are excellent
        marks = {"T1": {"J1": round(min(100.0, max(0.0, rnd.gauss(100 * ability, 8))), 1)}}
        marks["A1"] = {"J1": 2.0 if rnd.random() < ability else 0.0}
        marks["A2"] = {"J1": 2.0 if rnd.random() < ability else 0.0}
        marks["A3"] = {"J1": round(25.0 + rnd.gauss(0, 0.06 * (1.2 - ability)), 3)}
        marks["A4"] = {"J1": round(80.0 + rnd.gauss(0, 0.08 * (1.2 - ability)), 3)}
        if rnd.random() < 0.01:  # now and then a second judge re-measures
            marks["A3"]["J2"] = round(25.0 + rnd.gauss(0, 0.06), 3)
        for aspect_id in JUDGEMENT_IDS:
            centre = 3 * ability
            marks[aspect_id] = {j: min(3, max(0, round(rnd.gauss(centre, 0.45)))) for j in JUDGES}
        seconds = None if rnd.random() < 0.02 else round(rnd.uniform(5400, 10800))
        entries.append((f"e{n}", f"{n:05d}", marks, seconds))
    return entries


def raw_ceiling(entries):
    total = 0
    for _entry_id, _code, marks, _seconds in entries:
        for judged in marks.values():
            for value in judged.values():
                total += value
    return total


def score_all(index, entries):
    # Plain (entry_id, code, score, seconds) tuples: what ranking.Scored names, without its constructor cost.
    return [(entry_id, code, score_entry(index, marks), seconds) for entry_id, code, marks, seconds in entries]


def pipeline(index, entries):
    ranked = rank(score_all(index, entries))
    return ranked, assign_awards(ranked, AWARD_RULES, certified_level="高级工")


def timed(runs, work, *args, collector=True):
    """Median wall time of ``runs`` calls, and the last result.

    ``collector=False`` pauses Python's cyclic garbage collector during each call. Nothing scoring
    builds has cycles, but every object it keeps alive counts towards the next full collection,
    and each full collection walks the whole heap, the marks included.
    """
    times = []
    result = None
    for _ in range(runs):
        result = None  # let the previous result go before measuring, as a service would
        gc.collect()
        if not collector:
            gc.disable()
        try:
            start = time.perf_counter()
            result = work(*args)
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return statistics.median(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    index = SchemeIndex(build_scheme())
    entries = build_entries(args.entries)
    mark_count = sum(len(judged) for _e, _c, marks, _s in entries for judged in marks.values())
    judgement_marks = sum(len(marks[a]) for _e, _c, marks, _s in entries for a in JUDGEMENT_IDS)

    ceiling, _ = timed(args.runs, raw_ceiling, entries)
    scoring, scored = timed(args.runs, score_all, index, entries)
    ranking, ranked = timed(args.runs, rank, scored)
    awarding, awards = timed(args.runs, assign_awards, ranked, AWARD_RULES, "高级工")
    whole, _ = timed(args.runs, pipeline, index, entries)
    service, _ = timed(args.runs, lambda: standings(index, entries, awards=AWARD_RULES,
                                                    certified_level="高级工"))

    print(f"{args.entries:,} entries, {mark_count:,} raw marks ({judgement_marks:,} judgement marks "
          f"from {len(JUDGES)} judges), median of {args.runs} runs")
    print(f"{'what':<46}{'seconds':>9}{'x ceiling':>11}   aim < {AIM_SECONDS:g} s")
    rows = [
        ("raw ceiling: sum every raw mark", ceiling, ""),
        ("score_entry for every entry", scoring, ""),
        ("rank", ranking, ""),
        ("awards", awarding, ""),
        ("score + rank + awards, collector running", whole, ""),
        ("standings (as the service runs it)", service, "met" if service < AIM_SECONDS else "NOT met"),
    ]
    for what, seconds, verdict in rows:
        print(f"{what:<46}{seconds:>9.3f}{seconds / ceiling:>10.1f}x   {verdict}")
    prized = sum(1 for a in awards if a.prize)
    flagged = sum(1 for r in ranked if r.flagged)
    print(f"ranked {len(ranked):,} complete entries, {prized:,} prizes, {flagged:,} entries with aspects to review")


if __name__ == "__main__":
    main()
