"""Innovation studios on a person's talent record: the star ratings of the studio a person leads
(and their revocation), and the verified innovation results a person is an author of.

A studio honour is the lead's record of their studio's star rating (星级评定), one per studio::

    {"studio_id", "studio_name", "level", "enterprise", "industry_chain", "region_code", "unit",
     "lead_honour" (劳模, 工匠 ...), "rating_id", "round_id", "round_name", "year", "stars",
     "previous_stars", "outcome", "points", "effective_at",
     "status": "rated" | "revoked", "revocation_kind", "revocation_reason", "revoked_at",
     "recorded_at"}

Events about one studio can arrive in any order (a redelivery, a replay of a parked message, a
slow retry), so every one is placed in the studio's history before it is applied: a rating at the
time it took effect (``effective_at``), a revocation at the time it was made (``revoked_at``),
equal times ordered by rating id. The honour holds the latest of them:

- a rating already recorded (the same ``rating_id``) changes nothing: the very same talent comes
  back; so does a rating older than the honour (an earlier round arriving late);
- a later round's rating replaces the honour;
- a revocation marks the honour of its rating revoked; one of a rating never seen still records
  the studio honour, revoked, so that the rating arriving late does not bring the stars back (it
  only fills in the round, year and points); one older than the honour (its rating was replaced
  by a later round's) changes nothing; one already recorded changes nothing.

Whatever the order, the same events leave the same studio honour.

Admission follows the policy (``studio_lead_min_stars``, policy.py) as for awards (talent.py): a
rating in effect with enough stars admits a candidate or an expired talent, renews an active
one's review date, never re-admits a removed one; a lowered or revoked rating that was the only
reason an active talent is in the pool leaves it active, flagged ``needs_review``, for a curator.

An innovation result (one per ``result_id``) is recorded on every author's talent; a person with
no talent yet gets a candidate record, recorded quietly. Results do not admit anyone. The studios
a person leads or is an author of are the talent's studio memberships (derived, talent.py).
"""
from .policy import RATED, studio_admission_reason
from .talent import begin_change, fill_person, finish_change, iso, settle_status

STUDIO = "studio"
REVOKED = "revoked"
STUDIO_HONOUR_STATUSES = (RATED, REVOKED)
REVOCATION_KIND_NAMES = {"ordered": "责令摘牌", "automatic": "自动摘牌", "natural": "自然摘牌"}

# What a studio honour keeps of the studio, and of a rating.
STUDIO_FIELDS = ("studio_id", "studio_name", "level", "enterprise", "industry_chain", "region_code",
                 "unit")
RATING_FIELDS = ("rating_id", "round_id", "round_name", "year", "stars", "previous_stars", "outcome",
                 "points", "effective_at")
REVOCATION_FIELDS = ("revocation_kind", "revocation_reason", "revoked_at")
# What an innovation result keeps of a result.verified event (with its studio's id, name, chain
# and unit, and the author's place among the authors).
RESULT_FIELDS = ("result_id", "kind", "kind_name", "title", "achieved_on", "year", "studio_id",
                 "studio_name", "industry_chain", "unit", "patent_number", "economic_benefit",
                 "people_trained", "verified_at")


def _find(talent, studio_id):
    if talent is None:
        return None
    for position, honour in enumerate(talent.get("studio_honours") or ()):
        if honour["studio_id"] == studio_id:
            return position
    return None


def studio_honour(talent, studio_id):
    """The talent's studio honour for ``studio_id``, or None."""
    position = _find(talent, studio_id)
    return talent["studio_honours"][position] if position is not None else None


def _place(honour):
    """Where a studio honour stands in its studio's history: when its rating was revoked, or else
    when it took effect; then its rating id."""
    return (honour["revoked_at"] or honour["effective_at"], honour["rating_id"])


def _blank_honour(facts, now):
    honour = {key: facts.get(key) for key in STUDIO_FIELDS}
    honour.update({key: None for key in RATING_FIELDS + REVOCATION_FIELDS})
    honour.update(lead_honour=facts["lead"].get("honour"), status=RATED, recorded_at=iso(now))
    return honour


