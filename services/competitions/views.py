"""What callers are shown: stored documents shaped for output, personal data masked.

Blind codes and names are never shown side by side before sign-off: organisers see names, the
jury sees codes; both are revealed together once results are signed off.
"""
from services.competitions.access import is_organiser_of
from services.competitions.domain.lifecycle import PUBLISHED, SIGNED_OFF, allowed_actions

REVEALED = (SIGNED_OFF, PUBLISHED)


def competition_view(competition, caller, summary=False):
    view = {
        "id": competition["_id"],
        "name": competition["name"],
        "level": competition["level"],
        "industry_chain": competition["industry_chain"],
        "organising_unit": competition["organising_unit"],
        "year": competition.get("year"),
        "status": competition["status"],
        "created_at": competition["created_at"],
    }
    if summary:
        view["events"] = [{"id": e["id"], "trade": e["trade"], "name": e["name"]}
                          for e in competition["events"]]
        return view
    organiser = is_organiser_of(caller, competition)
    view.update({
        "description": competition.get("description", ""),
        "officials": competition.get("officials", {}),
        "sign_offs": competition.get("sign_offs", {}),
        "publication": competition.get("publication"),
        "events": [event_view(e, organiser) for e in competition["events"]],
        "allowed_actions": allowed_actions(competition["status"]) if organiser else [],
    })
    if organiser:
        view["history"] = competition.get("history", [])
    return view


def event_view(event, organiser):
    view = {key: event.get(key) for key in
            ("id", "trade", "name", "skill_level", "eligibility", "marking_scheme", "judging",
             "ranking", "awards")}
    # Which enterprise a judge comes from matters to organisers (conflicts of interest), not to others.
    view["judges"] = [judge if organiser else {"judge_id": judge["judge_id"], "name": judge["name"]}
                      for judge in event.get("judges", [])]
    return view


def entry_view(entry, competition_status):
    view = {
        "id": entry["_id"],
        "event_id": entry["event_id"],
        "name": entry["name"],
        "id_number": entry["id_number_masked"],
        "employer": entry["employer"],
        "trade": entry["trade"],
        "skill_level": entry["skill_level"],
        "status": entry["status"],
        "reason": entry.get("reason"),
        "registered_at": entry["registered_at"],
    }
    if competition_status in REVEALED:
        view["code"] = entry["code"]
    return view
