"""`demo-data`: load a city's skills-competition programme and its innovation studios into a
running system, through its API.

    make run                      # in one terminal
    python -m cli demo-data       # in another: [--gateway http://127.0.0.1:8000] [--contestants 3000]
                                  #   [--chains 9] [--trades 30] [--studios 170] [--results-per-studio 20]
                                  #   [--notice-seconds S] [--skip-competitions] [--skip-studios]
                                  #   [--workers 8] [--seed 2026] [--config config.yaml]

What it loads, the way organisers, judges and officials would through the gateway: one city-level
competition per industry chain (产业链) of Zhengzhou's programme, each with the trade events (工种)
of that chain, 3,000 contestants with valid resident ID numbers, names and employers, registered
and approved (a few rejected, with a reason), five judges per event, every entry marked by all five
judges (theory paper, a measured result, two judgement aspects) with its completion time, then
signed off by the chief judge and the supervisor and published. Then the city union's innovation
studios, as reviewers and studio leads would: studios, alliances, results with their evidence and
review, and one rating round in public notice (cli/demo_studios.py says what exactly). At the end it
prints the addresses of the public pages (a results board, the notice, the rated studios) and the
commands for tokens to explore the rest.

Everything it sends is derived from ``--seed``: the same seed gives the same people, employers and
marks. Blind entry codes are drawn by the service, so which code carries which marks differs between
runs. Each run creates a new competition programme beside any earlier one; the studios of a seed
are loaded once (their patent numbers are taken), another seed adds other studios beside them.
"""
import datetime
import http.client
import random
import time

from cli import demo_studios
from cli.demo_city import CHAINS, CITY, REGIONS, UNIT, person_name
from cli.loading import ApiError, Gateway, check_gateway, gateway_url, load_settings, run_stage
from common.auth import issue_token
from common.config import DEFAULT_CONFIG_PATH
from common.personal_id import make_id_number

YEAR = 2026

# Judges come from skills-assessment bodies and colleges, never from a contestant's employer.
JUDGE_BODIES = ["郑州市职业技能鉴定中心", "郑州市技师学院", "郑州工业职业技术学院",
                "郑州市高级技工学校", "郑州市技能大师工作室联盟"]
SKILL_LEVELS = (("初级工", 10), ("中级工", 38), ("高级工", 34), ("技师", 14), ("高级技师", 4))
LEVELS_TEXT = {"0": "未达到行业标准", "1": "达到行业标准", "2": "达到并部分超出行业标准",
               "3": "优秀，明显超出行业标准"}
REJECTION = "单位推荐表未加盖公章，资格审查未通过"
REJECT_EVERY = 97  # about 1 % of entries are rejected at the eligibility review


# ---------------------------------------------------------------------------------------------
# The programme: chains, trades, rules, people — all from the seed


def pick_trades(chains, trades):
    """[(chain, trade)], ``trades`` of them taken round-robin over the first ``chains`` chains."""
    chosen = list(CHAINS)[:chains]
    pools = {chain: list(CHAINS[chain][1]) for chain in chosen}
    picked = []
    while len(picked) < trades and any(pools.values()):
        for chain in chosen:
            if pools[chain] and len(picked) < trades:
                picked.append((chain, pools[chain].pop(0)))
    return sorted(picked, key=lambda item: (chosen.index(item[0]), CHAINS[item[0]][1].index(item[1])))


