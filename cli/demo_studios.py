"""The innovation studios of `demo-data`: a city union's model-worker and craftsman studios
(劳模和工匠人才创新工作室), loaded through the gateway as reviewers and studio leads would.

What it loads (defaults: 170 studios, about 20 results each, as the Jiangmen and Zhengzhou reports
count them):

- the studios of the city union, each registered by a union reviewer: a lead (领衔人, a 劳模 or
  工匠 with the honour the studio's level goes with) and 4 to 14 members with valid ID numbers, in an
  enterprise of one of the city's industry chains; mostly enterprise, county and city level, 14 in
  170 provincial (at least one, however few are loaded) and 2 national (founded five years ago or
  more: national needs three);
- an alliance (创新工作室联盟, "1 + N") per 40 studios, four of 170: one across industries of the
  provincial and national studios and one per industry chain with the most studios, each with its
  convening studio, the convenor rotated once, and a joint project;
- the studios' innovation results, written and submitted by their leads: patents with valid
  application numbers and their certificate as a PDF, 五小, 攻关 with savings the finance
  department confirmed, 先进操作法 applied for more than a year, 合理化建议, standards and training
  (名师带徒) with the people trained; each is answered with its near duplicates;
- the review by union reviewers, never of their own enterprise: most verified, some returned for
  rework (half of them reworked, resubmitted and verified, half still waiting), a few marked
  duplicates of another studio's result;
- one rating round (星级评定) of every active studio of the union: the panel's site visits and
  expert reviews (five experts each), the proposed ratings computed from the verified results of
  the period, and the public notice (公示) opened, for the configured 7 days by default or for
  ``--notice-seconds``, after which the demo waits for the ratings to take effect.

Dates are reckoned back from the first day of this month (the rating period is the twelve whole
months before it), so the same ``--seed`` gives the same studios, people, results and reviews
whenever it runs in the same month; ids are the service's own. A second run with the same seed is
refused (its patent numbers are taken); another seed adds another set of studios beside the first.
"""
import datetime
import math
import random
import time

from cli.demo_city import CHAINS, CITY, UNION_NAME, UNIT, person_name, region_of
from cli.loading import ApiError, run_stage
from common.auth import issue_token
from common.clock import beijing_today, utc_datetime
from common.personal_id import make_id_number
from services.studios.domain.titles import patent_check_digit

LEVEL_NAMES = {"enterprise": "企业级", "county": "县级", "city": "市级", "provincial": "省级",
               "national": "国家级"}
# Per 170 studios, as the reports count them: 14 provincial, 2 national; the rest by these shares.
PROVINCIAL_PER_170, NATIONAL_PER_170 = 14, 2
OTHER_LEVELS = (("enterprise", 40), ("county", 25), ("city", 35))
# A level's honours of the lead, the studio's strength (what it achieves) and its age in years.
LEVELS = {
    "national": (("全国劳动模范", "大国工匠"), (0.9, 1.0), (5, 12)),
    "provincial": (("省部级劳动模范", "省级工匠"), (0.78, 0.96), (4, 10)),
    "city": (("市级劳动模范", "市级工匠"), (0.55, 0.9), (3, 8)),
    "county": (("县级工匠", "技能大师", "市级工匠"), (0.4, 0.8), (2, 7)),
    "enterprise": (("技术能手", "技能大师", "县级工匠"), (0.25, 0.7), (1, 6)),
}
LEAD_POSITIONS = ("车间主任", "首席技师", "技术总监", "班组长", "高级技师", "工艺主管")
MEMBER_POSITIONS = ("技术员", "工程师", "技师", "高级技师", "班组长", "操作工", "质检员", "设备员")
HEAD_POSITIONS = ("副总经理", "总工程师", "生产副厂长")
REVIEW_COMMENT = "材料齐全，经核实属实"
BENEFIT_COMMENT = "效益经财务部门确认，材料齐全"
RETURN_COMMENTS = ("证明材料不够清晰，请补充现场应用照片和使用单位意见",
                   "成果描述过于简略，请补充技术要点和应用范围",
                   "作者排序与申报表不一致，请核对后重新提交")
DUPLICATE_COMMENT = "与本市另一工作室已申报成果内容相同，按重复成果处理"
EXPERT_TITLES = ("教授", "高级工程师", "正高级工程师", "高级技师")

# Results: the kinds a studio files, how often (per 100), and the chain's words for titles.
KIND_SHARES = (("invention_patent", 7), ("utility_patent", 14), ("design_patent", 2),
               ("five_small", 25), ("tackling", 18), ("operating_method", 8),
               ("rationalisation", 12), ("standard", 3), ("training", 11))
