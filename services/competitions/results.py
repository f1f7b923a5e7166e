"""Results: the jury's live ranking, sign-off, publication, corrections and the public results.

Results are computed and frozen when the last of the chief judge and the supervisor signs off.
Publication flips the competition in one write that also carries ``results_published`` in its
outbox and marks the announcement of every contestant's award as pending; each result then gets
its own ``contestant_awarded`` event in its own write. A crash in between leaves the announcement
pending, and ``resume_announcements`` finishes it; a result is never announced twice per version.
"""
from common.clock import utc_now
from common.errors import BadRequest, Conflict, NotFound
from common.repository import optimistic
from common.validation import load
from services.competitions import access, events
from services.competitions.api import CorrectionSchema
from services.competitions.domain import competition as rules
from services.competitions.domain import lifecycle
from services.competitions.domain.awards import DEFAULT_CERTIFIED_LEVEL
from services.competitions.domain.competition import find_event, prefixed, require_scheme
from services.competitions.domain.ranking import DEFAULT_TIE_BREAK
from services.competitions.domain.scheme import SchemeIndex
from services.competitions.domain.standardisation import standardised
from services.competitions.domain.standings import standings
from services.competitions.registration import APPROVED
from services.competitions.repository import field_key, from_field_key
from services.competitions.views import REVEALED

ENTRY_FIELDS = {"code": 1, "marks": 1, "completion_seconds": 1, "name": 1, "employer": 1,
                "person_key": 1, "region_code": 1, "id_number_masked": 1, "skill_level": 1}
PODIUM = 3


def _standings(store, event, include_incomplete):
    """(ranked entries, their awards, entries by id) for an event's approved entries."""
    index = SchemeIndex(require_scheme(event), validate=False)
    entries = {e["_id"]: e for e in store.entries_of(event["id"], [APPROVED], projection=ENTRY_FIELDS)}
    marked = [(entry["_id"], entry["code"],
               {from_field_key(aspect): by_judge for aspect, by_judge in entry["marks"].items()},
               entry.get("completion_seconds"))
              for entry in entries.values()]
    ranked, awards = standings(index, marked, event.get("judging") or None,
                               (event.get("ranking") or {}).get("tie_break", DEFAULT_TIE_BREAK),
                               event.get("awards") or None,
                               # Events created before they named a level certify the default one.
                               event.get("skill_level") or DEFAULT_CERTIFIED_LEVEL,
                               include_incomplete=include_incomplete)
    return ranked, awards, entries


def _scaled(event, ranked):
    """``{entry id: Standardised}`` of the complete entries, where the event asks for scaled
    scores; empty where it does not."""
    rules = (event.get("ranking") or {}).get("standardisation")
    if rules is None:
        return {}
    finalists = [entry for entry in ranked if entry.complete]
    return dict(zip((e.entry_id for e in finalists), standardised([e.total for e in finalists], rules)))


def _scaled_fields(scaled, entry_id):
    found = scaled.get(entry_id)
    return {"scaled_score": found.score if found else None, "excellent": found.excellent if found else None}


def live_ranking(store, caller, competition_id, event_id):
    competition = access.visible_competition(store, caller, competition_id)
    event = find_event(competition, event_id)
    access.require_jury(caller, competition, event)
    hidden = access.hidden_enterprise(caller, competition, event)
    revealed = competition["status"] in REVEALED
    rows = []
    # Until the organiser sets a scheme there is nothing to rank (and no entry: registration
    # opens only once every event has one).
    ranked, entries = (), {}
    if event.get("marking_scheme"):
        ranked, _, entries = _standings(store, event, include_incomplete=True)
    scaled = _scaled(event, ranked)
    for entry in ranked:
        if hidden is not None and entries[entry.entry_id]["employer"] == hidden:
            continue  # a conflict of interest: the judge never sees that entry's marks
        row = {"rank": entry.rank, "code": entry.code, "total": entry.total,
               "components": entry.components, "completion_seconds": entry.completion_seconds,
               "complete": entry.complete, "flagged": list(entry.flagged), "shared": entry.shared}
        if scaled:
            row.update(_scaled_fields(scaled, entry.entry_id))
        if revealed:
            row.update(name=entries[entry.entry_id]["name"], employer=entries[entry.entry_id]["employer"])
        rows.append(row)
    return {"competition_id": competition_id, "event_id": event_id, "trade": event["trade"],
            "status": competition["status"], "revealed": revealed, "ranking": rows}


