"""An alliance of studios (创新工作室联盟) across regions, industries and enterprises.

An alliance document::

    {"_id": "aln-...", "name", "unit", "description",
     "members": [studio ids], "convenor": studio id (盟主, one of the members),
     "convenors": [{"studio_id", "from", "until"}],   # the rotation so far
     "projects": [{"project_id", "title", "description", "studio_ids", "started_on"}],
     "revision", "history", "created_at"}

"1 + N" is the common shape: a convening studio and N member studios. The convenor rotates by an
explicit step; every member of a joint project is a member of the alliance.
"""
import copy

from common.errors import BadRequest, Conflict
from common.ids import new_id

MIN_MEMBERS = 2


def new_alliance(data, unit, now):
    members = list(dict.fromkeys(data["members"]))
    if len(members) < MIN_MEMBERS:
        raise BadRequest("an alliance joins at least two studios",
                         {"members": [f"at least {MIN_MEMBERS} different studios"]})
    if data["convenor"] not in members:
        raise BadRequest("the convening studio must be a member", {"convenor": ["not among members"]})
    return {"_id": new_id("aln"), "name": data["name"], "unit": unit,
            "description": data.get("description") or "", "members": members,
            "convenor": data["convenor"], "convenors": [{"studio_id": data["convenor"], "from": now,
                                                        "until": None}],
            "projects": [], "revision": 1, "history": [], "created_at": now}


def join(alliance, studio_id):
    if studio_id in alliance["members"]:
        raise Conflict("the studio is already a member", {"studio_id": ["already a member"]})
    changed = copy.deepcopy(alliance)
    changed["members"].append(studio_id)
    return changed


def leave(alliance, studio_id):
    if studio_id not in alliance["members"]:
        raise BadRequest("not a member of this alliance", {"studio_id": ["not a member"]})
    if studio_id == alliance["convenor"]:
        raise Conflict("the convening studio cannot leave: rotate the convenor first",
                       {"studio_id": ["is the convenor"]})
    if len(alliance["members"]) <= MIN_MEMBERS:
        raise Conflict("an alliance keeps at least two studios", {"studio_id": ["last but one"]})
    changed = copy.deepcopy(alliance)
    changed["members"].remove(studio_id)
    for project in changed["projects"]:
        if studio_id in project["studio_ids"]:
            project["studio_ids"].remove(studio_id)
    return changed


def rotate_convenor(alliance, studio_id, now):
    if studio_id not in alliance["members"]:
        raise BadRequest("the convening studio must be a member", {"studio_id": ["not a member"]})
    if studio_id == alliance["convenor"]:
        raise Conflict("this studio already convenes the alliance", {"studio_id": ["already convenor"]})
    changed = copy.deepcopy(alliance)
    changed["convenors"][-1]["until"] = now
    changed["convenors"].append({"studio_id": studio_id, "from": now, "until": None})
    changed["convenor"] = studio_id
    return changed


def add_project(alliance, data):
    studio_ids = list(dict.fromkeys(data["studio_ids"]))
    outside = [s for s in studio_ids if s not in alliance["members"]]
    if outside:
        raise BadRequest("a joint project's studios are members of the alliance",
                         {"studio_ids": [f"not members: {', '.join(outside)}"]})
    if len(studio_ids) < MIN_MEMBERS:
        raise BadRequest("a joint project joins at least two studios",
                         {"studio_ids": [f"at least {MIN_MEMBERS} studios"]})
    changed = copy.deepcopy(alliance)
    project = {"project_id": new_id("prj"), "title": data["title"],
               "description": data.get("description") or "", "studio_ids": studio_ids,
               "started_on": data["started_on"]}
    changed["projects"].append(project)
    return changed, project