def marking_scheme(trade):
    return {
        "components": [{"key": "theory", "name": "理论", "weight": 30},
                       {"key": "practical", "name": "实操", "weight": 70}],
        "criteria": [
            {"id": "T", "name": "理论知识", "component": "theory", "sub_criteria": [
                {"id": "T1", "name": "理论考试", "aspects": [
                    {"id": "T1.1", "kind": "measurement", "description": f"{trade}理论试卷得分",
                     "max_mark": 100, "graded": True}]}]},
            {"id": "P", "name": "实际操作", "component": "practical", "sub_criteria": [
                {"id": "P1", "name": "作品技术指标", "aspects": [
                    {"id": "P1.1", "kind": "measurement", "description": "作品技术指标检测得分",
                     "max_mark": 40, "graded": True}]},
                {"id": "P2", "name": "职业素养", "aspects": [
                    {"id": "P2.1", "kind": "judgement", "description": "操作规范与工艺水平",
                     "max_mark": 36, "levels": dict(LEVELS_TEXT)},
                    {"id": "P2.2", "kind": "judgement", "description": "安全文明生产",
                     "max_mark": 24, "levels": dict(LEVELS_TEXT)}]}]},
        ],
    }


JUDGEMENT_ASPECTS = ("P2.1", "P2.2")


def event_payload(trade, quota):
    return {
        "trade": trade, "name": f"{trade}竞赛",
        "eligibility": {"trade_must_match": True, "max_age": 60, "quota_per_enterprise": quota},
        "marking_scheme": marking_scheme(trade),
        "judging": {"drop_extremes_from": 5, "max_spread": 1},
        "awards": {
            "prizes": {"basis": "share", "bands": [{"prize": "first", "share": 10},
                                                   {"prize": "second", "share": 20},
                                                   {"prize": "third", "share": 30}]},
            "titles": [{"title": f"{CITY}技术能手", "top": 3}],
            "promotions": [{"from_rank": 1, "to_rank": 3, "level": "技师"},
                           {"from_rank": 4, "to_rank": 10, "level": "高级工"}],
            "certificate": {"level": "高级工", "pass_mark": 60},
        },
    }


