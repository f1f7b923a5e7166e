"""Studios and their verified innovation results, for the studio benchmarks.

``seed_studios`` writes them straight into the studios service's embedded store, before the
service starts, in the very shapes its repository stores: every studio built by
``domain/studio.py`` (``new_member`` with the ID numbers protected by the deployment's
``PersonalDataProtector``, ``new_studio``), every result by ``domain/results.py`` as it leaves
its review (``new_result``, ``submit`` with its title claim, ``review`` to ``start_review`` and
``verify``), with the history lines the use cases write and the title keys and key counts the
repository keeps for the near-duplicate check. Nothing goes to any outbox: results seeded as
already verified announce nothing, as if their ``result.verified`` had long been sent.

Each studio has a lead (a 市级劳动模范) and five members, and ``RESULTS_PER_STUDIO`` results of
the mix ``RESULT_MIX``: under the default rubric, with the panel's scores of ``panel_scores``, it
earns 3 stars or more (``check_stars`` proves it with ``domain/rating.rate_studio``), so that its
lead is admitted to the talent pool by the default policy. Titles are made by bench_near_duplicates'
``TitleMaker`` (realistic, common words far more often than rare ones), distinct within a studio.
"""
import datetime
import random
import sys
import time

from bench.bench_near_duplicates import TitleMaker
from common.auth import Principal
from common.personal_id import PersonalDataProtector, make_id_number
from common.repository import history_entry
from services.studios.domain import results as result_rules
from services.studios.domain import studio as studio_rules
from services.studios.domain.rating import rate_studio, result_facts
from services.studios.domain.rubric import rubric_from, thresholds_from
from services.studios.domain.titles import normalise_title
from services.studios.repository import StudiosRepository
from services.studios.similar_titles import TITLE_KEYS
from tests.processes import PERSONAL_DATA_SECRET

RESULTS_PER_STUDIO = 50
MEMBERS = 5  # besides the lead
# Kinds of a studio's results, as many of each as listed: 78-86 points under the default rubric
# with the panel's scores below (3 or 4 stars), some of them money confirmed by finance,
# some converted, some that won an award before.
RESULT_MIX = {"five_small": 12, "tackling": 8, "rationalisation": 14, "operating_method": 3,
              "standard": 2, "training": 11}
REGISTRAR = Principal(subject="bench-registrar", role="reviewer", name="登记员")
REVIEWER = {"subject": "bench-reviewer", "role": "reviewer", "name": "审核员", "enterprise": "市总工会"}
REVIEWER_CALLER = Principal(**REVIEWER)
FINANCE = {"department": "财务部", "document_ref": "财审〔2026〕12号", "confirmed_on": None}
INSERT_CHUNK = 2000


def rating_period(today):
    """The twelve months up to ``today``: what a yearly round rates."""
    return {"from": (today - datetime.timedelta(days=365)).isoformat(), "to": today.isoformat()}


def day_within(period, rnd):
    """A day of ``period``, at random."""
    start = datetime.date.fromisoformat(period["from"])
    end = datetime.date.fromisoformat(period["to"])
    return (start + datetime.timedelta(days=rnd.randrange((end - start).days + 1))).isoformat()


def person(number, name, **more):
    """A person as a registration gives them, with a distinct valid ID number for each ``number``."""
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=number // 1000)
    return {"name": name, "position": "技术员", **more,
            "id_number": make_id_number(birth=birth, sequence=number % 1000)}


def studio_payload(unit, number, people_from):
    """The registration of the studio ``number`` of ``unit``: its lead and MEMBERS members get
    the ID numbers ``people_from``, ``people_from + 1``..."""
    return {"name": f"基准测试第{number:04d}号劳模创新工作室", "unit": unit,
            "enterprise": f"基准机械厂{number % 97:02d}", "industry_chain": "装备制造",
            "region_code": "320925", "level": "city", "founded_on": "2019-05-01",
            "lead": {**person(people_from, f"领衔人{number:04d}", position="车间主任"),
                     "honour": "市级劳动模范"},
            "members": [person(people_from + 1 + m, f"成员{number:04d}-{m}") for m in range(MEMBERS)]}


def result_payload(kind, title, achieved_on, authors, n):
    """A result of ``kind`` as its lead writes it (what the gateway's request carries), ready to
    be submitted: the kind's own fields filled in, any money confirmed by finance. ``n`` (its
    place among the studio's results) decides which are converted, trained people or won a prize."""
    achieved = datetime.date.fromisoformat(achieved_on)
    details = {
        "five_small": {"five_small_kind": ("invention", "innovation", "retrofit", "design")[n % 4]},
        "tackling": {"problem": f"{title}：精度与效率不足"},
        "rationalisation": {"adopted_on": achieved_on},
        "operating_method": {"applied_since": (achieved - datetime.timedelta(days=400)).isoformat()},
        "standard": {"standard_number": f"Q/JH {1000 + n}-{achieved.year}", "standard_level": "enterprise"},
        "training": {},
    }[kind]
    payload = {"kind": kind, "title": title, "description": f"针对{title}中存在的问题，工作室成员反复试验，提出改进方案并实施。",
               "achieved_on": achieved_on, "authors": list(authors), "details": details,
               "people_trained": 4 if kind == "training" else 0, "converted": n % 16 == 1,
               "prior_award_level": "city" if n % 12 == 5 else None}
    if kind in ("tackling", "five_small") and n % 3 == 0:
        payload["economic_benefit"] = {"cost_saved": 400_000 + 10_000 * n, "value_created": 150_000,
                                       "confirmation": {**FINANCE, "confirmed_on": achieved_on}}
    return payload


