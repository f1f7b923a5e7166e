"""Duplicate results: normalised titles and their exact key, Chinese patent numbers, and the
similarity of titles that near-duplicate checks rank by."""
import datetime
from collections import Counter

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from common.errors import BadRequest
from services.studios.domain.kinds import DESIGN_PATENT, FIVE_SMALL, INVENTION_PATENT, UTILITY_PATENT
from services.studios.domain.titles import (
    bigrams, dice, min_overlap, near_duplicates, normalise_patent_number, normalise_title,
    patent_check_digit, similarity, similarity_form, title_key, title_keys, validate_patent_number)

# Characters titles are written with: Chinese, Latin of both widths, digits, the punctuation of
# both scripts, spaces of both widths, and a few that normalise (Ⅱ, ℃, ①).
ALPHABET = ("数控车床主轴温升补偿装置改造焊接工装夹具一种的研究方法技术" "ABCxyzＡＢｃ0123４５"
            ".,-+~·、，。：；！？《》“”（）【】—…/ 　\t" "Ⅱ℃①")
titles = st.text(alphabet=ALPHABET, max_size=30)
NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)


# normalised titles

def test_width_case_punctuation_and_spaces_of_both_scripts_are_not_part_of_a_title():
    assert normalise_title("《ＣＡ６１４０车床》尾座  改造！") == normalise_title("CA6140车床尾座改造")
    assert normalise_title("“数控车床”主轴、导轨的改造（一）") == "数控车床主轴导轨的改造一"
    assert normalise_title("PLC控制系统") == normalise_title("plc 控制系统") == "plc控制系统"
    assert normalise_title("Ⅱ型夹具") == "ii型夹具"


def test_the_punctuation_of_numbers_tells_results_apart():
    assert normalise_title("1.5mm刀具") != normalise_title("15mm刀具")
    assert normalise_title("5-10吨吊具") != normalise_title("510吨吊具")
    assert normalise_title("-40℃焊接工艺") != normalise_title("40℃焊接工艺")
    assert normalise_title("M8×20螺栓") != normalise_title("M820螺栓")
    assert normalise_title("1.5 mm 刀具") == normalise_title("1．5mm刀具") == "1.5mm刀具"


def test_generic_words_stay_in_the_exact_key():
    # An apparatus and a method are often two patents of the same studio in the same year.
    assert normalise_title("主轴温升补偿装置") != normalise_title("主轴温升补偿方法")
    assert normalise_title("一种主轴温升补偿装置") != normalise_title("主轴温升补偿装置")
    assert normalise_title("焊接变形控制的研究") != normalise_title("焊接变形控制")


@given(titles)
def test_normalising_is_idempotent(title):
    assert normalise_title(normalise_title(title)) == normalise_title(title)


@given(st.text(max_size=20))
def test_normalising_any_text_is_idempotent(title):
    assert normalise_title(normalise_title(title)) == normalise_title(title)


def test_the_exact_key_is_studio_year_and_normalised_title():
    key = title_key("std-1", 2025, "数控车床主轴改造")
    assert key == title_key("std-1", "2025", "《数控车床 主轴改造》")
    assert key != title_key("std-2", 2025, "数控车床主轴改造")
    assert key != title_key("std-1", 2024, "数控车床主轴改造")
    with pytest.raises(BadRequest) as refused:
        title_key("std-1", 2025, "《 》！")
    assert "title" in refused.value.fields


# patent numbers

@pytest.mark.parametrize("written", [
    "201710601862.3", "ZL201710601862.3", "ZL 2017 1 0601862.3", "CN201710601862.3",
    "cn 201710601862.3", "ＺＬ２０１７１０６０１８６２．３", "2017106018623", "ZL201710601862·3"])
def test_a_patent_number_has_one_stored_form_however_it_is_written(written):
    assert normalise_patent_number(written) == "201710601862.3"


def test_numbers_before_2003_have_eight_digits_and_the_same_rule():
    # 9×2 + 5×3 + 1×4 + 1×5 + 5×6 + 6×7 + 0×8 + 8×9 = 186 = 16 × 11 + 10: X.
    assert normalise_patent_number("ZL 95 1 15608.X") == "95115608.X"
    assert normalise_patent_number("95115608.x") == "95115608.X"
    assert patent_check_digit("201710601862") == "3"


@pytest.mark.parametrize("written, says", [
    ("201710601862.4", "check digit"),
    ("201710601862", "needs its check digit"),
    ("2017106018", "is not one"),
    ("ZL201710601862.3.1", "is not one"),
    ("199910601862.3", "began in 2003"),
    ("201740601862.4", "kind digit 4"),
    ("80115608.1", "from 1985 to 2003"),
    ("", "is not one"),
])
def test_a_patent_number_that_is_none_is_refused_naming_the_field(written, says):
    with pytest.raises(BadRequest) as refused:
        normalise_patent_number(written)
    assert list(refused.value.fields) == ["patent_number"]
    assert says in refused.value.fields["patent_number"][0]


def _number(year, kind_digit, serial):
    digits = f"{year:04d}{kind_digit}{serial:07d}"
    return f"{digits}.{patent_check_digit(digits)}"


@given(st.integers(2003, 2026), st.sampled_from("12389"), st.integers(0, 9_999_999),
       st.sampled_from([*range(12), 13]), st.integers(1, 9))