def _event_results(competition, event, ranked, awards, entries):
    """One frozen result document per ranked finalist of ``event``."""
    documents, scaled = [], _scaled(event, ranked)
    for position, (entry, award) in enumerate(zip(ranked, awards)):
        stored = entries[entry.entry_id]
        documents.append({
            "_id": f"{competition['_id']}|{event['id']}|{entry.entry_id}",
            "position": position, "competition_id": competition["_id"], "event_id": event["id"],
            "trade": event["trade"], "entry_id": entry.entry_id, "code": entry.code,
            "name": stored["name"], "employer": stored["employer"],
            "person_key": stored["person_key"], "region_code": stored["region_code"],
            "id_number_masked": stored["id_number_masked"],
            "skill_level": stored["skill_level"],
            "rank": entry.rank, "shared": entry.shared, "total": entry.total,
            "components": entry.components, "completion_seconds": entry.completion_seconds,
            **_scaled_fields(scaled, entry.entry_id), "prize": award.prize, "prize_name": award.prize_name, "titles": list(award.titles),
            "promotion_level": award.promotion_level, "certificate_level": award.certificate_level,
            "passed": award.passed,
        })
    return documents


def _freeze_results(store, competition, event, previous=None):
    ranked, awards, entries = _standings(store, event, include_incomplete=False)
    incomplete = store.count_entries(event["id"], [APPROVED]) - len(ranked)
    if incomplete:
        raise Conflict(f"{incomplete} approved entries of {event['trade']} are not fully marked",
                       {f"events.{event['id']}": ["not fully marked"]})
    documents = _event_results(competition, event, ranked, awards, entries)
    # A correction changes marks, never who is a finalist; whoever loses an award by it must
    # still hear so.
    for document in documents:
        if previous and _is_awarded(previous.get(document["entry_id"], {})):
            document["previously_awarded"] = True
    store.replace_results(competition["_id"], event["id"], documents)
    return documents


def _is_awarded(result):
    return bool(result.get("prize") or result.get("titles") or result.get("promotion_level")
                or result.get("certificate_level"))


@optimistic
def sign_off(store, caller, competition_id):
    competition = store.competition(competition_id)
    access.require_official(caller, competition)
    role = rules.official_role(competition, caller.subject)
    now = utc_now()
    signed = rules.sign_off(competition, role, caller.subject, now)
    if signed["status"] == lifecycle.SIGNED_OFF:
        for event in competition["events"]:
            _freeze_results(store, competition, event)
    stored = store.save_competition(competition, signed, rules.record(caller, "sign_off", now,
                                                                     as_role=role))
    return {"competition_id": competition_id, "status": stored["status"],
            "sign_offs": stored["sign_offs"]}


def _summaries(store, competition):
    summaries = []
    for event in competition["events"]:
        results = store.results_of(competition["_id"], event["id"],
                                   projection={"rank": 1, "name": 1, "employer": 1, "total": 1,
                                               "prize": 1, "certificate_level": 1})
        finalists = results
        prizes = {}
        for result in finalists:
            if result.get("prize"):
                prizes[result["prize"]] = prizes.get(result["prize"], 0) + 1
        summaries.append({
            "event_id": event["id"], "trade": event["trade"], "finalists": len(finalists),
            "prizes": prizes, "certified": sum(1 for r in finalists if r.get("certificate_level")),
            "podium": [{"rank": r["rank"], "name": r["name"], "employer": r["employer"],
                        "total": r["total"], "prize": r.get("prize")}
                       for r in finalists if r["rank"] <= PODIUM],
        })
    return summaries


def _announce_publication(store, competition, published, record):
    """Store ``published`` (rules.publish of ``competition``) with its results_published event,
    then give every awarded contestant theirs."""
    publication = published["publication"]
    event = events.results_published(competition, publication["version"],
                                     publication["published_at"], _summaries(store, competition),
                                     publication["correlation_id"],
                                     publication["correction_reason"])
    stored = store.save_competition(competition, published, record, [event])
    announce_awards(store, stored)
    return {"competition_id": competition["_id"], "status": stored["status"],
            "publication": stored["publication"]}


@optimistic
def publish(store, caller, competition_id, correlation_id=None):
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    now = utc_now()
    published = rules.publish(competition, now, correlation_id)
    return _announce_publication(store, competition, published,
                                 rules.record(caller, "publish", now))


def announce_awards(store, competition):
    """Give every awarded contestant (and, after a correction, everyone who lost an award) their
    event for the pending publication version; safe to run again after a crash."""
    version = competition.get("fanout_pending")
    if version is None:
        return
    reason = (competition.get("publication") or {}).get("correction_reason")
    correlation_id = (competition.get("publication") or {}).get("correlation_id")
    for event in competition["events"]:
        results = store.results_of(competition["_id"], event["id"])
        finalists = len(results)
        for result in results:
            if result.get("announced_version") == version:
                continue
            if _is_awarded(result) or result.get("previously_awarded"):
                store.announce_result(result["_id"], version, {}, events.contestant_awarded(
                    competition, result, version, finalists, correlation_id, reason))
    store.finish_announcement(competition["_id"], version)


