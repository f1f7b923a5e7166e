"""Rating rounds: a union rates its studios once a year, in public, and the ratings take effect.

A round opens for a union's active studios with the rubric and thresholds configured then; the
panel's scores are entered; the proposals are computed from the verified results of the period
(and recomputed while the round is open); the public notice (公示) opens; signed objections are
filed and answered; when the notice has closed, each rating whose objections are all answered
takes effect on its studio, announced in the same write (``studio.rated``, or
``studio.rating_revoked`` when a 复评 leaves a studio no star).

The effect is a scheduled job that runs in every instance: it claims the round in the store with
a lease before doing anything, and each rating's effect is idempotent (a studio already holding a
rating changes nothing), so two instances never announce a rating twice, and one that dies
half way is finished by the next claim once its lease ends.
"""
import collections
import time

from common.clock import utc_now
from common.collector import collector_paused
from common.errors import BadRequest, Forbidden, NotFound
from common.repository import StaleWrite, history_entry, optimistic
from common.schemas import page
from common.validation import load
from services.studios import access, events
from services.studios.api import (NoticeSchema, ObjectionAnswerSchema, ObjectionSchema, PageQuery,
                                  PanelScoresSchema, RoundQuerySchema, RoundSchema)
from services.studios.domain import rating as arithmetic
from services.studios.domain import rounds as rules
from services.studios.domain import studio as studio_rules
from services.studios.views import rating_view, round_view

LEASE_SECONDS = 300
# The effect job lets the other green threads of its process run after so many ratings.
EFFECTS_BETWEEN_PAUSES = 50


def _counts(store, round_id):
    return store.rating_statuses(round_id)


# the round


def open_round(store, settings, caller, payload):
    access.require_union(caller, "only union reviewers and admins run rating rounds")
    data = load(RoundSchema(), payload)
    data.setdefault("notice_days", settings.notice_days)
    now = utc_now()
    round_ = rules.new_round(data, store.active_studio_ids(data["unit"]), settings.rubric,
                             settings.thresholds, now)
    stored = store.add_round(round_, history_entry(caller, "open", now))
    return round_view(stored, {}, caller)


def _visible_round(store, caller, round_id):
    round_ = store.round(round_id)
    if not (access.is_union(caller) or (caller.unit is not None and caller.unit == round_["unit"])):
        raise NotFound(f"no rating round {round_id}")
    return round_


def get_round(store, caller, round_id):
    round_ = _visible_round(store, caller, round_id)
    return round_view(round_, _counts(store, round_id), caller)


def list_rounds(store, caller, query):
    query = load(RoundQuerySchema(), query or {})
    condition = {}
    if not access.is_union(caller):
        if not caller.unit:
            raise Forbidden("only the union and organisers list rating rounds")
        condition["unit"] = caller.unit
    if not access.within(condition, query):
        return page((), 0, query)
    if "unit" in query:
        condition["unit"] = query["unit"]
    total, found = store.find_rounds(condition, query["limit"], query["offset"])
    return page((round_view(r, {}, caller) for r in found), total, query)


def list_ratings(store, caller, round_id, query):
    query = load(PageQuery(), query or {})
    _visible_round(store, caller, round_id)
    total, found = store.find_ratings(round_id, query["limit"], query["offset"])
    return page((rating_view(r, caller) for r in found), total, query)


def _rating_of(store, round_, studio_id):
    """The studio's rating in the round, new if none is stored yet (not stored here)."""
    if studio_id not in round_["studio_ids"]:
        raise BadRequest("the studio is not rated in this round",
                                {"studio_id": ["not among the round's studios"]})
    try:
        return store.rating(rules.rating_id_of(round_["_id"], studio_id)), False
    except NotFound:
        return rules.new_rating(round_, store.studio(studio_id)), True


def _store_rating(store, current, is_new, changed, record, returning=True):
    if is_new:
        return store.add_rating({**changed, "history": [record]})
    return store.save_rating(current, changed, record, returning)


@optimistic
def record_panel_scores(store, caller, round_id, payload):
    access.require_union(caller, "only union reviewers enter the panel's scores")
    data = load(PanelScoresSchema(), payload)
    round_ = store.round(round_id)
    rating, is_new = _rating_of(store, round_, data["studio_id"])
    changed = rules.record_panel_scores(round_, rating, data["item"], data["scores"])
    stored = _store_rating(store, rating, is_new, changed,
                           history_entry(caller, "panel_scores", utc_now(), details={"item": data["item"]}))
    return rating_view(stored, caller)


