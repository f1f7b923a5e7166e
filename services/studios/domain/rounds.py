"""A yearly rating round (星级评定) run by a union, and each studio's rating in it.

A round document::

    {"_id": "rnd-...", "unit", "name", "year", "period": {"from", "to"}, "notice_days",
     "rubric", "thresholds",          # as configured when the round opened: the round keeps them
     "status": "open" | "notice" | "closed", "studio_ids": [...],
     "notice": None | {"opens_at", "closes_at"}, "effect_claim": None | {"by", "until"},
     "revision", "history", "created_at"}

A rating document, one per studio and round (``_id`` = ``rating_id_of(round, studio)``)::

    {"_id", "round_id", "studio_id", "studio_name", "unit", "enterprise",
     "panel_scores": {item code: [{"expert", "score"}]},
     "proposal": None | {"points", "stars", "categories", "items", "previous_stars", "outcome"},
     "status": "draft" | "proposed" | "effective" | "withdrawn",
     "objections": [{"objection_id", "filed_at", "filer" (kept confidential), "text",
                     "answer": None | {"decision", "text", "by", "at"}}],
     "effective_at", "revision", "history"}

The round's life: open (panel scores entered, proposals computed and recomputed) -> notice (公示:
the proposals are public for ``notice_days``; signed objections may be filed until it closes) ->
closed (every rating took effect or was withdrawn). A proposed rating stays proposed through the
notice (so the round's notice is one write, whatever its size). A rating takes effect once the notice has
closed and every objection on it is answered; an objection upheld withdraws the proposal (the
studio keeps what it had). Time comes in as an argument; instants are ISO strings in UTC.
"""
import copy
import datetime

from common.errors import BadRequest, Conflict
from common.ids import new_id

OPEN, NOTICE, CLOSED = "open", "notice", "closed"
DRAFT, PROPOSED, EFFECTIVE, WITHDRAWN = "draft", "proposed", "effective", "withdrawn"
SETTLED = (EFFECTIVE, WITHDRAWN)
DISMISSED, UPHELD = "dismissed", "upheld"
DEFAULT_NOTICE_DAYS = 7


def _instant(value):
    return datetime.datetime.fromisoformat(value)


def _iso(instant):
    return instant.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds")


def rating_id_of(round_id, studio_id):
    return f"rtg-{round_id}-{studio_id}"


def new_round(data, studio_ids, rubric, thresholds, now):
    period = data["period"]
    if period["from"] > period["to"]:
        raise BadRequest("the rating period ends before it starts", {"period.to": ["before period.from"]})
    if not studio_ids:
        raise BadRequest("the union has no active studio to rate", {"unit": ["no active studio"]})
    return {"_id": new_id("rnd"), "unit": data["unit"], "name": data["name"], "year": data["year"],
            "period": dict(period), "notice_days": data.get("notice_days") or DEFAULT_NOTICE_DAYS,
            # Stored with text keys, as documents have them.
            "rubric": rubric, "thresholds": {str(stars): points for stars, points in thresholds.items()},
            "status": OPEN,
            "studio_ids": list(studio_ids), "notice": None, "effect_claim": None,
            "revision": 1, "history": [], "created_at": now}


def thresholds_of(round_):
    """The round's thresholds, stars to the least points, as the rating arithmetic takes them."""
    return {int(stars): points for stars, points in round_["thresholds"].items()}


def new_rating(round_, studio):
    return {"_id": rating_id_of(round_["_id"], studio["_id"]), "round_id": round_["_id"],
            "studio_id": studio["_id"], "studio_name": studio["name"], "unit": studio["unit"],
            "enterprise": studio["enterprise"], "panel_scores": {}, "proposal": None,
            "status": DRAFT, "objections": [], "effective_at": None, "revision": 1, "history": []}


def require_open(round_):
    if round_["status"] != OPEN:
        raise Conflict(f"the round is {round_['status']}: its ratings are fixed",
                       {"status": ["scores and proposals change only while the round is open"]})


def panel_items(rubric):
    return {item["code"]: item for category in rubric["categories"] for item in category["items"]
            if item["rule"]["kind"] == "panel"}


def record_panel_scores(round_, rating, item_code, scores):
    """``rating`` with the experts' ``scores`` ([{"expert", "score"}]) for the panel item."""
    require_open(round_)
    items = panel_items(round_["rubric"])
    if item_code not in items:
        raise BadRequest(f"{item_code} is not a panel item of this round's rubric",
                         {"item": [f"one of {', '.join(items) or 'none'}"]})
    maximum = items[item_code]["max_points"]
    faults = {f"scores.{i}.score": [f"from 0 to {maximum}"]
              for i, s in enumerate(scores) if not 0 <= s["score"] <= maximum}
    if len({s["expert"] for s in scores}) != len(scores):
        faults["scores"] = ["one score per expert"]
    if faults:
        raise BadRequest("the panel scores are out of bounds", faults)
    changed = copy.deepcopy(rating)
    changed["panel_scores"][item_code] = [dict(s) for s in scores]
    return changed


def propose(round_, rating, computed, outcome, previous_stars):
    """``rating`` with the proposal ``computed`` (the rating arithmetic's breakdown)."""
    require_open(round_)
    changed = copy.deepcopy(rating)
    changed["proposal"] = {**computed, "previous_stars": previous_stars, "outcome": outcome}
    changed["status"] = PROPOSED
    return changed