def build_programme(seed, contestants, chains, trades):
    """Competitions (one per chain) with their events, officials, judges and contestants."""
    rnd = random.Random(seed)
    events = pick_trades(chains, trades)
    if not events:
        raise SystemExit("demo-data: nothing to load: give at least one chain and one trade")
    if contestants < len(events):
        raise SystemExit(f"demo-data: {len(events)} trade events need at least {len(events)} contestants")
    weights = [rnd.uniform(0.6, 1.6) for _ in events]
    sizes = [max(1, int(contestants * w / sum(weights))) for w in weights]
    for n in range(contestants - sum(sizes)):
        sizes[n % len(sizes)] += 1
    competitions = {}
    # Ages are reckoned from the competition year, not from today, so a seed always gives the same
    # ID numbers; the age limit leaves years of room for runs long after that.
    reference = datetime.date(YEAR, 3, 1)
    serial = 0
    used_numbers = set()
    for (chain, trade), size in zip(events, sizes):
        slug, _trades, employers = CHAINS[chain]
        competition = competitions.setdefault(chain, {
            "chain": chain, "slug": slug, "events": [],
            "payload": {"name": f"{YEAR}年{CITY}{chain}产业链职工职业技能竞赛", "level": "city",
                        "industry_chain": chain, "year": YEAR,
                        "description": f"{CITY}总工会主办的{chain}产业链职工职业技能竞赛。"},
            "chief_judge": f"chief-{slug}", "supervisor": f"supervisor-{slug}",
        })
        # Employers take turns, so no employer exceeds its quota of places.
        rotation = [employers[n % len(employers)] for n in range(size)]
        rnd.shuffle(rotation)
        quota = -(-size // len(employers)) + 5
        position = len(competition["events"]) + 1
        judges = [{"judge_id": f"judge-{slug}-{position}-{n}", "name": person_name(rnd, rnd.random() < 0.6),
                   "enterprise": JUDGE_BODIES[n - 1]} for n in range(1, 6)]
        people = []
        for employer in rotation:
            serial += 1
            male = rnd.random() < 0.78  # most contestants in these trades are men
            born = reference - datetime.timedelta(days=int(rnd.triangular(22.5, 54.5, 33) * 365.25))
            while True:  # one person, one ID number
                sequence = rnd.randrange(0, 500) * 2 + (1 if male else 0)
                id_number = make_id_number(rnd.choice(REGIONS), born, sequence)
                if id_number not in used_numbers:
                    used_numbers.add(id_number)
                    break
            levels, level_weights = zip(*SKILL_LEVELS)
            people.append({
                "worker": {"name": person_name(rnd, male), "employer": employer, "trade": trade,
                           "skill_level": rnd.choices(levels, level_weights)[0],
                           "id_number": id_number,
                           "phone": f"1{rnd.choice('35789')}{rnd.randrange(10**9):09d}"},
                "reject": serial % REJECT_EVERY == 0,
            })
        competition["events"].append({"trade": trade, "payload": event_payload(trade, quota),
                                      "judges": judges, "people": people})
    return list(competitions.values())


def marks_for(rnd, code):
    """One entry's marks, from an ability drawn for it: [(aspect, judge index, value)], seconds."""
    ability = rnd.betavariate(5, 2)  # most contestants are good, a few excellent
    marks = [("T1.1", 0, round(min(100.0, max(0.0, rnd.gauss(94 * ability, 8))) * 2) / 2),
             ("P1.1", 0, round(min(40.0, max(0.0, rnd.gauss(38 * ability, 3))), 1))]
    for aspect in JUDGEMENT_ASPECTS:
        centre = 2.9 * ability
        for judge in range(5):
            marks.append((aspect, judge, min(3, max(0, round(rnd.gauss(centre, 0.55))))))
    seconds = round(rnd.uniform(4800, 9000) - 1800 * ability)
    return marks, seconds


# ---------------------------------------------------------------------------------------------


def load_programme(gateway, secret, programme, pool_size, seed):
    organiser = issue_token(secret, "demo-organiser", "organizer", unit=UNIT, name="市总工会竞赛办")
    tokens = {}

    def token_for(subject, role, name=None):
        key = (subject, role)
        if key not in tokens:
            unit = UNIT if role in ("chief_judge", "supervisor") else None
            tokens[key] = issue_token(secret, subject, role, unit=unit, name=name)
        return tokens[key]

    # 1. Each competition with its events, officials and judges; registration opens.
    def organise(competition, progress):
        payload = {**competition["payload"], "events": [e["payload"] for e in competition["events"]]}
        created = gateway.call("POST", "/competitions", organiser, payload)
        competition["id"] = cid = created["id"]
        for event, view in zip(competition["events"], created["events"]):
            event["id"] = view["id"]
        gateway.call("PUT", f"/competitions/{cid}/officials", organiser,
                     {"chief_judge": competition["chief_judge"], "supervisor": competition["supervisor"]})
        for event in competition["events"]:
            for judge in event["judges"]:
                gateway.call("POST", f"/competitions/{cid}/events/{event['id']}/judges", organiser, judge)
        gateway.call("POST", f"/competitions/{cid}/status", organiser, {"action": "open_registration"})
        progress.advance()

    run_stage("organising", "competitions", programme, len(programme), organise, pool_size)

    entries = [(competition, event, person) for competition in programme
               for event in competition["events"] for person in event["people"]]

    # 2. Registration, as the organisers enter the workers their employers put forward.
    def register(item, progress):
        competition, event, person = item
        view = gateway.call("POST", f"/competitions/{competition['id']}/events/{event['id']}/entries",
                            organiser, person["worker"])
        person["entry_id"] = view["id"]
        progress.advance()

    run_stage("registration", "entries", entries, len(entries), register, pool_size)

    # 3. The eligibility review: nearly all approved, a few rejected with the reason.
    def decide(item, progress):
        competition, event, person = item
        decision = ({"decision": "reject", "reason": REJECTION} if person["reject"]
                    else {"decision": "approve"})
        gateway.call("POST", f"/competitions/{competition['id']}/events/{event['id']}/entries/"
                             f"{person['entry_id']}/decision", organiser, decision)
        progress.advance()

    run_stage("eligibility review", "entries", entries, len(entries), decide, pool_size)

    # 4. Registration closes and marking starts; each event's first judge fetches the blind sheet.
    def start_marking(competition, progress):
        for action in ("close_registration", "start_marking"):
            gateway.call("POST", f"/competitions/{competition['id']}/status", organiser, {"action": action})
        for event in competition["events"]:
            judge = event["judges"][0]
            sheet = gateway.call(
                "GET", f"/competitions/{competition['id']}/events/{event['id']}/marking-sheet",
                token_for(judge["judge_id"], "judge", judge["name"]))
            event["codes"] = sorted(row["entry_code"] for row in sheet["entries"])
        progress.advance()

    run_stage("marking starts", "competitions", programme, len(programme), start_marking, pool_size)

    # 5. Marking: per entry, the theory paper and the measured result (first judge), both
    # judgement aspects by all five judges, and the completion time. One entry's marks go one after
    # another; entries are marked side by side, as in a hall with several benches.
    rnd = random.Random(seed + 1)
    sheets = []
    for competition in programme:
        for event in competition["events"]:
            judge_tokens = [token_for(j["judge_id"], "judge", j["name"]) for j in event["judges"]]
            for code in event["codes"]:
                marks, seconds = marks_for(rnd, code)
                sheets.append((competition["id"], event["id"], judge_tokens, code, marks, seconds))
    total_marks = sum(len(marks) for *_rest, marks, _seconds in sheets)

    def mark(sheet, progress):
        cid, eid, judge_tokens, code, marks, seconds = sheet
        path = f"/competitions/{cid}/events/{eid}"
        for aspect, judge, value in marks:
            gateway.call("POST", f"{path}/marks", judge_tokens[judge],
                         {"entry_code": code, "aspect_id": aspect, "value": value})
            progress.advance()
        gateway.call("POST", f"{path}/completion-times", judge_tokens[0],
                     {"entry_code": code, "seconds": seconds})

    run_stage("marking", "marks", sheets, total_marks, mark, pool_size)

    # 6. The chief judge and the supervisor sign off (the second signature freezes the results);
    # the organisers publish.
    def sign_and_publish(competition, progress):
        cid = competition["id"]
        for subject, role in ((competition["chief_judge"], "chief_judge"),
                              (competition["supervisor"], "supervisor")):
            gateway.call("POST", f"/competitions/{cid}/sign-off", token_for(subject, role))
        competition["publication"] = gateway.call("POST", f"/competitions/{cid}/publish", organiser)
        progress.advance()

    run_stage("sign-off and publish", "competitions", programme, len(programme), sign_and_publish,
              min(pool_size, 3))
    return total_marks, len(sheets)


def _stopped(error):
    if isinstance(error, ApiError):
        return SystemExit(f"\ndemo-data: stopped: {error}")
    return SystemExit(f"\ndemo-data: stopped, the gateway went away: {error!r}")


def load_competitions(args, gateway, secret):
    """The competitions part of the demo; prints what it left and returns the lines to explore it."""
    programme = build_programme(args.seed, args.contestants, args.chains, args.trades)
    events = sum(len(c["events"]) for c in programme)
    if events < args.trades:
        print(f"(the first {args.chains} chains have {events} trades: loading {events})")
    people = sum(len(e["people"]) for c in programme for e in c["events"])
    print(f"Loading {CITY}'s {YEAR} skills-competition programme into {gateway.base_url}: "
          f"{len(programme)} competitions (one per industry chain), {events} trade events, "
          f"{people:,} contestants, 5 judges per event, seed {args.seed}", flush=True)
    started = time.monotonic()
    try:
        total_marks, marked = load_programme(gateway, secret, programme, args.workers, args.seed)
    except (ApiError, OSError, http.client.HTTPException) as error:
        raise _stopped(error) from None
    elapsed = time.monotonic() - started

    rejected = sum(1 for c in programme for e in c["events"] for p in e["people"] if p["reject"])
    board = next((c for c in programme if c["chain"] == "装备制造"), programme[0])
    base = gateway.base_url
    print(f"\nCompetitions done in {elapsed:.0f} s. State left: {len(programme)} competitions PUBLISHED "
          f"(registered -> approved -> marked by 5 judges -> signed off by chief judge and supervisor "
          f"-> published), {events} trade events, {people:,} entries registered, {people - rejected:,} "
          f"approved and marked ({total_marks:,} marks plus {marked:,} completion times), "
          f"{rejected} rejected at the eligibility review.\n", flush=True)
    token = _token_command(args, f"--role organizer --subject demo-organiser --unit {UNIT}")
    return [f"Public results board ({board['payload']['name']}):",
            f"  {base}/public/competitions/{board['id']}/results?format=html",
            "With an organiser's token:",
            f"  export TOKEN=$({token})",
            f"  curl -H \"Authorization: Bearer $TOKEN\" {base}/competitions",
            f"  curl -H \"Authorization: Bearer $TOKEN\" \"{base}/competitions/{board['id']}/events/"
            f"{board['events'][0]['id']}/ranking?format=html\""]


def load_studios(args, gateway, secret):
    """The studios part of the demo; prints what it left and returns the lines to explore it."""
    plan = demo_studios.build(args.seed, args.studios, args.results_per_studio)
    results = sum(len(s["results"]) for s in plan["studios"]) + len(plan["duplicates"])
    notice = (f"a public notice of {args.notice_seconds:g} s" if args.notice_seconds is not None
              else "the public notice open for the configured days")
    print(f"Loading {CITY}'s innovation studios into {gateway.base_url}: {args.studios} studios, "
          f"{len(plan['alliances'])} alliances, {results:,} results, one rating round of the period "
          f"{plan['period']['from']} to {plan['period']['to']} with {notice}, seed {args.seed}", flush=True)
    started = time.monotonic()
    try:
        loaded = demo_studios.load(gateway, secret, plan, args.workers, args.notice_seconds)
    except (ApiError, OSError, http.client.HTTPException) as error:
        raise _stopped(error) from None
    elapsed = time.monotonic() - started
    round_, best = loaded["round"], loaded["best"]
    effect = ("the ratings are IN EFFECT and the leads of 3 stars or more in the talent pool"
              if round_["status"] == "closed" else
              f"the notice closes at {round_['notice']['closes_at']}, then the ratings take effect")
    print(f"\nStudios done in {elapsed:.0f} s. State left: {loaded['studios']} studios ACTIVE "
          f"({loaded['levels']}; {loaded['members']:,} members with their leads), "
          f"{loaded['alliances']} alliances (convenor rotated once, a joint project each), "
          f"{loaded['results']:,} results submitted ({loaded['patents']} patents, {loaded['evidence']} "
          f"with an evidence file, {loaded['near_duplicates']:,} shown near duplicates): "
          f"{loaded['verified']:,} verified ({loaded['reworked']} after rework), {loaded['returned']} "
          f"returned for rework, {loaded['duplicates']} rejected as duplicates of another studio's "
          f"result ({loaded['duplicates_shown']} found among their near duplicates). Rating round "
          f"{round_['id']} of {round_['studio_count']} studios: proposals {loaded['stars']}, shown "
          f"in the public notice; {effect}.\n", flush=True)
    base = gateway.base_url
    token = _token_command(
        args, f"--role reviewer --subject demo-union --enterprise {demo_studios.UNION_NAME}")
    return [f"Public notice (公示) of {round_['name']}:",
            f"  {base}/public/rating-rounds/{round_['id']}/notice?format=html&limit=500",
            "Rated studios, for everyone (once the notice has closed and the ratings took effect):",
            f"  {base}/public/studios?format=html&limit=500",
            "With a reviewer's token:",
            f"  export REVIEWER=$({token})",
            f"  curl -H \"Authorization: Bearer $REVIEWER\" \"{base}/ratings/{best['id']}?format=html\""
            f"   # {best['studio_name']}, {best['proposal']['points']} points",
            f"  curl -H \"Authorization: Bearer $REVIEWER\" \"{base}/results?status=returned\"",
            f"  curl -H \"Authorization: Bearer $REVIEWER\" {base}/talents"]


def _token_command(args, claims):
    command = f".venv/bin/python -m cli token {claims}"
    if args.config != DEFAULT_CONFIG_PATH:
        command += f" --config {args.config}"
    return command


def main(args):
    if args.contestants < 1 or args.chains < 1 or args.trades < 1 or args.workers < 1:
        raise SystemExit("demo-data: --contestants, --chains, --trades and --workers must be at least 1")
    if args.chains > len(CHAINS):
        raise SystemExit(f"demo-data: there are {len(CHAINS)} industry chains, not {args.chains}")
    if args.studios < 2 or args.results_per_studio < 1:
        raise SystemExit("demo-data: --studios must be at least 2 and --results-per-studio at least 1")
    if args.notice_seconds is not None and not 1 <= args.notice_seconds <= 86_400:
        raise SystemExit("demo-data: --notice-seconds must be from 1 to 86400")
    if args.skip_competitions and args.skip_studios:
        raise SystemExit("demo-data: nothing to load with both --skip-competitions and --skip-studios")
    config, secret = load_settings(args.config, "demo-data")
    gateway = Gateway(args.gateway or gateway_url(config))
    if not args.skip_competitions:
        check_gateway(gateway, issue_token(secret, "demo-organiser", "organizer", unit=UNIT),
                      "/competitions?limit=1")
    if not args.skip_studios:
        check_gateway(gateway, issue_token(secret, "demo-union", "reviewer"), "/studios?limit=1")
    started = time.monotonic()
    explore = []
    if not args.skip_competitions:
        explore += load_competitions(args, gateway, secret)
    if not args.skip_studios:
        explore += load_studios(args, gateway, secret)
    print(f"Done in {time.monotonic() - started:.0f} s.\n")
    print("\n".join(explore))
    print(f"API description: {gateway.base_url}/openapi.json")
    return 0


def register(subparsers):
    parser = subparsers.add_parser(
        "demo-data", help="load a city's competition programme and innovation studios into a running system",
        description="Load a realistic skills-competition programme and a city union's innovation "
                    "studios through the gateway's API (the system must be running: make run).")
    parser.add_argument("--gateway", help="the gateway's base URL (default: the address config.yaml "
                                          "gives it, GATEWAY_ADDRESS)")
    parser.add_argument("--contestants", type=int, default=3000)
    parser.add_argument("--chains", type=int, default=len(CHAINS), help="industry chains (at most 9)")
    parser.add_argument("--trades", type=int, default=30, help="trade events spread over the chains")
    parser.add_argument("--studios", type=int, default=170, help="innovation studios of the city union")
    parser.add_argument("--results-per-studio", type=int, default=20,
                        help="innovation results per studio on average (the strongest file more)")
    parser.add_argument("--notice-seconds", type=float,
                        help="close the rating round's public notice this many seconds after it "
                             "opens and wait for the ratings to take effect (default: the notice "
                             "stays open for the configured days, 7)")
    parser.add_argument("--skip-competitions", action="store_true", help="load the studios only")
    parser.add_argument("--skip-studios", action="store_true", help="load the competitions only")
    parser.add_argument("--workers", type=int, default=8, help="concurrent HTTP connections")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH, help="for TOKEN_SECRET")
    parser.set_defaults(func=main)
    return parser
