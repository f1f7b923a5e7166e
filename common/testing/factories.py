"""Small, valid data for tests at every layer: competitions, studios and their results."""
import datetime
import itertools

from common.personal_id import make_id_number
from common.testing.callers import UNIT

_sequence = itertools.count(100)


def marking_scheme():
    """Theory 30 / practical 70: a theory paper, one measurement and two judgement aspects."""
    return {
        "components": [{"key": "theory", "name": "理论", "weight": 30},
                       {"key": "practical", "name": "实操", "weight": 70}],
        "criteria": [
            {"id": "T", "name": "理论知识", "component": "theory", "sub_criteria": [
                {"id": "T1", "name": "笔试", "aspects": [
                    {"id": "T1.1", "kind": "measurement", "description": "试卷得分", "max_mark": 100,
                     "graded": True}]}]},
            {"id": "A", "name": "零件加工", "component": "practical", "sub_criteria": [
                {"id": "A1", "name": "尺寸精度", "aspects": [
                    {"id": "A1.1", "kind": "measurement", "description": "外圆 Φ25", "max_mark": 10,
                     "nominal": 25.0, "tolerance_bands": [{"deviation": 0.02, "fraction": 1.0},
                                                          {"deviation": 0.05, "fraction": 0.5}]}]},
                {"id": "A2", "name": "工艺", "aspects": [
                    {"id": "A2.1", "kind": "judgement", "description": "表面质量", "max_mark": 6},
                    {"id": "A2.2", "kind": "judgement", "description": "安全文明生产", "max_mark": 4}]}]},
        ],
    }


def practical_marks(position):
    """The practical marks of marking_scheme() for the contestant at ``position`` (0, 1 or 2) of a
    marking sheet, the nearer the top the better: (measured marks, given by one judge; judged
    marks, given by every judge)."""
    return {"A1.1": 25.0 + 0.02 * position}, {"A2.1": max(0, 3 - position), "A2.2": 2}


PRIZES = ("first", "second", "third")


def award_rules(prizes=2, **more):
    """One each of the first ``prizes`` prizes, by fixed counts, and ``more`` (titles, certificate,
    promotions) as the awards rules name them."""
    return {"prizes": {"basis": "count",
                       "bands": [{"prize": prize, "count": 1} for prize in PRIZES[:prizes]]},
            **more}


def competition_payload(*, trade="数控车工", awards=None, **overrides):
    """One event of ``trade`` marked by marking_scheme(); ``awards`` replaces its default of two
    prizes, a title and a certificate."""
    if awards is None:
        awards = award_rules(titles=[{"title": "技术能手", "top": 1}],
                             certificate={"level": "高级工", "pass_mark": 60})
    payload = {
        "name": "2026年建湖县数控车工职业技能竞赛",
        "level": "city",
        "industry_chain": "装备制造",
        "year": 2026,
        "events": [{"trade": trade, "marking_scheme": marking_scheme(),
                    "judging": {"drop_extremes_from": 5, "max_spread": 1},
                    "awards": awards}],
    }
    payload.update(overrides)
    return payload


def worker(employer="江苏建湖机床厂", name=None, birth=datetime.date(1990, 5, 17), **overrides):
    sequence = next(_sequence)
    return {"name": name or f"选手{sequence}", "employer": employer, "trade": "数控车工",
            "skill_level": "中级工",
            "id_number": make_id_number(birth=birth, sequence=sequence % 1000), **overrides}


# --- innovation studios


def studio_member(name=None, birth=datetime.date(1985, 8, 1), **overrides):
    """A studio member, as a studio's lead or a reviewer gives them (ID number in clear)."""
    sequence = next(_sequence)
    return {"name": name or f"成员{sequence}", "position": "技术员",
            "id_number": make_id_number(birth=birth, sequence=sequence % 1000), **overrides}


def studio_payload(members=5, **overrides):
    """A city-level studio with its lead (a 市级劳动模范) and ``members`` members besides."""
    payload = {"name": "王建国劳模创新工作室", "unit": UNIT, "enterprise": "江苏建湖机床厂",
               "industry_chain": "装备制造", "region_code": "320925", "level": "city",
               "founded_on": "2019-05-01",
               "lead": {**studio_member(name="王建国", position="车间主任"), "honour": "市级劳动模范"},
               "members": [studio_member() for _ in range(members)]}
    payload.update(overrides)
    return payload


FINANCE_CONFIRMATION = {"department": "财务部", "document_ref": "财审〔2026〕12号",
                        "confirmed_on": "2026-04-01"}


def result_payload(authors, kind="tackling", **overrides):
    """A 技术攻关 result with certified savings, by ``authors`` (member ids)."""
    payload = {"kind": kind, "title": "数控车床主轴温升控制技术攻关",
               "description": "主轴温升导致加工精度下降，通过改进冷却回路解决。",
               "achieved_on": "2026-03-15", "authors": list(authors),
               "details": {"problem": "主轴温升过高导致精度超差"},
               "economic_benefit": {"cost_saved": 1_200_000, "value_created": 300_000,
                                    "confirmation": FINANCE_CONFIRMATION}}
    payload.update(overrides)
    return payload