def test_every_single_mistyped_digit_is_refused(year, kind_digit, serial, position, change):
    number = _number(year, kind_digit, serial)
    assert normalise_patent_number(number) == number
    assume(number[position] != "X")
    wrong = number[:position] + str((int(number[position]) + change) % 10) + number[position + 1:]
    with pytest.raises(BadRequest) as refused:
        normalise_patent_number(wrong)
    assert "patent_number" in refused.value.fields


def test_the_kind_digit_must_be_the_results_patent_kind():
    assert validate_patent_number(_number(2023, 1, 123456), INVENTION_PATENT) == _number(2023, 1, 123456)
    assert validate_patent_number(_number(2023, 8, 123456), INVENTION_PATENT)
    assert validate_patent_number(_number(2023, 2, 123456), UTILITY_PATENT)
    assert validate_patent_number(_number(2023, 9, 123456), UTILITY_PATENT)
    assert validate_patent_number(_number(2023, 3, 123456), DESIGN_PATENT)
    for number, kind in ((_number(2023, 2, 1), INVENTION_PATENT), (_number(2023, 1, 1), UTILITY_PATENT),
                         (_number(2023, 9, 1), DESIGN_PATENT), (_number(2023, 1, 1), FIVE_SMALL)):
        with pytest.raises(BadRequest) as refused:
            validate_patent_number(number, kind)
        assert list(refused.value.fields) == ["patent_number"]


def test_a_patent_number_from_a_year_to_come_is_refused_when_now_is_known():
    number = _number(2027, 1, 42)
    assert validate_patent_number(number, INVENTION_PATENT) == number
    with pytest.raises(BadRequest, match="has not come yet"):
        validate_patent_number(number, INVENTION_PATENT, now=NOW)


# similarity

def test_chinese_runs_give_bigrams_and_latin_runs_stay_whole():
    assert bigrams("ca6140车床尾座改造") == ["ca6140", "车床", "床尾", "尾座", "座改", "改造"]
    assert bigrams("基于plc的空压机") == ["基于", "plc", "的空", "空压", "压机"]
    assert bigrams("吨") == ["吨"]
    assert bigrams("") == []


def test_similarity_leaves_out_the_particle_and_the_boilerplate_at_either_end():
    assert similarity_form("一种数控车床主轴的温升补偿装置的研究") == "数控车床主轴温升补偿装置"
    assert similarity_form("关于降低空压机能耗的建议") == "降低空压机能耗"
    assert similarity_form("研究") == "研究"  # nothing would be left
    assert similarity("一种主轴温升补偿装置", "主轴温升补偿装置的研究") == 1.0


def test_near_duplicates_score_high_and_other_results_low():
    title = "数控车床主轴温升补偿装置"
    assert similarity(title, "数控车床主轴温升补偿装置改造") > 0.8
    assert similarity(title, "数控车床主轴温升补尝装置") > 0.6  # one character mistyped
    assert similarity(title, "主轴温升补偿装置（数控车床）") > 0.8  # words reordered
    assert similarity(title, "数控车床主轴温升补偿方法") > 0.6  # the method beside the apparatus
    assert similarity(title, "焊接机器人焊缝气孔控制方法") < 0.2
    assert similarity(title, "数控铣床工作台改造") < 0.3


@given(titles, titles)
def test_similarity_is_symmetric_and_between_0_and_1(a, b):
    assert similarity(a, b) == similarity(b, a)
    assert 0.0 <= similarity(a, b) <= 1.0


@given(titles)
def test_titles_that_normalise_alike_are_fully_similar(title):
    restyled = f"《{title.upper()}》".replace("0", "０").replace(" ", "　")
    assume(normalise_title(restyled) == normalise_title(title))
    assert similarity(title, restyled) == 1.0
    assert similarity(title, normalise_title(title)) == 1.0


@given(titles, titles)
def test_the_keys_are_the_bigram_multiset(a, b):
    ma, mb = Counter(bigrams(similarity_form(a))), Counter(bigrams(similarity_form(b)))
    size = sum(ma.values()) + sum(mb.values())
    expected = 2 * sum((ma & mb).values()) / size if size else 1.0
    assert dice(set(title_keys(a)), set(title_keys(b))) == pytest.approx(expected)
    assert len(title_keys(a)) == sum(ma.values())


@given(st.sets(st.integers(0, 30), max_size=25), st.sets(st.integers(0, 30), max_size=25),
       st.sampled_from([0.3, 0.5, 0.6, 0.75, 0.9, 1.0]))
def test_whatever_is_similar_enough_shares_at_least_min_overlap_keys(a, b, threshold):
    if dice(a, b) >= threshold and a:
        assert len(a & b) >= min_overlap(len(a), threshold)


def test_near_duplicates_are_ranked_most_similar_first_within_threshold_and_limit():
    titles = [("r1", "焊接机器人焊缝气孔控制方法"), ("r2", "数控车床主轴温升补偿装置改造"),
              ("r3", "数控车床主轴温升补偿装置"), ("r4", "数控车床主轴温升补偿装置改造")]
    candidates = [(result_id, title_keys(title)) for result_id, title in titles]
    keys = title_keys("数控车床主轴温升补偿装置")
    found = near_duplicates(keys, candidates, threshold=0.6, limit=5)
    assert [result_id for result_id, _ in found] == ["r3", "r2", "r4"]  # ties in the order given
    assert found[0] == ("r3", 1.0) and found[1][1] == found[2][1] < 1
    assert near_duplicates(keys, candidates, 0.6, 1) == [("r3", 1.0)]
    assert near_duplicates(keys, candidates, threshold=1.01) == []
