"""What callers are shown: stored documents shaped for the api's response schemas.

ID numbers appear only masked; person keys and encrypted numbers never leave the service. The
history of a studio, alliance or result is shown to the union and the studio's own lead, a
round's to the union; who filed an objection, to admins alone.
"""
from services.studios import access
from services.studios.domain.kinds import KIND_NAMES
from services.studios.domain.results import allowed_actions
from services.studios.domain.studio import lead_of

MEMBER_FIELDS = ("member_id", "name", "id_number_masked", "position", "enterprise_head", "joined_on")
RATING_FIELDS = ("rating_id", "round_id", "round_name", "year", "stars", "points", "outcome",
                 "effective_at", "revoked")


def _member(member):
    view = {key: member[key] for key in MEMBER_FIELDS if key in member}
    for key in ("left_on", "left_because"):
        if key in member:
            view[key] = member[key]
    return view


def history_view(document):
    return [{key: entry[key] for key in ("at", "by", "role", "action") if key in entry}
            | ({"reason": entry["reason"]} if entry.get("reason") else {})
            | ({"details": entry["details"]} if entry.get("details") else {})
            for entry in document.get("history", ())]


def stars_of(studio):
    return (studio.get("rating") or {}).get("stars") or 0


def rating_summary(studio):
    rating = studio.get("rating")
    return {key: rating[key] for key in RATING_FIELDS if key in rating} if rating else None


def studio_view(studio, caller, summary=False):
    lead = lead_of(studio)
    view = {
        "id": studio["_id"], "name": studio["name"], "unit": studio["unit"],
        "enterprise": studio["enterprise"], "industry_chain": studio["industry_chain"],
        "region_code": studio["region_code"], "level": studio["level"],
        "founded_on": studio["founded_on"], "description": studio.get("description", ""),
        "lead": {"member_id": lead["member_id"], "name": lead["name"],
                 "honour": studio["lead"]["honour"]},
        "status": studio["status"], "status_reason": studio.get("status_reason"),
        "stars": stars_of(studio), "rating": rating_summary(studio),
        "member_count": len(studio["members"]), "revision": studio["revision"],
    }
    if summary:
        return view
    view["members"] = [_member(m) for m in studio["members"]]
    view["former_members"] = [_member(m) for m in studio.get("former_members", ())]
    if access.is_union(caller) or access.is_lead_of(caller, studio["_id"]):
        view["history"] = history_view(studio)
    return view


def public_studio_view(studio):
    rating = studio["rating"]
    return {"id": studio["_id"], "name": studio["name"], "enterprise": studio["enterprise"],
            "industry_chain": studio["industry_chain"], "region_code": studio["region_code"],
            "level": studio["level"], "lead_name": lead_of(studio)["name"],
            "lead_honour": studio["lead"]["honour"], "stars": rating["stars"],
            "round_name": rating["round_name"], "year": rating["year"]}


def alliance_view(alliance, caller):
    view = {key: alliance[key] for key in ("name", "unit", "description", "members", "convenor",
                                           "convenors", "projects", "revision")}
    view["id"] = alliance["_id"]
    if access.is_union(caller):
        view["history"] = history_view(alliance)
    return view


def result_view(result, caller):
    view = {
        "id": result["_id"], "kind_name": KIND_NAMES[result["kind"]],
        **{key: result[key] for key in (
            "studio_id", "studio_name", "enterprise", "kind", "title", "description", "achieved_on",
            "year", "details", "patent_number", "economic_benefit", "people_trained", "converted",
            "prior_award_level", "ip_dispute", "evidence", "status", "reviews", "duplicate_of",
            "near_duplicates", "created_at", "revision")},
        "authors": [{key: a[key] for key in ("member_id", "name", "id_number_masked")}
                    for a in result["authors"]],
        "allowed_actions": _actions_for(result, caller),
    }
    if result.get("verified_at"):
        view["verified_at"] = result["verified_at"]
    return view


def _actions_for(result, caller):
    actions = allowed_actions(result)
    if access.is_lead_of(caller, result["studio_id"]):
        return [a for a in actions if a in ("edit", "submit", "resubmit")]
    if access.is_union(caller) and caller.enterprise != result["enterprise"]:
        return [a for a in actions if a not in ("edit", "submit", "resubmit")]
    return []


def round_view(round_, counts, caller):
    view = {key: round_[key] for key in ("name", "unit", "year", "period", "notice_days", "status",
                                         "notice", "rubric", "thresholds", "revision")}
    view.update(id=round_["_id"], studio_count=len(round_["studio_ids"]), counts=counts)
    if access.is_union(caller):
        view["history"] = history_view(round_)
    return view


def rating_view(rating, caller):
    view = {key: rating[key] for key in ("round_id", "studio_id", "studio_name", "status",
                                         "proposal", "effective_at", "revision")}
    view["id"] = rating["_id"]
    if rating.get("withdrawn"):
        view["withdrawn"] = rating["withdrawn"]
    if access.is_union(caller) or access.is_lead_of(caller, rating["studio_id"]):
        view["panel_scores"] = rating["panel_scores"]
        view["objections"] = [
            {key: o[key] for key in ("objection_id", "filed_at", "text", "answer")}
            # The objector's identity is confidential: admins alone may need to contact them.
            | ({"filer": o["filer"]} if caller.is_admin else {})
            for o in rating["objections"]]
    return view