def compute_proposals(store, caller, round_id):
    """Every studio's proposed rating, from the verified results of the period.

    Everything is read once, up front: the round's studios, their results, the alliances and
    the ratings already stored (with the panel's scores); then each rating is written. A rating
    that changed since it was read (the panel entering scores meanwhile) is proposed again from
    the store. The garbage collector waits meanwhile: the results read (50,000 for a round of
    1,000 studios) stay alive until the last rating is written."""
    access.require_union(caller, "only union reviewers compute a round's proposals")
    round_ = store.round(round_id)
    rules.require_open(round_)
    with collector_paused():
        studios = store.studios_to_rate(round_["unit"], round_["studio_ids"])
        results = store.verified_results(round_["unit"], list(studios), round_["period"])
        memberships = _memberships(store.alliances_of(round_["unit"]))
        held = {rating["studio_id"]: rating for rating in store.ratings_to_propose(round_id)}
        now = utc_now()
        for studio_id, studio in studios.items():
            read = (held[studio_id], False) if studio_id in held else (rules.new_rating(round_, studio), True)
            try:
                _propose(store, caller, round_, studio, results[studio_id], memberships, now, read)
            except StaleWrite:
                _propose_again(store, caller, round_, studio, results[studio_id], memberships, now)
    return round_view(store.round(round_id), _counts(store, round_id), caller)


def _memberships(alliances):
    member, convenes = collections.defaultdict(list), collections.Counter()
    for alliance in alliances:
        for studio_id in alliance["members"]:
            member[studio_id].append(alliance["_id"])
        convenes[alliance["convenor"]] += 1
    return member, convenes


def _propose(store, caller, round_, studio, results, memberships, now, read=None):
    """Compute and store the studio's proposal on its rating as ``read`` (``(rating, is new)``),
    or as the store holds it now. StaleWrite when the rating changed since."""
    rating, is_new = read or _rating_of(store, round_, studio["_id"])
    member, convenes = memberships
    facts = {**studio, "alliances": member.get(studio["_id"], []),
             "convenes": convenes.get(studio["_id"], 0)}
    panel = {item: [s["score"] for s in scores] for item, scores in rating["panel_scores"].items()}
    thresholds = rules.thresholds_of(round_)
    computed = arithmetic.rate_studio(facts, results, panel,
                                      round_["rubric"], thresholds, round_["period"])
    held = studio.get("rating")
    previous = None if held is None else (0 if held.get("revoked") else held["stars"])
    outcome = arithmetic.re_evaluation(previous, computed["stars"], computed["points"], thresholds)
    computed.pop("studio_id", None)
    computed["revocation"] = outcome["revocation"]
    changed = rules.propose(round_, rating, computed, outcome["outcome"], previous)
    _store_rating(store, rating, is_new, changed, history_entry(caller, "propose", now), returning=False)


_propose_again = optimistic(_propose)


@optimistic
def open_notice(store, caller, round_id, payload=None):
    access.require_union(caller, "only union reviewers open a round's public notice")
    data = load(NoticeSchema(), payload or {})
    round_ = store.round(round_id)
    ratings = store.ratings_to_notice(round_id)
    for rating in ratings:
        if rating["proposal"] is not None:
            arithmetic.require_complete(rating["proposal"])
    now = utc_now()
    changed = rules.open_notice(round_, ratings, now, data.get("closes_at"))
    stored = store.save_round(round_, changed, history_entry(caller, "open_notice", now))
    return round_view(stored, _counts(store, round_id), caller)


def public_notice(store, round_id, query):
    """The proposed ratings of a round in (or after) its public notice, for everyone."""
    query = load(PageQuery(), query or {})
    round_ = store.round(round_id)
    if round_["status"] == rules.OPEN:
        raise NotFound(f"no rating round {round_id}")
    total, found = store.find_ratings(round_id, query["limit"], query["offset"])
    items = [{"rating_id": r["_id"], "studio_name": r["studio_name"], "enterprise": r["enterprise"],
              "stars": r["proposal"]["stars"], "points": r["proposal"]["points"],
              "outcome": r["proposal"]["outcome"], "status": r["status"],
              "categories": r["proposal"]["categories"]} for r in found]
    return {"round_id": round_["_id"], "name": round_["name"], "year": round_["year"],
            "status": round_["status"], "notice": round_["notice"], **page(items, total, query)}


def get_rating(store, caller, rating_id):
    rating = store.rating(rating_id)
    if not (access.is_union(caller) or access.is_lead_of(caller, rating["studio_id"])
            or (caller.unit is not None and caller.unit == rating["unit"])):
        raise NotFound(f"no rating {rating_id}")
    return rating_view(rating, caller)


# objections