def _with_rating(honour, rating):
    return {**honour, **{key: rating.get(key) for key in RATING_FIELDS}}


def _summary(honour):
    if honour is None:
        return None
    return {key: honour.get(key) for key in ("rating_id", "round_name", "stars", "status")}


def _record(talent, position, honour):
    if position is None:
        talent["studio_honours"].append(honour)
        talent["studio_honours"].sort(key=lambda h: h["studio_id"])
    else:
        talent["studio_honours"][position] = honour


def _lead_facts(talent, facts):
    """The lead as the studio reports them: name, masked number, the studio's enterprise as the
    employer; the studio's region only for a talent that has none (it is where the lead works,
    not the region of their ID number)."""
    lead = facts["lead"]
    fill_person(talent, lead["name"], lead.get("id_number_masked"), employer=facts["enterprise"],
                region_code=None if talent["region_code"] else facts["region_code"])


def _finish(talent, before, previous_status, now, by, action, reason, event_ref, old, honour,
            admitted):
    extra = {"source_event": event_ref,
             "studio_honour": {"studio_id": honour["studio_id"], "rating_id": honour["rating_id"],
                               "old": _summary(old), "new": _summary(honour)}}
    source = {"kind": STUDIO, "studio_id": honour["studio_id"], "rating_id": honour["rating_id"]}
    return finish_change(talent, before, previous_status, now, by,
                         "admitted" if admitted is not None else action, reason, extra, action,
                         source, admitted)


def _already(talent, facts, at, recorded):
    """True when ``facts`` (a rating or a revocation, placed at ``facts[at]``) change nothing on
    ``talent``: its rating's honour says ``recorded(honour)`` already, or the studio honour the
    talent holds is later."""
    old = studio_honour(talent, facts["studio_id"])
    if old is None:
        return False
    if old["rating_id"] == facts["rating_id"]:
        return recorded(old)
    return _place(old) >= (facts[at], facts["rating_id"])


def already_rated(talent, rating):
    return _already(talent, rating, "effective_at", lambda honour: honour["effective_at"] is not None)


def already_revoked(talent, revocation):
    return _already(talent, revocation, "revoked_at", lambda honour: honour["status"] == REVOKED)


def _begin(talent, facts, now):
    """``begin_change`` on the lead's talent, with the studio honour's place and what it was."""
    position = _find(talent, facts["studio_id"])
    old = talent["studio_honours"][position] if position is not None else None
    return (*begin_change(talent, facts["lead"]["person_key"], now), position, old)


def apply_studio_rating(talent, rating, policy, now, *, by="studios", event_ref=None):
    """Record a studio's star rating on its lead's talent (``None``: none yet).

    ``rating`` is the talent pool's reading of a ``studio.rated`` v1 event (events.py);
    ``event_ref`` the envelope's ``event_id``, kept in the history. Returns ``(talent, events)``,
    as ``apply_award`` does; a rating that changes nothing returns the very same talent.
    """
    if already_rated(talent, rating):
        return talent, []
    talent, before, previous_status, position, old = _begin(talent, rating, now)
    name, stars = rating["studio_name"], rating["stars"]
    reason = f"{name}: {stars}星, {rating['round_name']}"
    if old is not None and old["rating_id"] == rating["rating_id"]:
        # Its revocation came first: the round's facts, and the stars stay revoked. The
        # revocation, being later, already gave the lead's facts.
        honour = _with_rating(old, rating)
        reason += f" (revoked since {old['revoked_at']})"
    else:
        honour = _with_rating(_blank_honour(rating, now), rating)
        _lead_facts(talent, rating)
    _record(talent, position, honour)
    old_reason = studio_admission_reason(policy, old) if old is not None else None
    admitted, decided = settle_status(
        talent, studio_admission_reason(policy, honour), old_reason, policy, now, renew=True,
        lost=f"the {stars}星 rating of {name} in {rating['round_name']} no longer admits this "
             f"talent, which it did before ({old_reason})",
        note=reason)
    return _finish(talent, before, previous_status, now, by, "studio_rated", decided or reason,
                   event_ref, old, honour, admitted)


