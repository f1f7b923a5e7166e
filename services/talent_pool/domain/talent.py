"""One talent: one person (matched on the protected person key) across every source.

A talent document::

    {"_id": "tal-3f2a9c1d7b4e0a1b2c3d", "person_key": "...", "name", "employer", "region_code",
     "id_number_masked" (when an award or a nomination supplied it),
     "industry_chains": [...], "trades": [...], "skill_level": "技师", "certificates": [...],
     "honours": [...],   # one per (competition_id, event_id), the latest publication version
     "sources": [...],   # {"kind": "competition", ...} / {"kind": "nomination", ...}
     "units": [...],     # organising units of its honours: their organisers may read it
     "status": "candidate" | "active" | "expired" | "removed", "status_reason",
     "admitted_at", "review_date", "needs_review": None | {"reason", "since"},
     "history": [...], "revision": n, "search_keys": [...], "created_at"}

Chains, trades, skill level, certificates, units and search keys are derived from the honours and
sources (``derive``), so however the facts arrived, the same facts give the same record. The
skill level is the highest on the ladder of every level on entry, promotion, certificate and
nominated level.

Applying an award is idempotent per honour and publication version: an award whose honour is
already recorded at the same or a later version changes nothing (redelivery, replay, a relay
resend), a later version replaces the honour in place. Status decisions:

- a candidate (or an expired talent) whose honour now admits under the policy becomes active:
  ``talent.admitted``;
- an active talent whose new honour admits has its review date renewed;
- a removed talent is never re-admitted automatically: the honour is recorded and the history says
  it qualifies; re-activating it is a curator's decision;
- an active talent that a correction leaves with no admitting honour or nomination stays active,
  flagged ``needs_review`` with the reason, for a curator to decide: the pool does not drop a
  worker silently because a score was corrected;
- every change to a talent that is, or was, in the pool is announced as ``talent.updated``;
  candidates are recorded quietly.
"""
import copy
import datetime
import hashlib

from common.vocabulary import highest

from .policy import admission_reason
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
                  "certificates", "units", "status", "status_reason", "admitted_at", "review_date",
                  "needs_review")


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
        "honours": [], "sources": [], "units": [],
        "status": CANDIDATE, "status_reason": None, "admitted_at": None, "review_date": None,
        "needs_review": None, "history": [], "revision": 0, "search_keys": [],
        "created_at": iso(now),
    }


def _unique(values):
    return list(dict.fromkeys(v for v in values if v))


def derive(talent):
    """``talent`` with its derived fields recomputed from its honours and sources (in place)."""
    honours = talent["honours"]
    nominations = [s for s in talent["sources"] if s["kind"] == NOMINATION]
    talent["industry_chains"] = _unique([h.get("industry_chain") for h in honours]
                                        + [n.get("industry_chain") for n in nominations])
    talent["trades"] = _unique([h.get("trade") for h in honours] + [n.get("trade") for n in nominations])
    talent["skill_level"] = highest(
        [level for h in honours
         for level in (h.get("skill_level_on_entry"), h.get("promotion_level"), h.get("certificate_level"))]
        + [n.get("skill_level") for n in nominations])
    talent["certificates"] = [
        {"level": h["certificate_level"], "trade": h.get("trade"), "competition_id": h["competition_id"],
         "event_id": h["event_id"], "competition_name": h.get("competition_name"), "year": h.get("year")}
        for h in honours if h.get("certificate_level")]
    talent["units"] = _unique(h.get("organising_unit") for h in honours)
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
    """Reasons the talent belongs in the pool today: admitting honours and admitted nominations."""
    reasons = [admission_reason(policy, h) for h in talent["honours"]]
    reasons += [f"nomination {s['nomination_id']}" for s in talent["sources"] if s["kind"] == NOMINATION]
    return [r for r in reasons if r]


def profile_of(talent):
    return {key: copy.deepcopy(talent.get(key)) for key in PROFILE_FIELDS}


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
    talent = copy.deepcopy(talent) if talent is not None else new_talent(award["person_key"], now)
    before = profile_of(talent)
    previous_status = talent["status"]
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
    talent.update(name=award["name"], employer=award["employer"], region_code=award["region_code"])
    if award.get("id_number_masked"):  # older awards have none: keep what the talent had
        talent["id_number_masked"] = award["id_number_masked"]

    new_reason = admission_reason(policy, honour)
    old_reason = admission_reason(policy, old) if old is not None else None
    action = "award_recorded" if old is None else "award_corrected"
    reason = award.get("correction_reason") if old is not None else None
    admitted = None
    status = talent["status"]
    if new_reason and status in (CANDIDATE, EXPIRED):
        admitted = _admit(talent, new_reason, now, policy)
        action, reason = "admitted", new_reason
    elif new_reason and status == ACTIVE:
        talent["needs_review"] = None
        if old_reason is None:
            _renew(talent, now, policy)
    elif new_reason and status == REMOVED:
        reason = (f"qualifies for admission ({new_reason}) but was removed by a curator; "
                  "re-activating is a curator's decision")
    elif old_reason and status == ACTIVE and not admission_basis(talent, policy):
        # The correction took away what admitted this talent, and nothing else admits it.
        talent["needs_review"] = {"reason": f"the correction of {honour['competition_name']} removed "
                                            f"the award that admitted this talent ({old_reason})",
                                  "since": iso(now)}
        reason = (f"{award.get('correction_reason') or 'corrected'}; kept active, flagged for a "
                  "curator's review: no other honour or nomination admits this talent")
    extra = {"source_event": event_ref,
             "honour": {"competition_id": honour["competition_id"], "event_id": honour["event_id"],
                        "old": _honour_summary(old), "new": _honour_summary(honour)}}
    source = {"kind": COMPETITION, "competition_id": honour["competition_id"],
              "event_id": honour["event_id"], "publication_version": honour["publication_version"]}
    return finish_change(talent, before, previous_status, now, by, action, reason, extra, action, source,
                   admitted)


def apply_nomination(talent, nomination, policy, now, *, by):
    """Admit (or update) the talent of a nomination that passed its last review.

    Idempotent per nomination: a talent that already has it as a source is returned unchanged.
    Reviewers have examined the person, so a passed nomination admits whatever the talent's
    status, including a removed one.
    """
    if has_nomination(talent, nomination["_id"]):
        return talent, []
    talent = copy.deepcopy(talent) if talent is not None else new_talent(nomination["person_key"], now)
    before = profile_of(talent)
    previous_status = talent["status"]
    talent["sources"].append({
        "kind": NOMINATION, "nomination_id": nomination["_id"],
        "industry_chain": nomination["industry_chain"], "trade": nomination["trade"],
        "skill_level": nomination["skill_level"], "employer": nomination["employer"],
        "reason": nomination["reason"], "nominated_by": nomination["nominated_by"],
        "recorded_at": iso(now)})
    talent.update(name=nomination["name"], employer=nomination["employer"],
                  region_code=nomination["region_code"],
                  id_number_masked=nomination["id_number_masked"])
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