@optimistic
def file_objection(store, caller, rating_id, payload):
    """A signed objection: the caller's verified token is the signature; it is kept, and shown
    to no one but admins."""
    data = load(ObjectionSchema(), payload)
    rating = store.rating(rating_id)
    round_ = store.round(rating["round_id"])
    if round_["status"] == rules.OPEN:
        raise NotFound(f"no rating {rating_id}")
    filer = {"subject": caller.subject, "role": caller.role, "name": caller.name}
    now = utc_now()
    changed, objection = rules.file_objection(round_, rating, filer, data["text"], now)
    store.save_rating(rating, changed, history_entry(caller, "objection", now))
    return {"objection_id": objection["objection_id"], "filed_at": objection["filed_at"],
            "text": objection["text"], "answer": None}


@optimistic
def answer_objection(store, caller, rating_id, objection_id, payload):
    access.require_union(caller, "only union reviewers answer objections")
    data = load(ObjectionAnswerSchema(), payload)
    rating = store.rating(rating_id)
    now = utc_now()
    changed = rules.answer_objection(rating, objection_id, data["decision"], data["text"],
                                     caller.subject, now)
    stored = store.save_rating(rating, changed, history_entry(caller, "answer", now,
                                                              details={"objection_id": objection_id}))
    return rating_view(stored, caller)


# the effect, when the notice closes


def take_effect(store, holder, now=None, lease_seconds=LEASE_SECONDS, correlation_id=None, within=0.0):
    """Put into effect every rating whose notice has closed and whose objections are answered,
    round by round, each round claimed by ``holder`` first. Returns how many took effect.

    A notice that closes less than ``within`` seconds from now (the scheduler's interval: the
    next run would come after it) is waited for, so that its round takes effect as it closes."""
    done = 0
    for round_ in store.rounds_in_notice():
        now_ = now or utc_now()
        if rules.notice_is_open(round_, now_):
            left = rules.seconds_to_close(round_, now_)
            if now is not None or left >= within:
                continue
            time.sleep(left)
            now_ = utc_now()
            if rules.notice_is_open(round_, now_):
                continue
        ratings = store.ratings_to_effect(round_["_id"])
        if not any(rules.is_due(round_, r, now_) for r in ratings) and rules.closed(round_, ratings) is None:
            continue  # waiting for answers to objections: no claim, no write, until one is due
        claimed = rules.claim(round_, holder, now_, lease_seconds)
        if claimed is None:
            continue  # another instance is at work on it
        try:
            round_ = store.save_round(round_, claimed)
        except StaleWrite:
            continue  # another instance claimed it first
        done += _effect_round(store, round_, now_, correlation_id)
    return done


def _effect_round(store, round_, now, correlation_id):
    done = 0
    for rating in store.ratings_to_effect(round_["_id"]):
        if rules.is_due(round_, rating, now):
            done += _effect_rating(store, round_, rating, now, correlation_id)
            if done and done % EFFECTS_BETWEEN_PAUSES == 0:
                # A job that only computes and writes to the embedded store never lets the other
                # green threads of its process run (nameko runs on eventlet, whose time.sleep
                # yields): let the outbox relay send what was just written while the round goes
                # on, rather than a thousand announcements once the last of them is written.
                time.sleep(0)
    ended = rules.closed(round_, store.ratings_to_effect(round_["_id"]))
    if ended is not None:
        store.save_round(store.round(round_["_id"]), ended)
    return done


def _apply_to_studio(store, studio_id, record, correlation_id, now, studio=None):
    """Put ``record`` into effect on the studio as ``studio`` (as read), or as the store holds it
    now; StaleWrite when it changed since."""
    studio = studio or store.studio(studio_id)
    changed, announcements = studio_rules.rated(studio, record)
    if changed is studio:
        return
    envelopes = []
    for change in announcements:
        if change["type"] == events.STUDIO_RATED:
            envelopes.append(events.studio_rated(changed, correlation_id))
        else:
            envelopes.append(events.rating_revoked(changed, change, now, correlation_id))
    store.save_studio(studio, changed, {"at": now, "by": "rating", "role": "system",
                                        "action": "rated", "details": {"rating_id": record["rating_id"],
                                                                       "stars": record["stars"]}},
                      envelopes, returning=False)


_apply_to_studio_again = optimistic(_apply_to_studio)


def _effect_rating(store, round_, rating, now, correlation_id):
    studio = store.studio(rating["studio_id"])
    if studio["status"] == studio_rules.REVOKED:
        store.save_rating(rating, rules.withdrawn(rating, "the studio ended before the notice closed", now),
                          returning=False)
        return 0
    changed, record = rules.in_effect(round_, rating, now)
    record["revocation"] = rating["proposal"].get("revocation")
    # The studio first: if this stops half way, the next claim finds the rating still proposed,
    # the studio already holding it (no second announcement), and marks the rating.
    try:
        _apply_to_studio(store, rating["studio_id"], record, correlation_id, now, studio)
    except StaleWrite:
        _apply_to_studio_again(store, rating["studio_id"], record, correlation_id, now)
    store.save_rating(rating, changed, returning=False)
    return 1