def apply_rating_revoked(talent, revocation, policy, now, *, by="studios", event_ref=None):
    """Record that a studio lost its stars (摘牌) on its lead's talent (``None``: none yet).

    ``revocation`` is the talent pool's reading of a ``studio.rating_revoked`` v1 event. If that
    rating was the only reason an active talent is in the pool, it stays active with
    ``needs_review``: a curator decides. Returns ``(talent, events)``; a revocation that changes
    nothing returns the very same talent.
    """
    if already_revoked(talent, revocation):
        return talent, []
    talent, before, previous_status, position, old = _begin(talent, revocation, now)
    if old is None or old["rating_id"] != revocation["rating_id"]:
        # A rating never seen (or not yet): the studio honour is recorded, revoked, so that the
        # rating arriving late cannot bring the stars back.
        honour = {**_blank_honour(revocation, now), "rating_id": revocation["rating_id"],
                  "stars": revocation["stars_before"]}
    else:
        honour = dict(old)
    kind = REVOCATION_KIND_NAMES.get(revocation["kind"], revocation["kind"])
    honour.update(status=REVOKED, revocation_kind=revocation["kind"],
                  revocation_reason=revocation["reason"], revoked_at=revocation["revoked_at"])
    _record(talent, position, honour)
    _lead_facts(talent, revocation)
    name = revocation["studio_name"]
    reason = f"{name}: {revocation['stars_before']}星 revoked ({kind}: {revocation['reason']})"
    old_reason = studio_admission_reason(policy, old) if old is not None else None
    _, decided = settle_status(
        talent, None, old_reason, policy, now, renew=False,
        lost=f"the rating of {name} that admitted this talent ({old_reason}) was revoked "
             f"({kind}: {revocation['reason']})",
        note=reason)
    return _finish(talent, before, previous_status, now, by, "studio_rating_revoked",
                   decided or reason, event_ref, old, honour, None)


def has_result(talent, result_id):
    return talent is not None and any(
        r["result_id"] == result_id for r in talent.get("innovation_results") or ())


def apply_verified_result(talent, result, author, now, *, by="studios", event_ref=None):
    """Record a verified innovation result on one author's talent (``None``: none yet: a candidate
    record is made, quietly).

    ``result`` is the talent pool's reading of a ``result.verified`` v1 event, ``author`` one of
    its ``authors``. Idempotent per ``result_id``: a talent that has it returns unchanged (the very
    same object). The author's name and masked number are taken as the result reports them; the
    studio's enterprise and region fill only a record that has neither. Returns
    ``(talent, events)``.
    """
    if has_result(talent, result["result_id"]):
        return talent, []
    talent, before, previous_status = begin_change(talent, author["person_key"], now)
    entry = {key: result.get(key) for key in RESULT_FIELDS}
    entry["economic_benefit"] = dict(result["economic_benefit"])
    entry["author_position"] = next(
        (place for place, a in enumerate(result["authors"], 1) if a["person_key"] == author["person_key"]),
        None)
    entry["recorded_at"] = iso(now)
    talent["innovation_results"].append(entry)
    talent["innovation_results"].sort(key=lambda r: (r.get("achieved_on") or "", r["result_id"]))
    fill_person(talent, author["name"], author.get("id_number_masked"),
                employer=None if talent["employer"] else result["enterprise"],
                region_code=None if talent["region_code"] else result["region_code"])
    reason = f"{result['kind_name']} 「{result['title']}」 verified, {result['studio_name']}"
    source = {"kind": STUDIO, "studio_id": result["studio_id"], "result_id": result["result_id"]}
    return finish_change(talent, before, previous_status, now, by, "result_recorded", reason,
                         {"source_event": event_ref, "result_id": result["result_id"]},
                         "result_recorded", source)
