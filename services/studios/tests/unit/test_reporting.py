"""The yearly report's counts, called directly: what each row counts, and (hypothesis) that the
totals are the sums of any grouping that puts every studio in one row."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import BadRequest
from services.studios.domain import reporting
from services.studios.domain.kinds import KINDS
from services.studios.domain.studio import LEVELS, STATUSES

CONFIRMED = {"department": "财务部", "document_ref": "财审〔2026〕12号", "confirmed_on": "2026-04-01"}
COUNTS = ("studios", "verified_results", "patents", "problems_solved", "five_small",
          "results_converted", "people_trained")
MONEY = ("cost_saved", "value_created")
PARTITIONS = (reporting.STUDIO, reporting.INDUSTRY_CHAIN, reporting.REGION)


def studio(studio_id, unit="jianhu", chain="装备制造", region="320925", level="city", stars=None,
           status="active", revoked=False):
    rating = None if stars is None else {"stars": stars, **({"revoked": {"kind": "ordered"}}
                                                           if revoked else {})}
    return {"_id": studio_id, "name": f"工作室{studio_id}", "unit": unit, "industry_chain": chain,
            "region_code": region, "level": level, "status": status, "rating": rating}


def result(studio_id, kind="tackling", year=2026, saved=0.0, created=0.0, confirmed=True,
           trained=0, converted=False, status="verified"):
    return {"studio_id": studio_id, "kind": kind, "year": year, "status": status,
            "people_trained": trained, "converted": converted,
            "economic_benefit": {"cost_saved": saved, "value_created": created,
                                 "confirmation": CONFIRMED if confirmed else None}}


def rows_of(report, grouping):
    return {row["key"]: row for g in report["groupings"] if g["group_by"] == grouping
            for row in g["rows"]}


STUDIOS = [studio("a", level="city", stars=4), studio("b", level="provincial", stars=5, revoked=True),
           studio("c", chain="汽车制造", region="370902", level="county"),
           studio("gone", status="revoked", stars=3)]
RESULTS = [result("a", "invention_patent"), result("a", "utility_patent", converted=True),
           result("a", "tackling", saved=1_200_000.5, created=300_000),
           result("a", "five_small", saved=50_000, confirmed=False),
           result("a", "training", trained=40), result("a", "tackling", year=2025, saved=9_999),
           result("a", "design_patent", status="under_review"),
           result("b", "tackling", saved=-5, created=10), result("c", "five_small", trained=3),
           result("gone", "tackling", saved=1_000_000), result("nobody", "tackling")]
ALLIANCES = [{"_id": "aln-1", "name": "装备制造联盟", "members": ["a", "b", "gone"]},
             {"_id": "aln-2", "name": "跨区域联盟", "members": ["a", "c", "a"]},
             {"_id": "aln-3", "name": "已散联盟", "members": ["gone"]}]


def test_a_studios_row_counts_its_verified_results_of_the_year_by_kind_and_its_confirmed_money():
    report = reporting.studio_report(STUDIOS, RESULTS, ALLIANCES, filters={"year": 2026})
    a = rows_of(report, "studio")["a"]

    assert a["label"] == "工作室a" and a["studios"] == 1
    assert a["studios_by_level"] == {"enterprise": 0, "county": 0, "city": 1, "provincial": 0,
                                     "national": 0}
    assert a["studios_by_stars"] == {"0": 0, "1": 0, "2": 0, "3": 0, "4": 1, "5": 0}
    # 2025's result and the one still under review do not count
    assert a["verified_results"] == 5
    assert a["patents"] == 2 and a["patents_by_kind"] == {"invention": 1, "utility": 1, "design": 0}
    assert a["problems_solved"] == 1 and a["five_small"] == 1 and a["results_converted"] == 1
    # the unconfirmed 五小 saving counts nothing
    assert a["cost_saved"] == 1_200_000.5 and a["value_created"] == 300_000
    assert a["people_trained"] == 40


def test_revoked_stars_are_none_a_negative_amount_is_nothing_and_an_ended_studio_is_left_out():
    report = reporting.studio_report(STUDIOS, RESULTS, ALLIANCES, filters={"year": 2026})
    rows = rows_of(report, "studio")

    assert set(rows) == {"a", "b", "c"}
    assert rows["b"]["studios_by_stars"]["0"] == 1 and rows["b"]["studios_by_stars"]["5"] == 0
    assert rows["b"]["cost_saved"] == 0 and rows["b"]["value_created"] == 10
    assert report["totals"]["studios"] == 3
    assert report["totals"]["verified_results"] == 5 + 1 + 1


def test_an_alliance_counts_its_standing_members_once_each_and_the_totals_count_a_studio_once():
    report = reporting.studio_report(STUDIOS, RESULTS, ALLIANCES, filters={"year": 2026})
    alliances = rows_of(report, "alliance")

    assert set(alliances) == {"aln-1", "aln-2"}  # an alliance of ended studios alone has no row
    assert alliances["aln-1"]["studios"] == 2 and alliances["aln-1"]["label"] == "装备制造联盟"
    assert alliances["aln-2"]["studios"] == 2 and alliances["aln-2"]["verified_results"] == 6
    assert sum(row["studios"] for row in alliances.values()) == 4
    assert report["totals"]["studios"] == 3
    assert [row["label"] for g in report["groupings"] if g["group_by"] == "alliance"
            for row in g["rows"]] == ["装备制造联盟", "跨区域联盟"]


def test_chains_and_regions_are_rows_of_their_studios_and_the_filters_narrow_them():
    report = reporting.studio_report(STUDIOS, RESULTS, ALLIANCES,
                                     group_by=["region", "industry_chain"], filters={"year": 2026})
    assert [g["group_by"] for g in report["groupings"]] == ["region", "industry_chain"]
    assert rows_of(report, "region")["370902"]["studios_by_level"]["county"] == 1
    assert rows_of(report, "industry_chain")["装备制造"]["studios"] == 2

    every_year = reporting.studio_report(STUDIOS, RESULTS, ALLIANCES, group_by=["studio"])
    assert rows_of(every_year, "studio")["a"]["verified_results"] == 6

    chain = reporting.studio_report(STUDIOS + [studio("x", unit="taian", chain="汽车制造")], RESULTS,
                                    ALLIANCES, filters={"industry_chain": "汽车制造", "unit": "jianhu",
                                                        "year": None})
    assert chain["filters"] == {"industry_chain": "汽车制造", "unit": "jianhu"}
    assert set(rows_of(chain, "studio")) == {"c"} and set(rows_of(chain, "alliance")) == {"aln-2"}
    assert chain["totals"]["studios"] == 1 and chain["totals"]["five_small"] == 1


def test_nothing_to_count_is_a_report_of_zeros():
    report = reporting.studio_report([], [], [])
    assert all(g["rows"] == [] for g in report["groupings"])
    assert report["totals"]["studios"] == 0 and report["totals"]["cost_saved"] == 0


@pytest.mark.parametrize("group_by", [[], ["studio", "enterprise"]])
def test_an_unknown_grouping_is_refused(group_by):
    with pytest.raises(BadRequest) as refused:
        reporting.studio_report(STUDIOS, RESULTS, ALLIANCES, group_by=group_by)
    assert "group_by" in refused.value.fields


# --- invariants

IDS = [f"s{n}" for n in range(12)]
amounts = st.one_of(st.just(0), st.integers(-1_000, 10_000_000),
                    st.floats(-1e3, 1e9, allow_nan=False, allow_infinity=False))
studios_strategy = st.lists(
    st.builds(studio, st.sampled_from(IDS), unit=st.sampled_from(["jianhu", "taian"]),
              chain=st.sampled_from(["装备制造", "汽车制造", "机器人"]),
              region=st.sampled_from(["320925", "370902"]), level=st.sampled_from(LEVELS),
              stars=st.one_of(st.none(), st.integers(0, 5)), status=st.sampled_from(STATUSES),
              revoked=st.booleans()),
    max_size=12, unique_by=lambda s: s["_id"])
results_strategy = st.lists(
    st.builds(result, st.sampled_from(IDS + ["stranger"]), kind=st.sampled_from(KINDS),
              year=st.sampled_from([2025, 2026]), saved=amounts, created=amounts,
              confirmed=st.booleans(), trained=st.integers(0, 500), converted=st.booleans(),
              status=st.sampled_from(["verified", "verified", "rejected"])),
    max_size=60)
alliances_strategy = st.lists(
    st.builds(lambda n, members: {"_id": f"aln-{n}", "name": f"联盟{n}", "members": members},
              st.integers(0, 5), st.lists(st.sampled_from(IDS), max_size=6)),
    max_size=4, unique_by=lambda a: a["_id"])
filters_strategy = st.fixed_dictionaries({}, optional={
    "unit": st.sampled_from(["jianhu", "taian"]), "year": st.sampled_from([2025, 2026]),
    "industry_chain": st.sampled_from(["装备制造", "机器人"])})


def _fen(yuan):
    return round(yuan * 100)


@settings(max_examples=300, deadline=None)
@given(studios_strategy, results_strategy, alliances_strategy, filters_strategy)
def test_the_totals_are_the_sums_of_every_grouping_that_puts_each_studio_in_one_row(
        studios, results, alliances, filters):
    report = reporting.studio_report(studios, results, alliances, filters=filters)
    totals = report["totals"]

    for grouping in report["groupings"]:
        rows = grouping["rows"]
        for row in rows + [totals]:
            for field in COUNTS + MONEY:
                assert row[field] >= 0, (grouping["group_by"], field)
            assert sum(row["studios_by_level"].values()) == row["studios"]
            assert sum(row["studios_by_stars"].values()) == row["studios"]
            assert sum(row["patents_by_kind"].values()) == row["patents"]
            assert row["patents"] + row["problems_solved"] + row["five_small"] <= row["verified_results"]
        if grouping["group_by"] in PARTITIONS:
            for field in COUNTS:
                assert sum(row[field] for row in rows) == totals[field], (grouping["group_by"], field)
            for field in MONEY:
                assert sum(_fen(row[field]) for row in rows) == _fen(totals[field])
            for level in LEVELS:
                assert sum(r["studios_by_level"][level] for r in rows) == totals["studios_by_level"][level]
            for stars in totals["studios_by_stars"]:
                assert sum(r["studios_by_stars"][stars] for r in rows) == totals["studios_by_stars"][stars]
        else:  # an alliance holds some of the studios, each once
            for row in rows:
                assert 0 < row["studios"] <= totals["studios"]
                for field in COUNTS:
                    assert row[field] <= totals[field]
    assert len({row["key"] for row in report["groupings"][0]["rows"]}) == totals["studios"]


def test_the_response_schema_declares_every_count_a_report_holds():
    from common.schemas import undeclared_fields
    from services.studios.api import StudioReportSchema

    report = {"generated_at": "2026-12-01T00:00:00.000+00:00",
              **reporting.studio_report(STUDIOS, RESULTS, ALLIANCES, filters={"year": 2026})}
    assert undeclared_fields(StudioReportSchema, report) == []
    assert StudioReportSchema().dump(report) == report
