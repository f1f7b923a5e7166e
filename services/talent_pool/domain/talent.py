"""One talent: one person (matched on the protected person key) across every source.

A talent document::

    {"_id": "tal-3f2a9c1d7b4e0a1b2c3d", "person_key": "...", "name", "employer", "region_code",
     "id_number_masked" (when an award or a nomination supplied it),
     "industry_chains": [...], "trades": [...], "skill_level": "技师", "certificates": [...],
     "honours": [...],   # one per (competition_id, event_id), the latest publication version
     "studio_honours": [...],      # one per studio the person led in a star rating (studios.py)
     "innovation_results": [...],  # one per verified result the person is an author of
     "studio_memberships": [...],  # derived: every studio of those two
     "sources": [...],   # {"kind": "competition", ...} / {"kind": "nomination", ...}
     "units": [...],     # units of its honours, studio honours and results: their organisers read it
     "status": "candidate" | "active" | "expired" | "removed", "status_reason",
     "admitted_at", "review_date", "needs_review": None | {"reason", "since"},
     "history": [...], "revision": n, "search_keys": [...], "created_at"}

Chains, trades, skill level, certificates, units, studio memberships and search keys are derived
from the honours, studio honours, innovation results and sources (``derive``), so however the
facts arrived, the same facts give the same record. The skill level is the highest on the ladder
of every level on entry, promotion, certificate and nominated level.

Applying an award is idempotent per honour and publication version: an award whose honour is
already recorded at the same or a later version changes nothing (redelivery, replay, a relay
resend), a later version replaces the honour in place. Status decisions:

- a candidate (or an expired talent) whose honour now admits under the policy becomes active:
  ``talent.admitted``;
- an active talent whose new honour admits has its review date renewed;
- a removed talent is never re-admitted automatically: the honour is recorded and the history says
  it qualifies; re-activating it is a curator's decision;
- an active talent that a correction leaves with no admitting honour, studio rating or nomination
  stays active, flagged ``needs_review`` with the reason, for a curator to decide: the pool does not drop a
  worker silently because a score was corrected;
- every change to a talent that is, or was, in the pool is announced as ``talent.updated``;
  candidates are recorded quietly.
"""
import copy
import datetime
import hashlib

from common.vocabulary import highest

from .policy import admission_reason, studio_admission_reason
from .search_keys import keys_of

CANDIDATE, ACTIVE, EXPIRED, REMOVED = "candidate", "active", "expired", "removed"
STATUSES = (CANDIDATE, ACTIVE, EXPIRED, REMOVED)

ADMITTED = "talent.admitted"
UPDATED = "talent.updated"

COMPETITION = "competition"
NOMINATION = "nomination"

# What an honour keeps of a contestant_awarded event.
HONOUR_FIELDS = ("competition_id", "competition_name", "level", "organising_unit", "year",
                 "industry_chain", "event_id", "trade", "entry_id", "rank", "finalists", "prize",
                 "prize_name", "titles", "promotion_level", "certificate_level",
                 "publication_version", "correction_reason")
# Bookkeeping of an honour, not its content: a new version that differs only here changes nothing
# a person would notice.
_HONOUR_BOOKKEEPING = ("publication_version", "correction_reason", "recorded_at")
# Fields whose changes the history and talent.updated report.
PROFILE_FIELDS = ("name", "employer", "region_code", "industry_chains", "trades", "skill_level",
                  "certificates", "units", "studio_memberships", "status", "status_reason",
                  "admitted_at", "review_date", "needs_review")
# Lists added to the record after talents were first stored: a talent read without one has none.
ADDED_LISTS = ("studio_honours", "innovation_results", "studio_memberships")


def iso(now):
    return now.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds")


def add_years(day, years):
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def review_date(now, years):
    return add_years(now.astimezone(datetime.timezone.utc).date(), years).isoformat()


def talent_id_of(person_key):
    """The id of a person's talent, derived from the person key: whoever records the person first
    (two awards handled at once, an award and a nomination), both arrive at the same record, and
    the store's primary key keeps it to one. A hash, so that the key itself is never in a URL."""
    return f"tal-{hashlib.sha256(person_key.encode()).hexdigest()[:20]}"


