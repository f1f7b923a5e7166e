"""How long the star rating of a yearly round takes, beside the raw ceiling.

A round of 1,000 studios with 50 verified results each (a tenth of them from before the period,
which the rating leaves out), rated on the default rubric with two panel items scored by 5
experts each: ``rate_studio`` for every studio, then its 复评 against the stars it had. The ceiling
is the irreducible pass over the same data: a plain loop that adds up every result's numbers
(cost saved, value created, people trained) once. Nothing can rate the results faster than it can
read them, so the ratio says what the rules and the breakdown cost. Aim: under 1 s.

    .venv/bin/python -m bench.bench_rating [--studios N] [--results R] [--runs R]
"""
import argparse
import datetime
import random

from bench.bench_ranking import timed
from services.studios.domain.kinds import KINDS
from services.studios.domain.rating import rate_studio, re_evaluation
from services.studios.domain.rubric import rubric_from, thresholds_from

AIM_SECONDS = 1.0
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}
# Most results are 五小 and suggestions; patents and standards are rarer.
KIND_WEIGHTS = {"invention_patent": 3, "utility_patent": 8, "design_patent": 2, "five_small": 25,
                "tackling": 15, "operating_method": 6, "rationalisation": 25, "standard": 2,
                "training": 14}
AWARD_LEVELS = (None,) * 12 + ("enterprise", "county", "city", "provincial", "national")


def build_round(studios, per_studio, seed=20251231):
    """(studio, results, panel scores, previous stars) for every studio, as the service loads them."""
    rnd = random.Random(seed)
    kinds = [kind for kind in KINDS for _ in range(KIND_WEIGHTS[kind])]
    start = datetime.date(2024, 11, 1)
    round_ = []
    for s in range(studios):
        studio = {"_id": f"st-{s:05d}", "name": f"工作室{s}", "level": rnd.choice(("city", "county")),
                  "founded_on": (start - datetime.timedelta(days=rnd.randint(0, 3650))).isoformat(),
                  "members": [{"member_id": f"m-{s}-{m}", "name": f"成员{m}"}
                              for m in range(rnd.randint(3, 15))],
                  "status": "active", "alliances": [f"al-{s % 40}"] * (rnd.random() < 0.6),
                  "convenes": int(rnd.random() < 0.05)}
        results = []
        for r in range(per_studio):
            kind = rnd.choice(kinds)
            money = rnd.random() < 0.3
            results.append({
                "_id": f"res-{s}-{r}", "kind": kind, "title": f"成果{r}",
                # 14 months: the first two fall before the period.
                "achieved_on": (start + datetime.timedelta(days=rnd.randint(0, 425))).isoformat(),
                "economic_benefit": {"cost_saved": rnd.randint(10_000, 900_000) if money else 0,
                                     "value_created": rnd.randint(0, 300_000) if money else 0,
                                     "confirmed": rnd.random() < 0.8},
                "people_trained": rnd.randint(1, 30) if kind == "training" else 0,
                "converted": rnd.random() < 0.1, "award_level": rnd.choice(AWARD_LEVELS),
                "authors": [studio["members"][0]["member_id"]]})
        panel = {code: [round(rnd.uniform(5, 10), 1) for _ in range(5)]
                 for code in ("site_visit", "expert_review")}
        previous = rnd.choice((None, 0, 1, 2, 3, 4, 5))
        round_.append((studio, results, panel, previous))
    return round_


def raw_ceiling(round_):
    total = 0
    for _studio, results, _panel, _previous in round_:
        for result in results:
            benefit = result["economic_benefit"]
            total += benefit["cost_saved"] + benefit["value_created"] + result["people_trained"]
    return total


def rate_round(round_, rubric, thresholds):
    rated = []
    for studio, results, panel, previous in round_:
        rating = rate_studio(studio, results, panel, rubric, thresholds, PERIOD)
        rated.append((rating, re_evaluation(previous, rating["stars"], rating["points"], thresholds)))
    return rated


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studios", type=int, default=1_000)
    parser.add_argument("--results", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    rubric, thresholds = rubric_from(None), thresholds_from(None)
    round_ = build_round(args.studios, args.results)

    ceiling, _ = timed(args.runs, raw_ceiling, round_)
    whole, rated = timed(args.runs, rate_round, round_, rubric, thresholds)
    paused, _ = timed(args.runs, rate_round, round_, rubric, thresholds, collector=False)

    print(f"{args.studios:,} studios, {args.studios * args.results:,} verified results, "
          f"{len(rubric['categories'])} categories / {sum(len(c['items']) for c in rubric['categories'])} "
          f"items, median of {args.runs} runs")
    print(f"{'what':<46}{'seconds':>9}{'x ceiling':>11}   aim < {AIM_SECONDS:g} s")
    rows = [
        ("raw ceiling: sum every result's numbers once", ceiling, ""),
        ("rate_studio + re_evaluation, every studio", whole, "met" if whole < AIM_SECONDS else "NOT met"),
        ("the same, collector paused", paused, ""),
    ]
    for what, seconds, verdict in rows:
        print(f"{what:<46}{seconds:>9.3f}{seconds / ceiling:>10.1f}x   {verdict}")
    stars = [rating["stars"] for rating, _ in rated]
    outcomes = [outcome["outcome"] for _, outcome in rated]
    print("stars " + ", ".join(f"{n}: {stars.count(n)}" for n in range(6))
          + "; outcomes " + ", ".join(f"{o}: {outcomes.count(o)}" for o in sorted(set(outcomes))))
    return 0


if __name__ == "__main__":
    main()
