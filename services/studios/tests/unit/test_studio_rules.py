"""The rules of a studio and of an alliance, called directly."""
import pytest

from common.errors import BadRequest, Conflict
from services.studios.domain import alliance as alliances
from services.studios.domain import studio as rules

NOW = "2026-06-01T08:00:00.000+00:00"
TODAY = "2026-06-01"


def person(n):
    return {"person_key": f"{n:032x}", "id_number_encrypted": f"enc-{n}",
            "id_number_masked": f"320***********{n:04d}"}


def member(n, **data):
    return rules.new_member(person(n), {"name": f"成员{n}", **data}, TODAY)


def studio(level="city", founded_on="2020-03-01", members=5):
    lead = member(0)
    data = {"name": "王建国劳模创新工作室", "enterprise": "江苏建湖机床厂", "industry_chain": "装备制造",
            "region_code": "320925", "level": level, "founded_on": founded_on,
            "lead": {"honour": "市级劳动模范"}}
    return rules.new_studio(data, lead, [member(n) for n in range(1, members)], "jianhu-union",
                            "reviewer-1", NOW, TODAY)


def test_a_new_studio_is_active_led_by_one_of_its_members():
    made = studio()

    assert made["status"] == rules.ACTIVE
    assert rules.lead_of(made)["name"] == "成员0"
    assert len(made["members"]) == 5


def test_a_national_studio_needs_three_years_of_operation():
    with pytest.raises(BadRequest) as refused:
        studio(level="national", founded_on="2024-01-01")
    assert "level" in refused.value.fields
    assert studio(level="national", founded_on="2023-06-01")["level"] == "national"


def test_a_founding_date_in_the_future_is_refused():
    with pytest.raises(BadRequest) as refused:
        studio(founded_on="2027-01-01")
    assert "founded_on" in refused.value.fields


def test_the_same_person_twice_is_refused_when_registering_and_when_joining():
    made = studio()
    with pytest.raises(Conflict):
        rules.add_members(made, [member(3)])
    with pytest.raises(BadRequest):
        rules.add_members(made, [member(7), member(7)])
    assert len(rules.add_members(made, [member(7)])["members"]) == 6


def test_a_member_who_leaves_is_kept_among_former_members_but_the_lead_cannot_leave():
    made = studio()
    leaving = made["members"][2]["member_id"]

    after = rules.remove_member(made, leaving, "调岗", TODAY)

    assert leaving not in [m["member_id"] for m in after["members"]]
    assert after["former_members"][0]["left_because"] == "调岗"
    with pytest.raises(Conflict):
        rules.remove_member(made, made["lead"]["member_id"], "退休", TODAY)
    assert len(made["members"]) == 5  # the input is left as it was


def test_a_change_of_lead_names_a_current_member():
    made = studio()
    successor = made["members"][1]["member_id"]

    assert rules.change_lead(made, successor, "市级工匠")["lead"]["member_id"] == successor
    with pytest.raises(BadRequest):
        rules.change_lead(made, "mbr-000000000000", "市级工匠")
    with pytest.raises(Conflict):
        rules.change_lead(made, made["lead"]["member_id"], "市级工匠")


def test_status_changes_follow_the_lifecycle_and_an_ended_studio_changes_no_more():
    made = studio()
    suspended, _ = rules.change_status(made, rules.SUSPENDED, "整改")
    active, _ = rules.change_status(suspended, rules.ACTIVE, "整改完成")
    ended, announced = rules.change_status(active, rules.REVOKED, "企业关闭")

    assert ended["status"] == rules.REVOKED and announced == []
    with pytest.raises(Conflict):
        rules.change_status(ended, rules.ACTIVE, "重新开始")
    with pytest.raises(Conflict):
        rules.add_members(ended, [member(9)])


def rating(rating_id="rtg-1", stars=4, points=84.0):
    return {"rating_id": rating_id, "stars": stars, "round_id": "rnd-1", "round_name": "2026年度评定",
            "points": points}


def test_a_rated_studio_that_ends_loses_its_stars_naturally():
    made, announced = rules.rated(studio(), rating())
    assert announced == [{"type": "studio.rated"}]

    ended, announced = rules.change_status(made, rules.REVOKED, "领衔人退休")

    assert ended["rating"]["stars"] == 0
    assert announced == [{"type": "studio.rating_revoked", "kind": "natural", "reason": "领衔人退休",
                          "stars_before": 4, "rating_id": "rtg-1"}]


def test_stars_are_ordered_off_only_where_there_are_stars():
    with pytest.raises(Conflict):
        rules.revoke_stars(studio(), "ordered", "安全事故")
    made, _ = rules.rated(studio(), rating(stars=3))
    revoked, announced = rules.revoke_stars(made, "ordered", "安全事故")
    assert revoked["rating"]["revoked"] == {"kind": "ordered", "reason": "安全事故"}
    assert announced[0]["stars_before"] == 3


def test_the_same_rating_applied_again_changes_nothing():
    made, _ = rules.rated(studio(), rating(stars=3))
    assert rules.rated(made, rating(stars=3)) == (made, [])
    assert rules.rated(made, rating(stars=3))[0] is made


def test_a_re_evaluation_below_every_star_revokes_automatically():
    made, _ = rules.rated(studio(), rating(stars=3))

    after, announced = rules.rated(made, rating("rtg-2", stars=0, points=41.5))

    assert after["rating"]["revoked"]["kind"] == "automatic"
    assert announced[0]["kind"] == "automatic" and announced[0]["rating_id"] == "rtg-1"
    assert announced[0]["stars_before"] == 3


def test_a_first_rating_with_no_star_is_recorded_quietly():
    after, announced = rules.rated(studio(), rating(stars=0, points=30.0))
    assert after["rating"]["stars"] == 0 and announced == []


def alliance():
    return alliances.new_alliance({"name": "建湖装备制造创新工作室联盟", "members": ["a", "b", "c"],
                                   "convenor": "a"}, "jianhu-union", NOW)


def test_an_alliance_joins_at_least_two_studios_and_is_convened_by_a_member():
    with pytest.raises(BadRequest):
        alliances.new_alliance({"name": "x", "members": ["a", "a"], "convenor": "a"}, "u", NOW)
    with pytest.raises(BadRequest):
        alliances.new_alliance({"name": "x", "members": ["a", "b"], "convenor": "z"}, "u", NOW)
    assert alliance()["convenor"] == "a"


def test_the_convenor_rotates_and_the_terms_are_kept():
    rotated = alliances.rotate_convenor(alliance(), "b", "2027-01-01T00:00:00.000+00:00")

    assert rotated["convenor"] == "b"
    assert [(t["studio_id"], t["until"]) for t in rotated["convenors"]] == [
        ("a", "2027-01-01T00:00:00.000+00:00"), ("b", None)]
    with pytest.raises(Conflict):
        alliances.leave(rotated, "b")


def test_joint_projects_are_between_member_studios():
    with pytest.raises(BadRequest):
        alliances.add_project(alliance(), {"title": "t", "studio_ids": ["a", "z"], "started_on": TODAY})
    changed, project = alliances.add_project(alliance(), {"title": "主轴联合攻关", "studio_ids": ["a", "b"],
                                                          "started_on": TODAY})
    assert changed["projects"] == [project]
    left = alliances.leave(changed, "b")
    assert left["projects"][0]["studio_ids"] == ["a"]