def new_talent(person_key, now):
    """An empty candidate record for ``person_key``, not yet stored (revision 0)."""
    return {
        "_id": talent_id_of(person_key), "person_key": person_key,
        "name": "", "employer": "", "region_code": "",
        "industry_chains": [], "trades": [], "skill_level": None, "certificates": [],
        "honours": [], "sources": [], "units": [], **{key: [] for key in ADDED_LISTS},
        "status": CANDIDATE, "status_reason": None, "admitted_at": None, "review_date": None,
        "needs_review": None, "history": [], "revision": 0, "search_keys": [],
        "created_at": iso(now),
    }


def _unique(values):
    return list(dict.fromkeys(v for v in values if v))


def _memberships(studio_honours, results):
    """The studios a person belongs to, by studio id: ``lead`` where the person led the studio in
    a rating, ``member`` where they are only an author of its results; named as the latest rating
    or, failing one, the latest verified result names it."""
    found = {}
    for result in sorted(results, key=lambda r: (r.get("verified_at") or "", r["result_id"])):
        found[result["studio_id"]] = {"studio_id": result["studio_id"],
                                      "studio_name": result.get("studio_name"), "role": "member"}
    for honour in studio_honours:
        found[honour["studio_id"]] = {"studio_id": honour["studio_id"],
                                      "studio_name": honour.get("studio_name"), "role": "lead"}
    return [found[studio_id] for studio_id in sorted(found)]


def derive(talent):
    """``talent`` with its derived fields recomputed from its honours, studio honours, innovation
    results and sources (in place).

    A studio's industry chain counts among the talent's chains, and the studio's unit (the union
    that rates its studios and verifies their results) among its units, for the lead of a rated
    studio and for the authors of its verified results alike: that union already holds these facts
    about the person, and ``units`` is what lets its organisers read the talent (access.py), as an
    organising unit's organisers read the talents of its competitions' winners.
    """
    honours = talent["honours"]
    studio_facts = talent["studio_honours"] + talent["innovation_results"]
    nominations = [s for s in talent["sources"] if s["kind"] == NOMINATION]
    talent["industry_chains"] = _unique([h.get("industry_chain") for h in honours]
                                        + [n.get("industry_chain") for n in nominations]
                                        + [f.get("industry_chain") for f in studio_facts])
    talent["trades"] = _unique([h.get("trade") for h in honours] + [n.get("trade") for n in nominations])
    talent["skill_level"] = highest(
        [level for h in honours
         for level in (h.get("skill_level_on_entry"), h.get("promotion_level"), h.get("certificate_level"))]
        + [n.get("skill_level") for n in nominations])
    talent["certificates"] = [
        {"level": h["certificate_level"], "trade": h.get("trade"), "competition_id": h["competition_id"],
         "event_id": h["event_id"], "competition_name": h.get("competition_name"), "year": h.get("year")}
        for h in honours if h.get("certificate_level")]
    talent["units"] = _unique([h.get("organising_unit") for h in honours]
                              + [f.get("unit") for f in studio_facts])
    talent["studio_memberships"] = _memberships(talent["studio_honours"], talent["innovation_results"])
    talent["search_keys"] = keys_of(talent)
    return talent


def honour_of(award, now):
    honour = {key: award.get(key) for key in HONOUR_FIELDS}
    honour["titles"] = list(award.get("titles") or ())
    honour["skill_level_on_entry"] = award.get("skill_level")
    honour["recorded_at"] = iso(now)
    return honour


def honour_content(honour):
    """What an honour says, without its bookkeeping: equal content means nothing changed."""
    return {key: value for key, value in honour.items() if key not in _HONOUR_BOOKKEEPING}


def is_awarded(honour):
    return bool(honour.get("prize") or honour.get("titles") or honour.get("promotion_level")
                or honour.get("certificate_level"))


def find_honour(talent, competition_id, event_id):
    """Position of the honour for (competition, event) in ``talent``, or None."""
    for position, honour in enumerate(talent["honours"]):
        if honour["competition_id"] == competition_id and honour["event_id"] == event_id:
            return position
    return None


def already_applied(talent, award):
    """True when ``talent`` already holds ``award``'s honour at its publication version or later."""
    if talent is None:
        return False
    position = find_honour(talent, award["competition_id"], award["event_id"])
    return (position is not None
            and talent["honours"][position]["publication_version"] >= award["publication_version"])


def has_nomination(talent, nomination_id):
    return talent is not None and any(
        s["kind"] == NOMINATION and s["nomination_id"] == nomination_id for s in talent["sources"])


