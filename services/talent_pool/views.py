"""What callers are shown: stored documents shaped for output. No full ID number is ever shown:
a talent or nomination shows the masked number where one is known, never the person key."""
from services.talent_pool.domain.nomination import STAGE_NAMES

HONOUR_SHOWN = ("competition_id", "competition_name", "level", "organising_unit", "year",
                "industry_chain", "event_id", "trade", "rank", "finalists", "prize", "prize_name",
                "titles", "promotion_level", "certificate_level", "publication_version",
                "correction_reason", "recorded_at")
STUDIO_HONOUR_SHOWN = ("studio_id", "studio_name", "level", "enterprise", "industry_chain", "unit",
                       "lead_honour", "rating_id", "round_id", "round_name", "year", "stars",
                       "previous_stars", "outcome", "points", "effective_at", "status",
                       "revocation_kind", "revocation_reason", "revoked_at", "recorded_at")
RESULT_SHOWN = ("result_id", "kind", "kind_name", "title", "achieved_on", "year", "studio_id",
                "studio_name", "industry_chain", "unit", "patent_number", "economic_benefit",
                "people_trained", "author_position", "verified_at", "recorded_at")
# What a search reads of each talent: enough for a result row and an export line.
ROW_FIELDS = {"name": 1, "employer": 1, "region_code": 1, "id_number_masked": 1,
              "industry_chains": 1, "trades": 1, "skill_level": 1, "certificates": 1,
              "honours": 1, "status": 1, "status_reason": 1, "admitted_at": 1, "review_date": 1,
              "needs_review": 1}


def _honour_row(honour):
    return {key: honour.get(key) for key in ("competition_name", "level", "year", "trade",
                                             "prize", "prize_name", "titles")}


def talent_row(talent):
    """A search result: one line of a list or an export."""
    return {
        "id": talent["_id"],
        "name": talent["name"],
        "employer": talent["employer"],
        "region_code": talent["region_code"],
        "industry_chains": talent["industry_chains"],
        "trades": talent["trades"],
        "skill_level": talent["skill_level"],
        "certificates": [c["level"] for c in talent["certificates"]],
        # Only honours that still hold something: a correction can empty one.
        "honours": [_honour_row(h) for h in talent["honours"]
                    if h.get("prize") or h.get("titles")],
        "status": talent["status"],
        "status_reason": talent["status_reason"],
        "admitted_at": talent["admitted_at"],
        "review_date": talent["review_date"],
        "needs_review": bool(talent.get("needs_review")),
    }


def _shown(items, keys):
    return [{key: item.get(key) for key in keys} for item in items or ()]


def talent_view(talent):
    """One talent in full: its honours, studio honours, innovation results and studio
    memberships, sources and history."""
    view = talent_row(talent)
    view.update({
        "id_number": talent.get("id_number_masked"),
        "certificates": talent["certificates"],
        "honours": _shown(talent["honours"], HONOUR_SHOWN),
        "studio_honours": _shown(talent.get("studio_honours"), STUDIO_HONOUR_SHOWN),
        "innovation_results": _shown(talent.get("innovation_results"), RESULT_SHOWN),
        "studio_memberships": list(talent.get("studio_memberships") or ()),
        "needs_review": talent.get("needs_review"),
        "units": talent["units"],
        "sources": talent["sources"],
        "history": talent.get("history", []),
        "created_at": talent["created_at"],
        "revision": talent["revision"],
    })
    return view


def nomination_view(nomination):
    return {
        "id": nomination["_id"],
        "name": nomination["name"],
        "id_number": nomination["id_number_masked"],
        "employer": nomination["employer"],
        "region_code": nomination["region_code"],
        "industry_chain": nomination["industry_chain"],
        "trade": nomination["trade"],
        "skill_level": nomination["skill_level"],
        "reason": nomination["reason"],
        "status": nomination["status"],
        "stage": nomination["stage"],
        "stage_name": STAGE_NAMES.get(nomination["stage"]),
        "reviews": nomination["reviews"],
        "nominated_by": nomination["nominated_by"],
        "nominated_at": nomination["nominated_at"],
        "closed_at": nomination.get("closed_at"),
        "talent_id": nomination.get("talent_id"),
    }