def resume_announcements(store):
    for competition in store.competitions_with_pending_fanout():
        announce_awards(store, competition)


def _corrected_marks(store, event, index, marks):
    """(entry, mark, path, old value, new value) for each mark of a correction, once every one of
    them obeys the marking rules: a correction changes a mark a judge gave, or adds one from a
    judge of the event who may mark that entry. Nothing is written before all are checked."""
    judges = {judge["judge_id"]: judge for judge in event["judges"]}
    entries, paths, checked = {}, set(), []
    for position, mark in enumerate(marks):
        at = f"marks.{position}"
        try:
            index.mark_value(mark["aspect_id"], mark["value"])
        except BadRequest as error:
            raise prefixed(error, at) from None
        code = mark["entry_code"]
        if code not in entries:
            try:
                entries[code] = store.entry_by_code(event["id"], code)
            except NotFound as error:
                raise BadRequest(error.message, {f"{at}.entry_code": ["no such entry"]}) from None
        entry = entries[code]
        if entry["status"] != APPROVED:
            raise Conflict(f"entry {code} is {entry['status']}, not a finalist",
                           {f"{at}.entry_code": ["not a finalist of this event"]})
        aspect_key, judge_key = field_key(mark["aspect_id"]), field_key(mark["judge_id"])
        path = f"marks.{aspect_key}.{judge_key}"
        if (code, path) in paths:
            raise BadRequest("a correction names each mark once", {at: ["named twice"]})
        paths.add((code, path))
        old = entry["marks"].get(aspect_key, {}).get(judge_key)
        judge = judges.get(mark["judge_id"])
        if old is None and judge is None:
            raise Conflict("a corrected mark must be one of this event's judges'",
                           {f"{at}.judge_id": ["not a judge of this event"]})
        if old is None and judge["enterprise"] == entry["employer"]:
            raise Conflict("a judge never marks an entry from their own enterprise",
                           {f"{at}.judge_id": ["a judge of the contestant's own enterprise"]})
        value = int(mark["value"]) if index.aspect(mark["aspect_id"]).kind == "judgement" else mark["value"]
        checked.append((entry, mark, path, old, value))
    return checked


# A correction rewrites marks before it republishes: it is not run twice, whoever wrote meanwhile.
@optimistic(attempts=1, message="the competition was changed by someone else meanwhile; reload and retry")
def correct(store, caller, competition_id, payload, correlation_id=None):
    """An explicit, audited correction of published results, which republishes them."""
    data = load(CorrectionSchema(), payload)
    competition = store.competition(competition_id)
    access.require_organiser(caller, competition)
    now = utc_now()
    republished = rules.publish(competition, now, correlation_id, data["reason"])
    event = find_event(competition, data["event_id"])
    index = SchemeIndex(require_scheme(event), validate=False)
    corrections = _corrected_marks(store, event, index, data["marks"])
    previous = {r["entry_id"]: r for r in store.results_of(competition_id, event["id"])}
    for entry, mark, path, old, value in corrections:
        if not store.set_entry_value(entry["_id"], path, old, value, {
                "at": now, "by": caller.subject, "aspect_id": mark["aspect_id"],
                "judge_id": mark["judge_id"], "old": old, "new": value, "reason": data["reason"],
                "correction": True}):
            raise Conflict("a mark was changed by someone else meanwhile; reload and retry")
    _freeze_results(store, competition, event, previous)
    return _announce_publication(store, competition, republished, rules.record(
        caller, "correct", now, event_id=event["id"], reason=data["reason"], marks=data["marks"]))


def published_results(store, competition_id, event_id=None):
    """What the public sees: nothing before publication, then every finalist's result."""
    try:
        competition = store.competition(competition_id)
    except NotFound:
        competition = None
    if competition is None or competition["status"] != lifecycle.PUBLISHED:
        raise NotFound(f"no published results for competition {competition_id}")
    shown = ("rank", "shared", "code", "name", "employer", "total", "components", "scaled_score",
             "excellent", "prize", "prize_name", "titles", "promotion_level", "certificate_level")
    output = []
    for event in competition["events"]:
        if event_id and event["id"] != event_id:
            continue
        results = store.results_of(competition_id, event["id"])
        output.append({"event_id": event["id"], "trade": event["trade"], "results": [
            {key: r.get(key) for key in shown} for r in results]})
    return {"competition_id": competition_id, "name": competition["name"], "level": competition["level"],
            "industry_chain": competition["industry_chain"],
            # The correlation id traces a request for operators: it is not for the public.
            "publication": {key: value for key, value in competition["publication"].items()
                            if key != "correlation_id"},
            "events": output}