def admission_basis(talent, policy):
    """Reasons the talent belongs in the pool today: admitting honours, studio ratings in effect
    that admit, and admitted nominations."""
    reasons = [admission_reason(policy, h) for h in talent["honours"]]
    reasons += [studio_admission_reason(policy, h) for h in talent.get("studio_honours") or ()]
    reasons += [f"nomination {s['nomination_id']}" for s in talent["sources"] if s["kind"] == NOMINATION]
    return [r for r in reasons if r]


def profile_of(talent):
    return {key: copy.deepcopy(talent.get(key, [] if key in ADDED_LISTS else None))
            for key in PROFILE_FIELDS}


def begin_change(talent, person_key, now):
    """A copy of ``talent`` to change (a new candidate record when it is None), what it was
    (``profile_of``) and its status before the change."""
    talent = copy.deepcopy(talent) if talent is not None else new_talent(person_key, now)
    for key in ADDED_LISTS:
        talent.setdefault(key, [])
    return talent, profile_of(talent), talent["status"]


def fill_person(talent, name, id_number_masked, **facts):
    """The person's name (and the masked ID number, when one came) as a source last reported
    them, with the other ``facts`` given (employer, region_code: None keeps what the talent has)."""
    talent["name"] = name
    talent.update({key: value for key, value in facts.items() if value is not None})
    if id_number_masked:  # some sources have none: keep what the talent had
        talent["id_number_masked"] = id_number_masked


def _changes(before, after):
    return [{"field": key, "old": before[key], "new": after[key]}
            for key in PROFILE_FIELDS if before[key] != after[key]]


def _admit(talent, reason, now, policy):
    """Make the talent active on ``reason``; returns True if that is a re-admission."""
    readmission = talent["admitted_at"] is not None
    talent.update(status=ACTIVE, status_reason=reason, admitted_at=iso(now),
                  review_date=review_date(now, policy["review_years"]), needs_review=None)
    return readmission


def _renew(talent, now, policy):
    renewed = review_date(now, policy["review_years"])
    if not talent["review_date"] or renewed > talent["review_date"]:
        talent["review_date"] = renewed


def settle_status(talent, new_reason, old_reason, policy, now, *, renew, lost, note):
    """The status decision after a fact that admits (``new_reason``) or used to (``old_reason``)
    changed on ``talent`` (in place). Returns ``(admitted, reason)``: ``admitted`` is None, or
    whether the admission it made is a re-admission; ``reason`` what was decided, None if nothing.

    A candidate or an expired talent is admitted on ``new_reason``; an active one loses its
    review flag and, with ``renew``, has its review date renewed; a removed one is never
    re-admitted automatically. An active talent that lost ``old_reason`` with nothing else
    admitting it stays active, flagged ``needs_review`` (``lost`` says why, ``note`` begins the
    reason), for a curator to decide.
    """
    status = talent["status"]
    if new_reason and status in (CANDIDATE, EXPIRED):
        return _admit(talent, new_reason, now, policy), new_reason
    if new_reason and status == ACTIVE:
        talent["needs_review"] = None
        if renew:
            _renew(talent, now, policy)
    elif new_reason and status == REMOVED:
        return None, (f"qualifies for admission ({new_reason}) but was removed by a curator; "
                      "re-activating is a curator's decision")
    elif old_reason and status == ACTIVE and not admission_basis(talent, policy):
        talent["needs_review"] = {"reason": lost, "since": iso(now)}
        return None, (f"{note}; kept active, flagged for a curator's review: no other honour, "
                      "studio rating or nomination admits this talent")
    return None, None


def _honour_summary(honour):
    if honour is None:
        return None
    return {key: honour.get(key) for key in ("publication_version", "rank", "prize", "prize_name",
                                              "titles", "promotion_level", "certificate_level")}


def finish_change(talent, before, previous_status, now, by, action, reason, extra, event_action,
                  source, admitted=None):
    """Derive, record the history entry and say which events the change announces."""
    derive(talent)
    changes = _changes(before, profile_of(talent))
    created = talent["revision"] == 0
    talent["revision"] += 1
    # A talent's first entry does not list every field against the blank record: the record
    # itself and the entry's source say what it started with.
    talent["history"].append({"at": iso(now), "by": by, "action": action, "reason": reason,
                              "changes": [] if created else changes, "created": created, **extra})
    events = []
    if admitted is not None:
        events.append({"type": ADMITTED, "action": action, "reason": reason, "source": source,
                       "readmission": admitted, "previous_status": previous_status,
                       "changes": [c["field"] for c in changes]})
    elif previous_status != CANDIDATE:
        events.append({"type": UPDATED, "action": event_action, "reason": reason, "source": source,
                       "previous_status": previous_status, "changes": [c["field"] for c in changes]})
    return talent, events


