"""Search keys: the indexed query finds exactly the talents the filters describe."""
from hypothesis import given, settings
from hypothesis import strategies as st

from common.vocabulary import SKILL_LEVELS, level_rank
from services.talent_pool.domain.search_keys import conditions, keys_of, query

CHAINS = ["装备制造", "汽车制造", "机器人"]
TRADES = ["数控车工", "电焊工", "钳工"]
STATUSES = ["candidate", "active", "expired", "removed"]

talents = st.fixed_dictionaries({
    "industry_chains": st.lists(st.sampled_from(CHAINS), unique=True, max_size=2),
    "trades": st.lists(st.sampled_from(TRADES), unique=True, max_size=2),
    "skill_level": st.sampled_from((None,) + SKILL_LEVELS),
    "status": st.sampled_from(STATUSES),
    "region_code": st.sampled_from(["320925", "320981", "370902", ""]),
    "employer": st.sampled_from(["江苏建湖机床厂", "泰安重工"]),
    "name": st.sampled_from(["王建国", "李娜"]),
    "honours": st.lists(st.fixed_dictionaries({
        "prize": st.sampled_from([None, "first", "second"]),
        "prize_name": st.none(), "titles": st.sampled_from([[], ["技术能手"]])}), max_size=2),
    "units": st.lists(st.sampled_from(["u1", "u2"]), unique=True, max_size=2),
    "needs_review": st.sampled_from([None, {"reason": "r"}]),
})
filters = st.fixed_dictionaries({}, optional={
    "industry_chain": st.sampled_from(CHAINS), "trade": st.sampled_from(TRADES),
    "skill_level": st.sampled_from(SKILL_LEVELS), "min_skill_level": st.sampled_from(SKILL_LEVELS),
    "region": st.sampled_from(["32", "3209", "320925", "37"]),
    "employer": st.sampled_from(["江苏建湖机床厂", "泰安重工"]), "name": st.sampled_from(["王建国"]),
    "honour": st.sampled_from(["first", "技术能手"]), "unit": st.sampled_from(["u1"]),
    "needs_review": st.booleans(), "status": st.sampled_from(STATUSES + ["all"])})


def evaluate(condition, keys):
    """The few MongoDB operators ``query`` uses, over a talent's keys."""
    for field, test in condition.items():
        if field == "$and":
            if not all(evaluate(part, keys) for part in test):
                return False
        elif field == "$or":
            if not any(evaluate(part, keys) for part in test):
                return False
        elif isinstance(test, dict):
            for operator, value in test.items():
                if operator == "$eq" and value not in keys:
                    return False
                if operator == "$in" and not set(value) & set(keys):
                    return False
                if operator == "$all" and not set(value) <= set(keys):
                    return False
        elif test not in keys:
            return False
    return True


def described(talent, f):
    level = talent["skill_level"]
    honours = {v for h in talent["honours"] for v in [h["prize"], *h["titles"]] if v}
    return all([
        f.get("industry_chain") in (None, *talent["industry_chains"]),
        f.get("trade") in (None, *talent["trades"]),
        "skill_level" not in f or level == f["skill_level"],
        "skill_level" in f or "min_skill_level" not in f
        or (level is not None and level_rank(level) >= level_rank(f["min_skill_level"])),
        "region" not in f or (len(talent["region_code"]) >= len(f["region"])
                              and talent["region_code"].startswith(f["region"])),
        f.get("employer") in (None, talent["employer"]),
        f.get("name") in (None, talent["name"]),
        "honour" not in f or f["honour"] in honours,
        "unit" not in f or f["unit"] in talent["units"],
        not f.get("needs_review") or bool(talent["needs_review"]),
        f.get("status", "all") in ("all", talent["status"]),
    ])


@settings(max_examples=400, deadline=None)
@given(talents, filters)
def test_the_query_matches_exactly_the_talents_the_filters_describe(talent, f):
    assert evaluate(query(f), keys_of(talent)) == described(talent, f)


def test_the_most_selective_condition_goes_to_the_index():
    q = query({"industry_chain": "装备制造", "trade": "数控车工", "skill_level": "技师", "status": "active",
               "region": "3209"})
    assert q == {"search_keys": {"$eq": "ctl:装备制造|数控车工|技师", "$all": ["r:3209", "s:active"]}}
    at_least = query({"industry_chain": "装备制造", "trade": "数控车工", "min_skill_level": "特级技师"})
    assert at_least == {"search_keys": {"$in": ["ctl:装备制造|数控车工|特级技师", "ctl:装备制造|数控车工|首席技师"]}}
    several = query({"name": "王建国", "min_skill_level": "特级技师"})
    assert several == {"search_keys": {"$eq": "n:王建国"},
                       "$and": [{"$or": [{"search_keys": "l:特级技师"}, {"search_keys": "l:首席技师"}]}]}
    assert query({}) == {}
    assert conditions({"status": "active"}) == [["s:active"]]


def test_a_separator_inside_a_value_cannot_fake_a_combination():
    keys = keys_of({"industry_chains": ["a|b"], "trades": ["c"], "skill_level": None, "status": "active"})
    assert "ct:a/b|c" in keys
    assert query({"industry_chain": "a|b", "trade": "c"}) == {"search_keys": {"$eq": "ct:a/b|c"}}


def test_a_studio_leads_honour_is_found_by_its_family_too():
    talent = {"industry_chains": [], "trades": [], "skill_level": None, "status": "active",
              "region_code": "", "employer": "", "name": "", "honours": [], "units": [],
              "needs_review": None, "studio_honours": [{"lead_honour": "市级劳动模范"},
                                                       {"lead_honour": "省级工匠"}]}

    keys = keys_of(talent)

    assert {"h:市级劳动模范", "h:劳模", "h:省级工匠", "h:工匠"} <= set(keys)
