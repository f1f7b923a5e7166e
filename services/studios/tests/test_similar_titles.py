"""The near-duplicate index on the embedded store: what a check finds, across studios and within
a scope, how key frequencies are kept, and how the plan stays within its budget."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.storage import open_database
from services.studios.domain.titles import dice, min_overlap
from services.studios.similar_titles import TITLE_KEYS, TitleIndex, plan_probes

STORED = [
    ("res-1", "std-a", 2024, "3209", "一种数控车床主轴温升补偿装置"),
    ("res-2", "std-b", 2025, "3209", "数控车床主轴温升补偿装置的改造"),
    ("res-3", "std-c", 2025, "3702", "数控车床主轴温升补偿方法"),
    ("res-4", "std-a", 2025, "3209", "焊接机器人焊缝气孔控制方法"),
    ("res-5", "std-d", 2023, "3209", "关于降低螺杆空压机能耗的建议"),
]


def result(result_id, studio_id, year, city, title):
    return {"_id": result_id, "studio_id": studio_id, "year": year, "city": city, "title": title,
            "description": "工作室成员经反复试验提出改进方案并实施", TITLE_KEYS: TitleIndex.keys_for(title)}


@pytest.fixture
def index(tmp_path):
    return TitleIndex(open_database({"DATA_DIR": str(tmp_path)}, "studios")["results"])


@pytest.fixture
def stored(index):
    documents = [result(*row) for row in STORED]
    index.collection.insert_many(documents)
    index.counted(added=[document["title"] for document in documents])
    return index


def test_a_mistyped_title_finds_the_results_it_copies_across_studios_most_similar_first(stored):
    found = stored.find_similar("数控车床主轴温升补尝装置")  # 偿 mistyped
    assert [m["result_id"] for m in found] == ["res-1", "res-2", "res-3"]
    assert set(found[0]) == {"result_id", "title", "studio_id", "similarity"}
    assert found[0]["studio_id"] == "std-a" and found[0]["title"] == "一种数控车床主轴温升补偿装置"
    assert 0.6 <= found[-1]["similarity"] <= found[0]["similarity"] < 1


def test_the_result_being_checked_is_not_its_own_duplicate(stored):
    found = stored.find_similar("数控车床主轴温升补偿装置的改造", exclude_id="res-2")
    assert "res-2" not in [m["result_id"] for m in found]
    assert found[0]["result_id"] == "res-1"


def test_a_scope_limits_the_candidates_limit_and_threshold_the_answer(stored):
    title = "数控车床主轴温升补偿装置"
    assert [m["result_id"] for m in stored.find_similar(title, scope={"city": "3702"})] == ["res-3"]
    assert [m["result_id"] for m in stored.find_similar(title, scope={"year": {"$gte": 2025}})] == ["res-2", "res-3"]
    assert [m["result_id"] for m in stored.find_similar(title, limit=1)] == ["res-1"]
    assert [m["result_id"] for m in stored.find_similar(title, threshold=0.95)] == ["res-1"]
    assert stored.find_similar("铝合金轮毂气孔治理") == []
    assert stored.find_similar("《》") == []


def test_frequencies_follow_added_changed_and_removed_titles(stored):
    assert stored.frequencies(["数控", "焊接", "从未有过"]) == {"数控": 3, "焊接": 1}
    # res-4 is retitled, then res-5 removed.
    stored.counted(added=["数控铣床工作台改造"], removed=["焊接机器人焊缝气孔控制方法"])
    stored.counted(removed=["关于降低螺杆空压机能耗的建议"])
    assert stored.frequencies(["数控", "焊接", "铣床", "空压"]) == {"数控": 4, "焊接": 0, "铣床": 1, "空压": 0}


def test_a_recount_gives_what_counting_each_change_gave(stored):
    before = stored.frequencies(TitleIndex.keys_for("".join(row[4] for row in STORED)))
    stored.counts.update_one({"_id": "数控"}, {"$inc": {"n": 40}})  # drifted
    stored.recount()
    after = stored.frequencies(TitleIndex.keys_for("".join(row[4] for row in STORED)))
    assert after == {key: n for key, n in before.items() if n} and after["数控"] == 3


def test_common_words_cost_within_the_budget_and_the_rare_ones_still_find_the_copy(index):
    common = [result(f"res-c{n}", "std-x", 2025, "3209", f"数控车床主轴改造{n}号") for n in range(60)]
    copy_of = result("res-rare", "std-y", 2025, "3209", "数控车床主轴聚晶金刚石复合片改造")
    index.collection.insert_many(common + [copy_of])
    index.counted(added=[document["title"] for document in common + [copy_of]])
    index.budget = 10
    # Its nine keys from 聚晶金刚石复合片 are enough: a title of 15 keys sharing none of them
    # shares at most 6, and a similarity of 0.6 needs 7.
    probes, estimated, exhaustive = index.plan("数控车床主轴聚晶金刚石复合片改造")
    assert exhaustive and estimated == 9 and len(probes) == 9 and "数控" not in probes
    found = index.find_similar("数控车床主轴聚晶金刚右复合片改造")  # 石 mistyped
    assert [m["result_id"] for m in found] == ["res-rare"]


def test_the_candidates_read_are_cut_at_the_maximum(index):
    documents = [result(f"res-{n:03d}", "std-x", 2025, "3209", "数控车床主轴改造") for n in range(30)]
    index.collection.insert_many(documents)
    index.counted(added=[document["title"] for document in documents])
    index.max_candidates = 7
    assert len(index.find_similar("数控车床主轴改造", limit=100)) == 7


keys = st.sets(st.sampled_from([f"k{n}" for n in range(14)]), min_size=1, max_size=14)


@given(keys, keys, st.dictionaries(st.sampled_from([f"k{n}" for n in range(14)]), st.integers(0, 50)),
       st.sampled_from([0.4, 0.6, 0.8]))
def test_an_exhaustive_plan_misses_nothing_similar_enough(query, other, frequencies, threshold):
    probes, estimated, exhaustive = plan_probes(sorted(query), frequencies, threshold, budget=10**6)
    assert exhaustive and estimated == sum(frequencies.get(key, 0) for key in probes)
    assert len(query) - len(probes) < min_overlap(len(query), threshold)
    if dice(query, other) >= threshold:
        assert set(probes) & other


@given(keys, st.dictionaries(st.sampled_from([f"k{n}" for n in range(14)]), st.integers(0, 50)),
       st.integers(0, 60))
def test_a_plan_asks_for_the_rarest_keys_within_its_budget(query, frequencies, budget):
    probes, estimated, _ = plan_probes(sorted(query), frequencies, 0.6, budget)
    # Within the budget, unless the keys before the last would bring less than a quarter of it
    # (the rarest key is always asked for).
    before_last = estimated - frequencies.get(probes[-1], 0)
    assert estimated <= budget or len(probes) == 1 or before_last < budget / 4
    left = [frequencies.get(key, 0) for key in query if key not in probes]
    assert not left or max(frequencies.get(key, 0) for key in probes) <= min(left)