def apply_award(talent, award, policy, now, *, by="competitions", event_ref=None):
    """Record a competition award on a person's talent record (``None``: none yet).

    ``award`` is the ``data`` of a ``competition.contestant_awarded`` v1 event; ``event_ref`` the
    envelope's ``event_id``, kept in the history. Returns ``(talent, events)``; ``events`` lists
    what to announce (``{"type": "talent.admitted" | "talent.updated", ...}``). When the award is
    already recorded at its version or later, the talent is returned unchanged (the very same
    object) with no events: nothing needs writing. A later version that says the same only moves
    the honour's version (written, without history or events).
    """
    if already_applied(talent, award):
        return talent, []
    talent, before, previous_status = begin_change(talent, award["person_key"], now)
    honour = honour_of(award, now)
    position = find_honour(talent, award["competition_id"], award["event_id"])
    old = talent["honours"][position] if position is not None else None
    if old is not None and honour_content(old) == honour_content(honour):
        # A republication that leaves this contestant's award as it was: remember the version
        # (so that older ones stay ignored), nothing else.
        talent["honours"][position] = {**old, "publication_version": honour["publication_version"],
                                       "correction_reason": honour["correction_reason"]}
        talent["revision"] += 1
        return talent, []
    if old is None:
        talent["honours"].append(honour)
        talent["sources"].append({"kind": COMPETITION, "competition_id": award["competition_id"],
                                  "event_id": award["event_id"], "entry_id": award.get("entry_id"),
                                  "recorded_at": iso(now)})
    else:
        talent["honours"][position] = honour
    # Older awards have no masked number: the talent keeps what it had.
    fill_person(talent, award["name"], award.get("id_number_masked"), employer=award["employer"],
                region_code=award["region_code"])

    new_reason = admission_reason(policy, honour)
    old_reason = admission_reason(policy, old) if old is not None else None
    action = "award_recorded" if old is None else "award_corrected"
    reason = award.get("correction_reason") if old is not None else None
    # A correction that took away what admitted this talent, with nothing else admitting it,
    # flags it.
    admitted, decided = settle_status(
        talent, new_reason, old_reason, policy, now, renew=old_reason is None,
        lost=f"the correction of {honour['competition_name']} removed the award that admitted "
             f"this talent ({old_reason})",
        note=award.get("correction_reason") or "corrected")
    if admitted is not None:
        action = "admitted"
    reason = decided or reason
    extra = {"source_event": event_ref,
             "honour": {"competition_id": honour["competition_id"], "event_id": honour["event_id"],
                        "old": _honour_summary(old), "new": _honour_summary(honour)}}
    source = {"kind": COMPETITION, "competition_id": honour["competition_id"],
              "event_id": honour["event_id"], "publication_version": honour["publication_version"]}
    return finish_change(talent, before, previous_status, now, by, action, reason, extra, action,
                         source, admitted)


def apply_nomination(talent, nomination, policy, now, *, by):
    """Admit (or update) the talent of a nomination that passed its last review.

    Idempotent per nomination: a talent that already has it as a source is returned unchanged.
    Reviewers have examined the person, so a passed nomination admits whatever the talent's
    status, including a removed one.
    """
    if has_nomination(talent, nomination["_id"]):
        return talent, []
    talent, before, previous_status = begin_change(talent, nomination["person_key"], now)
    talent["sources"].append({
        "kind": NOMINATION, "nomination_id": nomination["_id"],
        "industry_chain": nomination["industry_chain"], "trade": nomination["trade"],
        "skill_level": nomination["skill_level"], "employer": nomination["employer"],
        "reason": nomination["reason"], "nominated_by": nomination["nominated_by"],
        "recorded_at": iso(now)})
    fill_person(talent, nomination["name"], nomination["id_number_masked"],
                employer=nomination["employer"], region_code=nomination["region_code"])
    reason = f"nomination {nomination['_id']} passed 资格审查, 专家初评 and 综合复审: {nomination['reason']}"
    admitted = None
    if previous_status == ACTIVE:
        talent["needs_review"] = None
        _renew(talent, now, policy)
        action = "nomination_recorded"
    else:
        admitted = _admit(talent, reason, now, policy)
        action = "admitted"
    source = {"kind": NOMINATION, "nomination_id": nomination["_id"]}
    return finish_change(talent, before, previous_status, now, by, action, reason,
                         {"nomination_id": nomination["_id"]}, action, source, admitted)