# Industry chain -> (what its studios work on, the problems they solve).
SUBJECTS = {
    "超硬材料": (("金刚石锯片", "六面顶压机", "立方氮化硼砂轮", "树脂结合剂磨具", "金刚石微粉分级机",
              "合成块组装线", "叶蜡石合成块", "硬质合金顶锤", "金刚石钻头", "陶瓷结合剂砂轮"),
             ("合成周期长", "粒度分布不均", "能耗偏高", "顶锤损耗大", "成品率低", "崩刃", "石墨化转化率低",
              "开裂")),
    "汽车制造": (("车身焊装线", "涂装烘干炉", "底盘合装工位", "客车骨架", "发动机缸盖", "车门铰链",
              "前桥总成", "电泳槽", "座椅骨架", "线束装配台"),
             ("焊点虚焊", "漆膜橘皮", "装配间隙超差", "返修率高", "节拍不平衡", "异响", "密封不良", "错装漏装")),
    "智能传感器": (("压力传感器芯片", "MEMS晶圆", "温湿度传感器", "贴片机", "回流焊炉", "传感器标定台",
               "引线键合机", "气体传感器", "陶瓷基板", "激光调阻机"),
              ("零点漂移", "封装气泡", "标定效率低", "虚焊率高", "一致性差", "键合拉力不足", "温度补偿不准",
               "划片崩边")),
    "机器人": (("工业机器人减速器", "焊接机器人", "协作机器人关节", "AGV导航系统", "伺服电机", "视觉抓取工作站",
             "喷涂机器人", "码垛机器人", "机器人末端夹爪", "谐波减速器柔轮"),
            ("定位精度不足", "关节温升过高", "示教效率低", "故障停机频繁", "振动超差", "回差过大", "轨迹偏差",
             "抓取失败率高")),
    "装备制造": (("数控车床主轴", "龙门铣床导轨", "液压支架立柱", "矿用减速机", "大型齿轮箱", "阀门密封面",
              "掘进机截割头", "盾构机刀盘", "加工中心刀库", "球磨机衬板"),
             ("温升过高", "精度不稳定", "磨损超差", "漏油", "加工效率低", "异常振动", "变形超差", "装配周期长")),
    "无人机": (("无人机飞控板", "旋翼桨叶", "动力电池组", "云台相机", "机臂碳管", "数传电台", "电调模块",
             "起落架", "RTK定位模块", "植保喷洒系统"),
            ("续航不足", "动平衡超差", "信号干扰", "装调耗时长", "返修率高", "定位漂移", "低温掉电", "喷洒不均")),
    "铝加工制品": (("铝电解槽", "铝板带冷轧机", "铝型材挤压模具", "时效炉", "铸轧辊", "阳极炭块", "熔铝炉",
               "铝箔轧机", "在线除气装置", "氧化着色槽"),
              ("电耗偏高", "板形不良", "模具寿命短", "表面划伤", "炉温不均", "阳极效应频发", "针孔超标",
               "色差")),
    "软件": (("工业互联网平台", "MES系统", "数据中台", "自动化测试框架", "网络安全监测系统", "政务服务系统",
            "设备物联网关", "仓储管理系统", "电子签章系统", "日志审计平台"),
           ("响应延迟高", "部署周期长", "误报率高", "数据同步丢失", "并发性能不足", "接口兼容性差", "内存泄漏",
            "升级中断业务")),
    "人工智能": (("视觉检测模型", "智能巡检机器人", "语音识别引擎", "数据标注平台", "边缘计算盒", "缺陷识别算法",
              "知识图谱", "表计读数识别", "安全帽识别系统", "工艺参数优化模型"),
             ("识别准确率低", "推理延迟高", "标注效率低", "误检率高", "模型泛化差", "小样本训练难", "夜间漏检",
              "算力占用高")),
}
# The words of a title by kind: for the workshops of manufacturing, and for software and AI.
WORDS = {
    "invention_patent": (("在线检测方法", "快速修复方法", "精密加工方法", "自动标定方法", "智能控制方法",
                          "节能运行方法", "寿命预测方法", "无损探伤方法", "热处理工艺", "装配调试方法"),
                         ("数据处理方法", "故障预测方法", "任务调度方法", "异常检测方法", "模型训练方法",
                          "加密传输方法", "负载均衡方法", "图像增强方法")),
    "utility_patent": (("快速定位工装", "辅助拆装装置", "安全防护装置", "冷却装置", "检测夹具", "自动上料装置",
                        "防松脱结构", "清洁装置", "限位机构", "吊装辅具", "润滑装置", "对中调整装置"),
                       ("数据采集终端", "边缘网关装置", "调试接口装置", "散热机箱", "防拆封装结构",
                        "多路供电模块")),
    "design_patent": (("防护罩", "操作面板", "控制柜", "工具车", "检测台", "手持终端"),
                      ("图形用户界面", "操作终端", "显示屏界面", "监控大屏界面")),
    "five_small": (("快换接头", "防尘罩", "辅助支架", "定位块", "注油器", "点检看板", "定置架", "废料车",
                    "联锁开关", "吹屑嘴", "防错检具", "防爆卡箍", "扭矩扳手", "快换托盘"),
                   ("部署脚本", "告警规则", "用例管理", "日志脚本", "备份流程", "接口巡检", "核对清单")),
}
DIGITAL_CHAINS = ("软件", "人工智能")
FIVE_SMALL_KINDS = (("invention", "小发明"), ("innovation", "小革新"), ("retrofit", "小改造"),
                    ("design", "小设计"), ("suggestion", "小建议"))
METHOD_WORDS = ("快速找正", "精准调试", "高效换型", "故障诊断", "精细点检", "一次装夹", "听音辨障", "三步校准")
SUGGESTION_WORDS = ("降本增效", "备件管理", "节能降耗", "安全防护", "工艺优化", "班组交接", "物料周转",
                    "质量追溯", "现场定置", "能源计量")