def titles_for(maker, count):
    """``count`` titles distinct as the title claim compares them (a studio's results of one
    year must differ)."""
    titles, claimed = [], set()
    while len(titles) < count:
        title = "".join(maker.words())
        if normalise_title(title) not in claimed:
            claimed.add(normalise_title(title))
            titles.append(title)
    return titles


def result_payloads(maker, rnd, period, authors, count=RESULTS_PER_STUDIO):
    """``count`` results of RESULT_MIX (in rotation), achieved within ``period``."""
    kinds = [kind for kind, n in RESULT_MIX.items() for _ in range(n)]
    return [result_payload(kinds[n % len(kinds)], title, day_within(period, rnd), authors, n)
            for n, title in enumerate(titles_for(maker, count))]


def panel_scores(number):
    """Five experts' scores of one panel item for the studio ``number``: from 8 to 9.5."""
    return [{"expert": f"专家{e}", "score": 8 + ((number + e) % 4) * 0.5} for e in range(5)]


def verified(result, studio, now, today):
    """``result`` (a new draft) as it stands once submitted, reviewed and verified."""
    submitted = result_rules.submit(result, studio, today, 3)
    submitted["history"] = [history_entry(REGISTRAR, "create", now),
                            history_entry(REGISTRAR, "submit", now)]
    under_review, _ = result_rules.review(submitted, result_rules.START_REVIEW, "开始审核", REVIEWER, now)
    done, _ = result_rules.review(under_review, result_rules.VERIFY, "材料齐全，效益经财务确认", REVIEWER, now)
    done["history"] += [history_entry(REVIEWER_CALLER, step, now, reason=comment)
                        for step, comment in (("start_review", "开始审核"), ("verify", "材料齐全，效益经财务确认"))]
    done["revision"] = 4
    return done


def progress_printer(label):
    """A ``progress`` for ``seed_studios``: a line updated in place on a terminal, else the last
    one only (a log keeps one line per seeding)."""
    started = time.perf_counter()
    interactive = sys.stdout.isatty()

    def progress(done, count):
        if interactive or done == count:
            print(f"\r  {label}: {done:,} / {count:,} studios seeded "
                  f"({time.perf_counter() - started:.0f} s)", end="\n" if done == count else "", flush=True)
    return progress


class SeededStudio:
    __slots__ = ("studio", "studio_id", "number", "lead_member_id", "lead_person_key", "member_ids")

    def __init__(self, studio, number):
        self.studio = studio
        self.studio_id = studio["_id"]
        self.number = number
        self.lead_member_id = studio["lead"]["member_id"]
        self.lead_person_key = studio["members"][0]["person_key"]
        self.member_ids = [m["member_id"] for m in studio["members"]]


def seed_studios(database, unit, count, period, results_per_studio=RESULTS_PER_STUDIO, seed=2026,
                 first_person=0, progress=None):
    """``count`` active studios of ``unit`` with ``results_per_studio`` verified results each,
    achieved within ``period``, stored in ``database`` (the studios service's, the service not
    running); their ID numbers from ``first_person`` on. Returns the studios as
    :class:`SeededStudio`, and the results as ``{studio_id: [stored documents]}``."""
    protector = PersonalDataProtector(PERSONAL_DATA_SECRET)
    repository = StudiosRepository(database)  # its indexes, as the service declares them
    maker, rnd = TitleMaker(seed), random.Random(seed)
    today = datetime.date.today()
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
    seeded, studios, results, pending = [], [], {}, []
    for number in range(count):
        data = studio_payload(unit, number, first_person + number * (MEMBERS + 1))
        people = [data["lead"]] + data["members"]
        records = [studio_rules.new_member(protector.protect(p["id_number"]), p, today.isoformat())
                   for p in people]
        studio = studio_rules.new_studio(data, records[0], records[1:], unit, REGISTRAR.subject, now,
                                         today.isoformat())
        studio["history"] = [history_entry(REGISTRAR, "register", now)]
        studios.append(studio)
        seeded.append(SeededStudio(studio, number))
        authors = [records[0]["member_id"], records[1 + number % MEMBERS]["member_id"]]
        own = results[studio["_id"]] = []
        for payload in result_payloads(maker, rnd, period, authors, results_per_studio):
            draft = result_rules.new_result(payload, studio, result_rules.authors_of(studio, authors), now)
            document = {**verified(draft, studio, now, today), TITLE_KEYS: repository.titles.keys_for(payload["title"])}
            own.append(document)
            pending.append(document)
        if len(pending) >= INSERT_CHUNK or number == count - 1:
            repository.results.insert_many(pending)
            pending = []
            if progress:
                progress(number + 1, count)
    repository.studios.insert_many(studios)
    repository.record_rated_facts([result for own in results.values() for result in own])
    return seeded, results


def check_stars(seeded, results, period, least=3):
    """The stars each seeded studio earns under the default rubric with ``panel_scores``
    (``rate_studio``, as the service computes a proposal); ValueError when one earns fewer than
    ``least``. Returns {stars: how many studios}."""
    rubric, thresholds = rubric_from(None), thresholds_from(None)
    earned = {}
    for studio in seeded:
        facts = {**studio.studio, "alliances": [], "convenes": 0}
        panel = {item: [s["score"] for s in panel_scores(studio.number)] for item in ("site_visit", "expert_review")}
        rating = rate_studio(facts, [result_facts(r) for r in results[studio.studio_id]], panel, rubric,
                             thresholds, period)
        if rating["stars"] < least:
            raise ValueError(f"studio {studio.number} earns {rating['stars']} stars ({rating['points']} points), "
                             f"fewer than {least}")
        earned[rating["stars"]] = earned.get(rating["stars"], 0) + 1
    return earned