MAX_NOTICE_DAYS = 30


def open_notice(round_, ratings, now, closes_at=None):
    """The round in public notice from ``now`` until ``closes_at`` (default: its notice days
    later); every studio of the round must have its proposed rating."""
    require_open(round_)
    proposed = {r["studio_id"] for r in ratings if r["status"] == PROPOSED}
    unproposed = [studio_id for studio_id in round_["studio_ids"] if studio_id not in proposed]
    if unproposed:
        raise Conflict("every studio needs its proposed rating before the notice",
                       {"studio_ids": [f"not proposed: {', '.join(unproposed[:20])}"]})
    changed = copy.deepcopy(round_)
    if closes_at is None:
        closes = _instant(now) + datetime.timedelta(days=changed["notice_days"])
    else:
        try:
            closes = _instant(closes_at)
        except ValueError:
            raise BadRequest("closes_at is not an instant", {"closes_at": ["ISO 8601, with its zone"]}) from None
        if closes.tzinfo is None or not (
                _instant(now) < closes <= _instant(now) + datetime.timedelta(days=MAX_NOTICE_DAYS)):
            raise BadRequest("the notice closes after it opens, within 30 days",
                             {"closes_at": [f"after now, at most {MAX_NOTICE_DAYS} days ahead, with its zone"]})
    changed["status"] = NOTICE
    changed["notice"] = {"opens_at": now, "closes_at": _iso(closes)}
    return changed


def notice_is_open(round_, now):
    return round_["status"] == NOTICE and _instant(now) < _instant(round_["notice"]["closes_at"])


def seconds_to_close(round_, now):
    """How long until the round's notice closes (0 once it has)."""
    return max(0.0, (_instant(round_["notice"]["closes_at"]) - _instant(now)).total_seconds())


def file_objection(round_, rating, filer, text, now):
    """``(rating, objection)``: a signed objection filed during the notice. ``filer`` is who
    signed it (kept, never shown but to admins)."""
    if not notice_is_open(round_, now):
        raise Conflict("objections are filed while the public notice is open",
                       {"text": ["the notice is not open" if round_["status"] != NOTICE
                                 else f"the notice closed at {round_['notice']['closes_at']}"]})
    changed = copy.deepcopy(rating)
    objection = {"objection_id": new_id("obj"), "filed_at": now, "filer": dict(filer),
                 "text": text, "answer": None}
    changed["objections"].append(objection)
    return changed, objection


def answer_objection(rating, objection_id, decision, text, by, now):
    """``rating`` with the objection answered; upheld, the proposal is withdrawn."""
    if rating["status"] in SETTLED:
        raise Conflict(f"the rating is {rating['status']}: its objections are closed",
                       {"objection_id": ["the rating is settled"]})
    changed = copy.deepcopy(rating)
    for objection in changed["objections"]:
        if objection["objection_id"] == objection_id:
            if objection["answer"] is not None:
                raise Conflict("the objection is already answered", {"objection_id": ["answered"]})
            objection["answer"] = {"decision": decision, "text": text, "by": by, "at": now}
            if decision == UPHELD:
                changed["status"] = WITHDRAWN
            return changed
    raise BadRequest(f"no objection {objection_id} on this rating", {"objection_id": ["unknown"]})


def unanswered(rating):
    return [o for o in rating["objections"] if o["answer"] is None]


def is_due(round_, rating, now):
    """True when ``rating`` should take effect now: its notice closed, nothing left unanswered."""
    return (round_["status"] == NOTICE and rating["status"] == PROPOSED
            and not notice_is_open(round_, now) and not unanswered(rating))


def in_effect(round_, rating, now):
    """``(rating, the studio's rating record)`` once ``rating`` takes effect."""
    # Only top-level fields change: a shallow copy leaves the rating given as it was, without
    # copying its breakdown (a round puts a thousand of them into effect at once).
    changed = {**rating, "status": EFFECTIVE, "effective_at": now}
    proposal = rating["proposal"]
    record = {"rating_id": rating["_id"], "round_id": round_["_id"], "round_name": round_["name"],
              "year": round_["year"], "stars": proposal["stars"], "points": proposal["points"],
              "outcome": proposal["outcome"], "previous_stars": proposal["previous_stars"],
              "categories": proposal["categories"], "effective_at": now}
    return changed, record


def withdrawn(rating, reason, now):
    """``rating`` withdrawn without taking effect: its studio ended before the notice closed."""
    changed = copy.deepcopy(rating)
    changed.update(status=WITHDRAWN, withdrawn={"reason": reason, "at": now})
    return changed


def claim(round_, holder, now, lease_seconds):
    """The round claimed by ``holder`` for its effect job until the lease ends; None when another
    holder's lease is still running."""
    held = round_.get("effect_claim")
    if held and held["by"] != holder and _instant(held["until"]) > _instant(now):
        return None
    changed = copy.deepcopy(round_)
    changed["effect_claim"] = {"by": holder,
                               "until": _iso(_instant(now) + datetime.timedelta(seconds=lease_seconds))}
    return changed


def closed(round_, ratings):
    """The round closed once every rating is settled; None while some are not."""
    if any(r["status"] not in SETTLED for r in ratings):
        return None
    changed = copy.deepcopy(round_)
    changed["status"] = CLOSED
    changed["effect_claim"] = None
    return changed