STANDARD_WORDS = ("作业指导书", "操作规范", "检验规程", "维护保养规程", "技术条件")
TRAINING_WORDS = ("名师带徒", "技能提升培训班", "岗位练兵", "技术比武集训", "新员工实操培训", "技师研修班")
PHASES = ("（二期）", "（三期）", "（四期）", "（五期）")
TOO_MANY_TITLES = 40  # draws of a title before a phase tells it apart from the studio's others

RETURN_SHARE, DUPLICATE_SHARE = 0.07, 0.008
WAIT_FOR_EFFECT = 240  # seconds, after the notice closes: the service's timer and the events


# ---------------------------------------------------------------------------------------------
# The plan: every studio, person, result and review, from the seed and this month


def anchor_day(today=None):
    """The first day of this month (Beijing time): what every date of the plan is reckoned from."""
    return (today or beijing_today()).replace(day=1)


def rating_period(anchor):
    """The twelve whole months before ``anchor``."""
    start = anchor.replace(year=anchor.year - 1)
    return {"from": start.isoformat(), "to": (anchor - datetime.timedelta(days=1)).isoformat()}


def _day_between(rnd, start, end):
    # One draw whatever the span: the months' lengths shift the dates, never the draws after them.
    return start + datetime.timedelta(days=int(rnd.random() * (max(0, (end - start).days) + 1)))


def _person(rnd, used, region, born_from, born_to, male=None):
    """A person with a valid ID number no one else in the plan has."""
    male = rnd.random() < 0.75 if male is None else male
    born = _day_between(rnd, born_from, born_to)
    while True:
        number = make_id_number(region, born, rnd.randrange(0, 500) * 2 + (1 if male else 0))
        if number not in used:
            used.add(number)
            return {"name": person_name(rnd, male), "id_number": number}


def _levels(count, rnd):
    national = round(count * NATIONAL_PER_170 / 170)
    # At least one provincial studio, however few are loaded: the union's best.
    provincial = min(count - national, math.ceil(count * PROVINCIAL_PER_170 / 170))
    others, weights = zip(*OTHER_LEVELS)
    rest = count - national - provincial
    quotas = [int(rest * w / sum(weights)) for w in weights]
    for n in range(rest - sum(quotas)):
        quotas[n % len(quotas)] += 1
    levels = ["national"] * national + ["provincial"] * provincial + [
        level for level, quota in zip(others, quotas) for _ in range(quota)]
    rnd.shuffle(levels)
    return levels


def _studio_name(lead_name, honour):
    if "劳动模范" in honour:
        return f"{lead_name}劳模创新工作室"
    if "工匠" in honour:
        return f"{lead_name}工匠创新工作室"
    if honour == "技能大师":
        return f"{lead_name}技能大师工作室"
    return f"{lead_name}职工创新工作室"


def plan_studios(rnd, count, anchor, used_numbers):
    """The studios: level, chain, enterprise, lead and members, and what each is capable of."""
    chains = list(CHAINS)
    # Manufacturing chains have more studios than software and AI.
    chain_weights = [1.6, 1.4, 0.9, 1.0, 1.8, 0.6, 1.2, 0.7, 0.6]
    studios, names = [], set()
    for position, level in enumerate(_levels(count, rnd)):
        honours, (low, high), (young, old) = LEVELS[level]
        chain = rnd.choices(chains, chain_weights)[0]
        slug, trades, employers = CHAINS[chain]
        enterprise = rnd.choice(employers)
        region = region_of(enterprise)
        honour = rnd.choice(honours)
        while True:  # one name, one studio
            lead = _person(rnd, used_numbers, region, anchor.replace(year=anchor.year - 58),
                           anchor.replace(year=anchor.year - 36), male=rnd.random() < 0.85)
            name = _studio_name(lead["name"], honour)
            if name not in names:
                names.add(name)
                break
            used_numbers.discard(lead["id_number"])
        founded = _day_between(rnd, anchor.replace(year=anchor.year - old),
                               anchor.replace(year=anchor.year - young) - datetime.timedelta(days=30))
        objects = rnd.sample(SUBJECTS[chain][0], 4)
        members = []
        heads = 1 if rnd.random() < 0.3 else 0
        for number in range(rnd.randint(4, 14)):
            person = _person(rnd, used_numbers, region, anchor.replace(year=anchor.year - 55),
                             anchor.replace(year=anchor.year - 23))
            head = number < heads
            members.append({**person, "position": rnd.choice(HEAD_POSITIONS if head else MEMBER_POSITIONS),
                            "enterprise_head": head,
                            "joined_on": _day_between(rnd, founded, anchor - datetime.timedelta(days=60))
                            .isoformat()})
        payload = {
            "name": name, "unit": UNIT, "enterprise": enterprise, "industry_chain": chain,
            "region_code": region, "level": level, "founded_on": founded.isoformat(),
            "description": f"{enterprise}{lead['name']}领衔的{chain}产业链创新工作室，围绕"
                           f"{'、'.join(objects[:2])}开展技术攻关、成果转化和名师带徒。",
            "lead": {**lead, "position": rnd.choice(LEAD_POSITIONS), "honour": honour,
                     "joined_on": founded.isoformat()},
            "members": members,
        }
        studios.append({"position": position, "slug": slug, "trades": trades, "objects": objects,
                        "strength": rnd.uniform(low, high), "payload": payload})
    return studios


