"""The near-duplicate index: what a check finds, across studios and within its scope, how it
follows the results written, that it finds what comparing with every stored title finds, and
how its plan stays within its budget.

Both ways of answering are run on the embedded store: the index kept in memory (as the service
runs on it), and the aggregation MongoDB answers (mongomock runs the same pipeline)."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.storage import open_database
from services.studios.domain.titles import dice, min_overlap, near_duplicates, title_keys
from services.studios.similar_titles import TITLE_KEYS, TitleIndex, plan_probes

IN_SCOPE = {"status": {"$ne": "draft"}}
STORED = [
    ("res-1", "std-a", "verified", "一种数控车床主轴温升补偿装置"),
    ("res-2", "std-b", "submitted", "数控车床主轴温升补偿装置的改造"),
    ("res-3", "std-c", "rejected", "数控车床主轴温升补偿方法"),
    ("res-4", "std-a", "verified", "焊接机器人焊缝气孔控制方法"),
    ("res-5", "std-d", "draft", "一种数控车床主轴温升补偿装置"),
]


def result(result_id, studio_id, status, title):
    return {"_id": result_id, "studio_id": studio_id, "status": status, "title": title,
            "description": "工作室成员经反复试验提出改进方案并实施", TITLE_KEYS: TitleIndex.keys_for(title)}


def in_memory(collection):
    index = TitleIndex(collection, IN_SCOPE)
    index.load()
    return index


def in_the_store(collection):
    """The index as it answers on MongoDB: the store compares."""
    index = TitleIndex(collection, IN_SCOPE)
    index._postings = None
    return index


@pytest.fixture(params=[in_memory, in_the_store], ids=["in memory", "in the store"])
def stored(request, tmp_path):
    collection = open_database({"DATA_DIR": str(tmp_path)}, "studios")["results"]
    collection.insert_many([result(*row) for row in STORED])
    return request.param(collection)


def ids(found):
    return [m["result_id"] for m in found]


def test_a_mistyped_title_finds_the_results_it_copies_across_studios_most_similar_first(stored):
    found = stored.find_similar("数控车床主轴温升补尝装置")  # 偿 mistyped
    assert ids(found) == ["res-1", "res-2", "res-3"]  # never the draft res-5
    assert found[0] == {"result_id": "res-1", "title": "一种数控车床主轴温升补偿装置", "studio_id": "std-a",
                        "similarity": found[0]["similarity"]}
    assert 0.6 <= found[-1]["similarity"] <= found[0]["similarity"] < 1


def test_the_result_being_checked_is_not_its_own_duplicate(stored):
    found = stored.find_similar("数控车床主轴温升补偿装置的改造", exclude_id="res-2")
    assert "res-2" not in ids(found) and found[0]["result_id"] == "res-1"


def test_limit_and_threshold_cut_the_answer(stored):
    title = "数控车床主轴温升补偿装置"
    assert ids(stored.find_similar(title, limit=1)) == ["res-1"]
    assert ids(stored.find_similar(title, threshold=0.95)) == ["res-1"]
    assert stored.find_similar("铝合金轮毂气孔治理") == []
    assert stored.find_similar("《》") == []


def test_ties_are_listed_by_result_id(tmp_path):
    collection = open_database({"DATA_DIR": str(tmp_path)}, "studios")["results"]
    collection.insert_many([result(f"res-{n}", "std-a", "verified", "数控车床主轴改造") for n in (3, 1, 2)])
    for index in (in_memory(collection), in_the_store(collection)):
        assert ids(index.find_similar("数控车床主轴改造", limit=2)) == ["res-1", "res-2"]


def test_the_index_in_memory_follows_every_result_written(tmp_path):
    collection = open_database({"DATA_DIR": str(tmp_path)}, "studios")["results"]
    index = in_memory(collection)
    title = "数控车床主轴温升补偿装置"
    draft = result("res-9", "std-a", "draft", title)
    index.track(draft)
    assert index.find_similar(title) == []  # a draft is its studio's own
    index.track({**draft, "status": "submitted"})
    assert ids(index.find_similar(title)) == ["res-9"]
    retitled = {**draft, "status": "returned", "title": "焊接机器人焊缝气孔控制方法",
                TITLE_KEYS: TitleIndex.keys_for("焊接机器人焊缝气孔控制方法")}
    index.track(retitled)
    assert index.find_similar(title) == [] and ids(index.find_similar("焊接机器人焊缝气孔控制方法")) == ["res-9"]
    index.track({**retitled, "status": "draft"})
    assert index.find_similar("焊接机器人焊缝气孔控制方法") == []


def test_common_words_cost_within_the_budget_and_the_rare_ones_still_find_the_copy(tmp_path):
    collection = open_database({"DATA_DIR": str(tmp_path)}, "studios")["results"]
    common = [result(f"res-c{n}", "std-x", "verified", f"数控车床主轴改造{n}号") for n in range(60)]
    collection.insert_many(common + [result("res-rare", "std-y", "verified", "数控车床主轴聚晶金刚石复合片改造")])
    index = in_memory(collection)
    index.budget = 10
    # Its nine keys from 聚晶金刚石复合片 are enough: a title of 15 keys sharing none of them
    # shares at most 6, and a similarity of 0.6 needs 7.
    probes, estimated, exhaustive = index.plan("数控车床主轴聚晶金刚石复合片改造")
    assert exhaustive and estimated == 9 and len(probes) == 9 and "数控" not in probes
    assert ids(index.find_similar("数控车床主轴聚晶金刚右复合片改造")) == ["res-rare"]  # 石 mistyped


def test_the_candidates_compared_are_cut_at_the_maximum(tmp_path):
    collection = open_database({"DATA_DIR": str(tmp_path)}, "studios")["results"]
    collection.insert_many([result(f"res-{n:03d}", "std-x", "verified", "数控车床主轴改造") for n in range(30)])
    index = in_memory(collection)
    index.max_candidates = 7
    assert ids(index.find_similar("数控车床主轴改造", limit=100)) == [f"res-{n:03d}" for n in range(7)]


def test_keys_stored_by_older_rules_are_compared_as_stored(tmp_path):
    collection = open_database({"DATA_DIR": str(tmp_path)}, "studios")["results"]
    collection.insert_one({**result("res-1", "std-a", "verified", "数控车床主轴改造"), TITLE_KEYS: ["旧键"]})
    index = in_memory(collection)
    assert index.find_similar("数控车床主轴改造") == []


WORDS = ["数控", "车床", "主轴", "温升", "补偿", "装置", "焊接", "机器人", "气孔", "改造", "方法", "控制"]
TITLES = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map("".join)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(stored_titles=st.lists(TITLES, min_size=1, max_size=25), title=TITLES,
       threshold=st.sampled_from([0.4, 0.6, 0.8]))
def test_a_check_finds_what_comparing_with_every_stored_title_finds(tmp_path_factory, stored_titles,
                                                                      title, threshold):
    collection = open_database({"DATA_DIR": str(tmp_path_factory.mktemp("titles"))}, "studios")["results"]
    collection.insert_many([result(f"res-{n:03d}", "std-a", "verified", t) for n, t in enumerate(stored_titles)])
    every = [(f"res-{n:03d}", title_keys(t)) for n, t in enumerate(stored_titles)]
    expected = [{"result_id": result_id, "title": stored_titles[int(result_id[4:])], "studio_id": "std-a",
                 "similarity": score} for result_id, score in near_duplicates(title_keys(title), every, threshold, 100)]
    for index in (in_memory(collection), in_the_store(collection)):
        assert index.find_similar(title, limit=100, threshold=threshold) == expected


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
