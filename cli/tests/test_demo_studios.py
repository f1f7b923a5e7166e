"""The studios demo's plan follows the rules the studios service holds every request to, so that
a run is refused nothing; the same seed gives the same plan; its evidence files and multipart
bodies are what the gateway takes."""
import datetime
import io

import pytest
from werkzeug.formparser import parse_form_data

from cli import demo_studios
from cli.loading import multipart
from common.files import PDF, inspect_file
from common.personal_id import validate_id_number
from services.studios.domain import results as result_rules
from services.studios.domain.kinds import KINDS, PATENT_KINDS
from services.studios.domain.studio import HONOURS, NATIONAL_MIN_YEARS, years_between
from services.studios.domain.titles import title_key, validate_patent_number

TODAY = datetime.date(2026, 12, 2)


@pytest.fixture(scope="module")
def plan():
    return demo_studios.build(2026, 170, 20, today=TODAY)


def _people(studio):
    return [studio["payload"]["lead"]] + studio["payload"]["members"]


def test_the_same_seed_gives_the_same_plan_and_another_seed_another():
    first = demo_studios.build(7, 12, 5, today=TODAY)
    again = demo_studios.build(7, 12, 5, today=TODAY)
    other = demo_studios.build(8, 12, 5, today=TODAY)

    assert [s["payload"] for s in first["studios"]] == [s["payload"] for s in again["studios"]]
    assert [r["body"] for s in first["studios"] for r in s["results"]] == \
        [r["body"] for s in again["studios"] for r in s["results"]]
    names = [s["payload"]["name"] for s in first["studios"]]
    assert names != [s["payload"]["name"] for s in other["studios"]]


def test_a_city_of_170_studios_with_14_provincial_2_national_and_a_few_alliances(plan):
    levels = [s["payload"]["level"] for s in plan["studios"]]
    assert len(levels) == 170
    assert levels.count("provincial") == 14 and levels.count("national") == 2
    assert {"enterprise", "county", "city"} <= set(levels)
    assert 3 <= len(plan["alliances"]) <= 5
    total = sum(len(s["results"]) for s in plan["studios"])
    assert total == 3400 and 20 <= len(plan["duplicates"]) <= 40
    assert {r["body"]["kind"] for s in plan["studios"] for r in s["results"]} == set(KINDS)


def test_studios_hold_the_registration_rules(plan):
    names, numbers = set(), set()
    for studio in plan["studios"]:
        payload = studio["payload"]
        assert payload["lead"]["honour"] in HONOURS
        assert payload["name"].startswith(payload["lead"]["name"]) and payload["name"] not in names
        names.add(payload["name"])
        assert 5 <= len(_people(studio)) <= 15
        for person in _people(studio):
            assert validate_id_number(person["id_number"], today=TODAY) == person["id_number"]
            assert person["id_number"] not in numbers
            numbers.add(person["id_number"])
        assert datetime.date.fromisoformat(payload["founded_on"]) < TODAY
        if payload["level"] == "national":
            assert years_between(payload["founded_on"], TODAY) >= NATIONAL_MIN_YEARS


def test_results_hold_the_submission_rules_and_their_reviews_the_impartiality_rule(plan):
    patents, keys = set(), set()
    for position, studio in enumerate(plan["studios"]):
        members = [{**person, "member_id": f"m{n}", "person_key": f"k{position}-{n}",
                    "id_number_masked": "x"} for n, person in enumerate(_people(studio))]
        record = {"_id": "std-x", "members": members, "former_members": []}
        for result in studio["results"]:
            body = result["body"]
            draft = result_rules.new_result(
                {**body, "authors": [f"m{a}" for a in body["authors"]]},
                {**studio["payload"], "_id": f"std-{position}"}, [members[a] for a in body["authors"]],
                "2026-12-02T00:00:00+00:00")
            draft["evidence"] = [{"file_id": "f"}] if result["evidence"] else []
            result_rules.check_submission(draft, record, TODAY, 3)  # raises what a submission would
            if body["kind"] in PATENT_KINDS:
                number = validate_patent_number(body["patent_number"], body["kind"], TODAY)
                assert number not in patents and result["evidence"]
                patents.add(number)
            key = title_key(f"std-{position}", draft["year"], body["title"])
            assert key not in keys
            keys.add(key)
            assert result["reviewer"][2] != studio["payload"]["enterprise"]


def test_operating_methods_are_applied_a_year_and_tackling_has_confirmed_savings(plan):
    bodies = [r["body"] for s in plan["studios"] for r in s["results"]]
    for body in bodies:
        if body["kind"] == "operating_method":
            since = datetime.date.fromisoformat(body["details"]["applied_since"])
            assert (datetime.date.fromisoformat(body["achieved_on"]) - since).days > 365
        if body["kind"] == "tackling":
            assert body["economic_benefit"]["confirmation"] and body["economic_benefit"]["cost_saved"] > 0
        if body["kind"] == "training":
            assert body["people_trained"] >= 1


def test_dates_fall_in_the_period_before_this_month():
    plan = demo_studios.build(2026, 10, 10, today=datetime.date(2027, 3, 15))
    assert plan["period"] == {"from": "2026-03-01", "to": "2027-02-28"}
    days = [r["body"]["achieved_on"] for s in plan["studios"] for r in s["results"]]
    assert max(days) <= "2027-02-28" and min(days) >= "2025-03-01"


def test_the_evidence_is_a_pdf_the_service_accepts_and_its_upload_a_form_the_gateway_parses(plan):
    body = next(r["body"] for s in plan["studios"] for r in s["results"] if r["body"].get("patent_number"))
    filename, content, media_type = demo_studios.evidence_file(body, "王建国劳模创新工作室")
    assert inspect_file(content) is PDF and media_type == "application/pdf"
    assert body["patent_number"].encode("ascii") in content and b"%%EOF" in content

    data, content_type = multipart({"file": (filename, content, media_type)})
    _, form, files = parse_form_data({"wsgi.input": io.BytesIO(data), "CONTENT_LENGTH": str(len(data)),
                                      "CONTENT_TYPE": content_type, "REQUEST_METHOD": "POST"})
    assert files["file"].filename == filename and files["file"].read() == content