def plan_alliances(rnd, studios, anchor):
    """One alliance ("1 + N") per 40 studios, at least one and at most five: one across
    industries of the provincial and national studios, and those of the chains with the most
    studios; the strongest studio convenes first, the next takes its turn."""
    count = min(5, max(1, len(studios) // 40))
    by_chain = {}
    for studio in studios:
        by_chain.setdefault(studio["payload"]["industry_chain"], []).append(studio)
    chains = sorted(by_chain, key=lambda c: (-len(by_chain[c]), list(CHAINS).index(c)))
    taken, groups = set(), []
    across = (f"{CITY}劳模工匠创新工作室跨行业联盟", "跨行业、跨企业")
    top = [s for s in studios if s["payload"]["level"] in ("national", "provincial")]
    if count >= 3 and len(top) >= 3:
        groups.append((*across, top[:rnd.randint(5, 8)]))
        taken.update(s["position"] for s in groups[0][2])
    for chain in chains:
        if len(groups) == count:
            break
        members = [s for s in by_chain[chain] if s["position"] not in taken][:rnd.randint(4, 9)]
        if len(members) >= 2:
            groups.append((f"{CITY}{chain}产业链创新工作室联盟", f"{chain}产业链", members))
            taken.update(s["position"] for s in members)
    if not groups:  # a few studios, each of a chain of its own: one alliance across them
        groups.append((*across, sorted(studios, key=lambda s: -s["strength"])[:5]))
    alliances = []
    for name, scope, members in groups:
        ranked = sorted(members, key=lambda s: -s["strength"])
        subject = rnd.choice(ranked[0]["objects"])
        alliances.append({
            "name": name, "members": [s["position"] for s in members],
            "convenor": ranked[0]["position"], "next_convenor": ranked[1]["position"],
            "description": f"{scope}的劳模工匠创新工作室结成“1+N”联盟，盟主轮值，联合攻关、共享设备和人才。",
            "project": {"title": f"{subject}关键工序联合攻关", "studios": [s["position"] for s in ranked[:3]],
                        "started_on": _day_between(rnd, anchor.replace(year=anchor.year - 1),
                                                   anchor - datetime.timedelta(days=30)).isoformat(),
                        "description": f"联盟成员工作室共同攻克{subject}关键工序的质量与效率难题。"},
        })
    return alliances


def _title(rnd, kind, studio, first_author):
    chain = studio["payload"]["industry_chain"]
    objects, problems = SUBJECTS[chain]
    subject = rnd.choice(studio["objects"] if rnd.random() < 0.7 else objects)
    words = WORDS.get(kind, ((), ()))[chain in DIGITAL_CHAINS]
    if kind in ("invention_patent", "utility_patent"):
        return f"一种{subject}{rnd.choice(words)}", {}
    if kind == "design_patent":
        return f"{subject}{rnd.choice(words)}", {}
    if kind == "five_small":
        code, word = rnd.choice(FIVE_SMALL_KINDS)
        return f"{subject}{rnd.choice(words)}{word}", {"five_small_kind": code}
    if kind == "tackling":
        problem = rnd.choice(problems)
        return f"{subject}{problem}技术攻关", {"problem": f"{subject}{problem}，影响产品质量和生产效率"}
    if kind == "operating_method":
        return f"{first_author}{subject}{rnd.choice(METHOD_WORDS)}操作法", {}
    if kind == "rationalisation":
        return f"关于{subject}{rnd.choice(SUGGESTION_WORDS)}的合理化建议", {}
    if kind == "standard":
        return f"{subject}{rnd.choice(STANDARD_WORDS)}", {}
    return f"{rnd.choice(studio['trades'])}{rnd.choice(TRAINING_WORDS)}（{subject}）", {}


def _confirmation(rnd, studio, achieved, anchor, serial):
    confirmed = min(achieved + datetime.timedelta(days=rnd.randint(10, 60)),
                    anchor - datetime.timedelta(days=1))
    return {"department": f"{studio['payload']['enterprise']}财务部",
            "document_ref": f"财审〔{confirmed.year}〕{serial}号", "confirmed_on": confirmed.isoformat()}


def patent_number(rnd, kind, achieved, used):
    """A valid application number (ZL + year, kind digit, serial, '.' check digit) of the patent
    ``kind`` granted on ``achieved``: filed up to three years before, never twice."""
    digit = {"invention_patent": "1", "utility_patent": "2", "design_patent": "3"}[kind]
    lag = rnd.randint(1, 3) if digit == "1" else rnd.randint(0, 1)
    while True:
        digits = f"{achieved.year - lag}{digit}{rnd.randrange(10 ** 7):07d}"
        if digits not in used:
            used.add(digits)
            return f"ZL{digits}.{patent_check_digit(digits)}"


def _result(rnd, studio, kind, anchor, period_start, used_patents, titles, serial):
    """One result's payload (the authors as positions among the studio's people, 0 the lead)."""
    payload = studio["payload"]
    people = [payload["lead"]] + payload["members"]
    count = min(len(people), rnd.choice((1, 1, 2, 2, 3, 4)))
    authors = [0] + rnd.sample(range(1, len(people)), count - 1) if rnd.random() < 0.45 else \
        rnd.sample(range(len(people)), count)
    if kind == "operating_method":  # its first author may not be an enterprise head
        authors = [a for a in authors if not people[a].get("enterprise_head")] or [0]
    # Most results in the rating period, some in the year before it (within the window, not counted).
    if rnd.random() < 0.85:
        achieved = _day_between(rnd, period_start, anchor - datetime.timedelta(days=1))
    else:
        achieved = _day_between(rnd, period_start.replace(year=period_start.year - 1),
                                period_start - datetime.timedelta(days=1))
    for attempt in range(TOO_MANY_TITLES + len(PHASES)):
        title, details = _title(rnd, kind, studio, people[authors[0]]["name"])
        if attempt >= TOO_MANY_TITLES:
            title += PHASES[attempt - TOO_MANY_TITLES]
        if (achieved.year, title) not in titles:
            titles.add((achieved.year, title))
            break
    strength = studio["strength"]
    body = {"kind": kind, "title": title, "achieved_on": achieved.isoformat(), "authors": authors,
            "details": details, "description": f"{payload['enterprise']}{title}：由{people[authors[0]]['name']}"
                                               f"牵头完成，已在生产中应用。"}
    benefit = 0
    if kind == "tackling":
        benefit = round(rnd.uniform(0.15, 1.2) * strength * 1_500_000, -3)
    elif kind in ("five_small", "operating_method", "rationalisation") and rnd.random() < 0.6:
        benefit = round(rnd.uniform(0.05, 0.4) * strength * 500_000, -3)
    elif kind == "invention_patent" and rnd.random() < 0.4:
        benefit = round(rnd.uniform(0.2, 1.0) * strength * 2_000_000, -3)
    if benefit:
        created = round(benefit * rnd.choice((0, 0, 0.2, 0.5)), -3)
        body["economic_benefit"] = {"cost_saved": benefit - created, "value_created": created,
                                    "confirmation": _confirmation(rnd, studio, achieved, anchor, serial)}
    if kind in ("invention_patent", "utility_patent", "design_patent"):
        body["patent_number"] = patent_number(rnd, kind, achieved, used_patents)
        body["converted"] = rnd.random() < 0.35 * strength + 0.1
    elif kind in ("tackling", "five_small"):
        body["converted"] = rnd.random() < 0.25 * strength
    if kind == "operating_method":
        body["details"]["applied_since"] = (achieved - datetime.timedelta(
            days=rnd.randint(400, 1100))).isoformat()
        body["people_trained"] = rnd.randint(5, 30)
    elif kind == "rationalisation":
        body["details"]["adopted_on"] = achieved.isoformat()
    elif kind == "standard":
        enterprise_level = rnd.random() < 0.7
        body["details"].update(
            standard_level="enterprise" if enterprise_level else "group",
            standard_number=(f"Q/{studio['slug'].upper()} {rnd.randint(100, 999)}-{achieved.year}"
                             if enterprise_level else
                             f"T/HNJX {rnd.randint(10, 199):03d}-{achieved.year}"))
    elif kind == "training":
        body["people_trained"] = max(3, round(rnd.uniform(5, 45) * (0.5 + strength)))
    if rnd.random() < 0.08 and kind not in ("training", "standard"):
        body["prior_award_level"] = rnd.choice(("enterprise", "county", "county", "city"))
    return body


def plan_results(rnd, studios, per_studio, anchor):
    """Every studio's results and how its review goes, spread by strength around ``per_studio``."""
    period_start = datetime.date.fromisoformat(rating_period(anchor)["from"])
    total = per_studio * len(studios)
    # The strongest studios achieve several times what the weakest do.
    weights = [0.3 + 1.5 * s["strength"] ** 2 for s in studios]
    sizes = [int(total * w / sum(weights)) for w in weights]
    for n in range(total - sum(sizes)):
        sizes[n % len(sizes)] += 1
    kinds, shares = zip(*KIND_SHARES)
    used_patents = set()
    serial = 0
    for studio, size in zip(studios, sizes):
        titles = studio["titles"] = set()
        studio["results"] = []
        for _ in range(size):
            serial += 1
            kind = rnd.choices(kinds, shares)[0]
            body = _result(rnd, studio, kind, anchor, period_start, used_patents, titles, serial)
            returned = rnd.random() < RETURN_SHARE
            studio["results"].append({
                "body": body, "evidence": "patent_number" in body or rnd.random() < 0.08,
                "review": "return" if returned else "verify",
                "rework": returned and rnd.random() < 0.5,
                "return_comment": rnd.choice(RETURN_COMMENTS)})


def plan_duplicates(rnd, studios):
    """A few results filed again by another studio of the same chain, in other words: each to be
    marked a duplicate of the first. [(studio position, original (studio, index), body)]"""
    candidates = [(s, i) for s in studios for i, r in enumerate(s["results"])
                  if r["body"]["kind"] in ("tackling", "five_small") and r["review"] == "verify"]
    count = min(len(candidates), max(1 if len(studios) >= 2 else 0,
                                     round(sum(len(s["results"]) for s in studios) * DUPLICATE_SHARE)))
    duplicates = []
    for studio, index in rnd.sample(candidates, count) if count else ():
        chain = studio["payload"]["industry_chain"]
        others = [s for s in studios if s is not studio and s["payload"]["industry_chain"] == chain] or \
            [s for s in studios if s is not studio]
        if not others:
            continue
        other = rnd.choice(others)
        original = studio["results"][index]["body"]
        body = {key: value for key, value in original.items() if key != "economic_benefit"}
        body["title"] = original["title"].replace("技术攻关", "攻关") if original["kind"] == "tackling" \
            else "关于" + original["title"]
        if (int(original["achieved_on"][:4]), body["title"]) in other["titles"]:
            continue  # the other studio filed a result of that title itself
        body["authors"] = [0]
        body["description"] = f"{other['payload']['enterprise']}：{original['description']}"
        duplicates.append({"studio": other["position"], "original": (studio["position"], index),
                           "body": body})
    return duplicates


def panel_scores(rnd, strength, max_points, experts):
    """Each expert's score of one panel item: around the studio's strength, in half points."""
    scores = []
    for expert in experts:
        score = rnd.gauss(max_points * (0.45 + 0.5 * strength), max_points * 0.06)
        scores.append({"expert": expert, "score": min(max_points, max(0.0, round(score * 2) / 2))})
    return scores


def build(seed, studios, per_studio, today=None):
    """The whole studio programme of ``seed``: studios, alliances, results, duplicates, experts."""
    rnd = random.Random(f"{seed}/studios")
    anchor = anchor_day(today)
    used_numbers = set()
    planned = plan_studios(rnd, studios, anchor, used_numbers)
    alliances = plan_alliances(rnd, planned, anchor)
    plan_results(rnd, planned, per_studio, anchor)
    duplicates = plan_duplicates(rnd, planned)
    experts = [f"{person_name(rnd, rnd.random() < 0.6)}{rnd.choice(EXPERT_TITLES)}" for _ in range(5)]
    reviewers = [("demo-reviewer-1", person_name(rnd, True), UNION_NAME),
                 ("demo-reviewer-2", person_name(rnd, False), UNION_NAME)]
    # Experts seconded from enterprises review too, never their own enterprise's results.
    for n, chain in enumerate(("装备制造", "汽车制造", "铝加工制品"), start=3):
        reviewers.append((f"demo-reviewer-{n}", person_name(rnd, True), CHAINS[chain][2][0]))
    for studio in planned:
        for result in studio["results"]:
            fit = [r for r in reviewers if r[2] != studio["payload"]["enterprise"]]
            result["reviewer"] = rnd.choice(fit)
    return {"seed": seed, "anchor": anchor, "period": rating_period(anchor), "studios": planned,
            "alliances": alliances, "duplicates": duplicates, "experts": experts,
            "reviewers": reviewers}


# ---------------------------------------------------------------------------------------------
# Evidence: a patent certificate as a one-page PDF


def _pdf_text(text):
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def certificate_pdf(heading, lines, title):
    """A one-page PDF that shows ``heading`` and ``lines`` (Latin text, in Helvetica) and carries
    ``title`` (any text) as its document title."""
    text = [f"BT /F1 16 Tf 40 250 Td {_pdf_text(heading)} Tj /F1 11 Tf"]
    text += [f"0 -22 Td {_pdf_text(line)} Tj" for line in lines]
    stream = (" ".join(text) + " ET").encode("ascii")
    info = "<FEFF" + title.encode("utf-16-be").hex().upper() + ">"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 297] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Title %s /Producer (Jiangxin demo-data) >>" % info.encode("ascii")]
    header = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"  # the binary comment marks the file as binary
    parts, offsets, size = [header], [], len(header)
    for number, body in enumerate(objects, start=1):
        offsets.append(size)
        part = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        parts.append(part)
        size += len(part)
    table = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    parts.append(b"xref\n0 %d\n0000000000 65535 f \n%s" % (len(objects) + 1, table))
    parts.append(b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                 % (len(objects) + 1, size))
    return b"".join(parts)


def evidence_file(body, studio_name):
    """(filename, bytes, media type) of a result's evidence: its patent certificate, or the
    report of its application."""
    if body.get("patent_number"):
        number = body["patent_number"]
        lines = [f"Patent No. {number}", f"Granted: {body['achieved_on']}",
                 "China National Intellectual Property Administration"]
        return (f"专利证书-{number}.pdf", certificate_pdf("Patent Certificate", lines, body["title"]),
                "application/pdf")
    lines = [f"Achieved: {body['achieved_on']}", "Application report of an innovation result"]
    return (f"应用证明-{body['achieved_on']}.pdf",
            certificate_pdf("Application Report", lines, f"{studio_name}：{body['title']}"), "application/pdf")


# ---------------------------------------------------------------------------------------------
# Loading, stage by stage


def _payload(body, member_ids):
    """A result's request body, its authors as the studio's member ids."""
    return {**body, "authors": [member_ids[position] for position in body["authors"]]}


class Loader:
    def __init__(self, gateway, secret, plan, pool_size, notice_seconds=None):
        self.gateway, self.secret, self.plan, self.pool_size = gateway, secret, plan, pool_size
        self.notice_seconds = notice_seconds
        self.union = issue_token(secret, "demo-union", "reviewer", name="市总工会经济技术部",
                                 enterprise=UNION_NAME)
        self.reviewers = {subject: issue_token(secret, subject, "reviewer", name=name, enterprise=enterprise)
                          for subject, name, enterprise in plan["reviewers"]}
        self.round = None

    def check_not_loaded(self):
        """SystemExit if the union already has a studio of this plan (the same seed ran before)."""
        planned = {(s["payload"]["name"], s["payload"]["enterprise"]) for s in self.plan["studios"]}
        for studio in self.gateway.pages("/studios", self.union, {"unit": UNIT}):
            if (studio["name"], studio["enterprise"]) in planned:
                raise SystemExit(f"demo-data: the studios of seed {self.plan['seed']} are loaded already "
                                 f"({studio['name']}, {studio['id']}): give another --seed, or "
                                 f"--skip-studios")

    def load(self):
        self.check_not_loaded()
        studios = self.plan["studios"]
        run_stage("studios", "studios", studios, len(studios), self.register, self.pool_size)
        alliances = self.plan["alliances"]
        if alliances:
            run_stage("alliances", "alliances", alliances, len(alliances), self.ally,
                      min(self.pool_size, len(alliances)))
        results = [(studio, result) for studio in studios for result in studio["results"]]
        run_stage("results submitted", "results", studios, len(results), self.submit_all, self.pool_size)
        run_stage("review", "results", results, len(results), self.review, self.pool_size)
        duplicates = self.plan["duplicates"]
        if duplicates:
            run_stage("duplicates", "results", duplicates, len(duplicates), self.duplicate,
                      min(self.pool_size, len(duplicates)))
        self.rate()

    # the studios and their alliances

    def register(self, studio, progress):
        view = self.gateway.call("POST", "/studios", self.union, studio["payload"], create=True)
        studio["id"] = view["id"]
        people = [studio["payload"]["lead"]] + studio["payload"]["members"]
        members = view["members"]
        if len(members) != len(people) or any(m["id_number_masked"][-4:] != p["id_number"][-4:]
                                              for m, p in zip(members, people)):
            raise ApiError(f"studio {view['id']}: its members came back in another order")
        studio["member_ids"] = [m["member_id"] for m in members]
        studio["lead_token"] = issue_token(self.secret, f"lead-{view['id']}", "studio_lead",
                                           studio=view["id"], name=studio["payload"]["lead"]["name"])
        progress.advance(members=len(members))

    def ally(self, alliance, progress):
        ids = {s["position"]: s["id"] for s in self.plan["studios"]}
        view = self.gateway.call("POST", "/alliances", self.union, {
            "name": alliance["name"], "unit": UNIT, "description": alliance["description"],
            "members": [ids[p] for p in alliance["members"]], "convenor": ids[alliance["convenor"]]},
            create=True)
        alliance["id"] = view["id"]
        # The convenor (盟主) rotates: the next studio takes its turn.
        self.gateway.call("POST", f"/alliances/{view['id']}/convenor", self.union,
                  {"studio_id": ids[alliance["next_convenor"]]})
        project = alliance["project"]
        self.gateway.call("POST", f"/alliances/{view['id']}/projects", self.union, {
            "title": project["title"], "description": project["description"],
            "studio_ids": [ids[p] for p in project["studios"]], "started_on": project["started_on"]},
            create=True)
        progress.advance()

    # results: the lead writes, attaches evidence and submits, one after another

    def submit_all(self, studio, progress):
        for result in studio["results"]:
            self.write_and_submit(studio, result)
            progress.advance(evidence=int(result["evidence"]),
                             **{"with near duplicates": int(bool(result["near_duplicates"]))})

    def write_and_submit(self, studio, result):
        token = studio["lead_token"]
        body = _payload(result["body"], studio["member_ids"])
        draft = self.gateway.call("POST", f"/studios/{studio['id']}/results", token, body, create=True)
        result["id"] = draft["id"]
        if result["evidence"]:
            self.gateway.call("POST", f"/results/{draft['id']}/evidence", token, create=True,
                      files={"file": evidence_file(result["body"], studio["payload"]["name"])})
        submitted = self.gateway.call("POST", f"/results/{draft['id']}/submission", token)
        result["near_duplicates"] = submitted["near_duplicates"]
        return submitted

    # the review: a reviewer of another enterprise

    def review(self, item, progress):
        studio, result = item
        token = self.reviewers[result["reviewer"][0]]
        path = f"/results/{result['id']}/reviews"
        self.gateway.call("POST", path, token, {"action": "start_review", "comment": "开始审核"})
        if result["review"] == "return":
            self.gateway.call("POST", path, token, {"action": "return", "comment": result["return_comment"]})
            if not result["rework"]:
                progress.advance(returned=1)
                return
            body = _payload(result["body"], studio["member_ids"])
            body["description"] += "（已按审核意见补充应用证明和技术要点）"
            self.gateway.call("PUT", f"/results/{result['id']}", studio["lead_token"], body)
            self.gateway.call("POST", f"/results/{result['id']}/submission", studio["lead_token"])
            self.gateway.call("POST", path, token, {"action": "start_review", "comment": "复核补充材料"})
        benefit = (result["body"].get("economic_benefit") or {}).get("confirmation")
        self.gateway.call("POST", path, token, {"action": "verify",
                                        "comment": BENEFIT_COMMENT if benefit else REVIEW_COMMENT})
        progress.advance(verified=1, reworked=int(result["rework"]))

    def duplicate(self, duplicate, progress):
        studios = {s["position"]: s for s in self.plan["studios"]}
        studio = studios[duplicate["studio"]]
        original_studio, index = duplicate["original"]
        original = studios[original_studio]["results"][index]["id"]
        result = {"body": duplicate["body"], "evidence": False}
        submitted = self.write_and_submit(studio, result)
        duplicate["shown"] = original in {d["result_id"] for d in submitted["near_duplicates"]}
        self.gateway.call("POST", f"/results/{submitted['id']}/reviews", self.union,
                  {"action": "duplicate", "comment": DUPLICATE_COMMENT, "duplicate_of": original})
        progress.advance()

    # the rating round: panel scores, proposals, the public notice

    def rate(self):
        period = self.plan["period"]
        year = int(period["to"][:4])
        self.round = round_ = self.gateway.call("POST", "/rating-rounds", self.union, {
            "name": f"{year}年度{CITY}劳模和工匠人才创新工作室星级评定", "unit": UNIT, "year": year,
            "period": period}, create=True)
        items = [(item["code"], item["max_points"]) for category in round_["rubric"]["categories"]
                 for item in category["items"] if item["rule"]["kind"] == "panel"]
        # Every active studio of the union is in the round, those of earlier runs too.
        strengths = {s["id"]: s["strength"] for s in self.plan["studios"]}
        rated = [(s["id"], strengths.get(s["id"], 0.5))
                 for s in self.gateway.pages("/studios", self.union, {"unit": UNIT, "status": "active"})]
        rnd = random.Random(f"{self.plan['seed']}/panel")
        scores = [(studio_id, code, panel_scores(rnd, strength, max_points, self.plan["experts"]))
                  for studio_id, strength in rated for code, max_points in items]

        def score(task, progress):
            studio_id, code, expert_scores = task
            self.gateway.call("POST", f"/rating-rounds/{round_['id']}/panel-scores", self.union,
                      {"studio_id": studio_id, "item": code, "scores": expert_scores})
            progress.advance()

        run_stage("panel scores", "scores", scores, len(scores), score, self.pool_size)
        started = time.monotonic()
        proposed = self.gateway.call("POST", f"/rating-rounds/{round_['id']}/proposals", self.union,
                                     timeout=180)
        print(f"proposals              {proposed['counts'].get('proposed', 0):>7,} ratings computed in "
              f"{time.monotonic() - started:.1f} s", flush=True)
        notice = {}
        if self.notice_seconds is not None:
            closes = utc_datetime() + datetime.timedelta(seconds=self.notice_seconds)
            notice["closes_at"] = closes.isoformat(timespec="milliseconds")
        self.round = self.gateway.call("POST", f"/rating-rounds/{round_['id']}/notice", self.union, notice)
        print(f"public notice (公示)    open until {self.round['notice']['closes_at']}", flush=True)
        if self.notice_seconds is not None:
            self.wait_for_effect()

    def ratings(self):
        return list(self.gateway.pages(f"/rating-rounds/{self.round['id']}/ratings", self.union))

    def wait_for_effect(self):
        """Until the notice has closed and every rating of the round took effect (bounded)."""
        deadline = time.monotonic() + self.notice_seconds + WAIT_FOR_EFFECT
        while True:
            round_ = self.gateway.call("GET", f"/rating-rounds/{self.round['id']}", self.union)
            if round_["status"] == "closed":
                self.round = round_
                print(f"ratings in effect      {round_['counts'].get('effective', 0):>7,} "
                      f"(the notice closed at {round_['notice']['closes_at']})", flush=True)
                return
            if time.monotonic() > deadline:
                raise ApiError(f"rating round {round_['id']} still {round_['status']} "
                               f"{WAIT_FOR_EFFECT} s after its notice closed: {round_['counts']}")
            time.sleep(1)


def stars_line(ratings):
    """'5★ 3, 4★ 21, ...' of the proposals of ``ratings``."""
    counts = {}
    for rating in ratings:
        stars = (rating.get("proposal") or {}).get("stars", 0)
        counts[stars] = counts.get(stars, 0) + 1
    return ", ".join(f"{stars}★ {counts[stars]}" if stars else f"no star {counts[stars]}"
                     for stars in sorted(counts, reverse=True))


def load(gateway, secret, plan, pool_size, notice_seconds=None):
    """Load ``plan`` (see :func:`build`); a summary of what was loaded, for the report."""
    loader = Loader(gateway, secret, plan, pool_size, notice_seconds)
    loader.load()
    ratings = loader.ratings()
    best = max(ratings, key=lambda r: (r["proposal"]["points"], r["studio_name"]))
    studios = plan["studios"]
    results = [r for s in studios for r in s["results"]]
    levels = {}
    for studio in studios:
        levels[studio["payload"]["level"]] = levels.get(studio["payload"]["level"], 0) + 1
    return {
        "round": loader.round, "ratings": ratings, "best": best, "stars": stars_line(ratings),
        "studios": len(studios), "members": sum(len(s["member_ids"]) for s in studios),
        "levels": ", ".join(f"{count} {LEVEL_NAMES[level]}" for level, count in
                            sorted(levels.items(), key=lambda item: list(LEVEL_NAMES).index(item[0]))),
        "alliances": len(plan["alliances"]), "results": len(results) + len(plan["duplicates"]),
        "verified": sum(1 for r in results if r["review"] == "verify" or r["rework"]),
        "returned": sum(1 for r in results if r["review"] == "return" and not r["rework"]),
        "reworked": sum(1 for r in results if r["rework"]),
        "duplicates": len(plan["duplicates"]),
        "duplicates_shown": sum(1 for d in plan["duplicates"] if d.get("shown")),
        "patents": sum(1 for r in results if r["body"].get("patent_number")),
        "evidence": sum(1 for r in results if r["evidence"]),
        "near_duplicates": sum(1 for r in results if r["near_duplicates"]),
        "leads": [s["payload"]["lead"]["name"] for s in studios],
    }
