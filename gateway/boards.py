"""What people would rather look at than read, as HTML boards (gateway.pages): the jury's live
ranking, the public results, and the talent pool's statistics with bars.

Every value that comes from data (names, employers, trades, codes, aspect ids) is escaped.
"""
from common.vocabulary import COMPETITION_LEVEL_NAMES, PRIZE_NAMES
from gateway.pages import bar_cell as _bar, escape, page, share as _share, stars as _stars

# The usual components, in the words printed on certificates; others show their key.
COMPONENT_NAMES = {"theory": "理论", "practical": "实操"}

STATUS_NAMES = {
    "draft": "草稿 draft",
    "registration_open": "报名中 registration open",
    "registration_closed": "报名截止 registration closed",
    "marking": "评分中 marking",
    "signed_off": "已签核 signed off",
    "published": "已发布 published",
    "cancelled": "已取消 cancelled",
}


def _number(value, places=2):
    if value is None:
        return ""
    try:
        return f"{float(value):.{places}f}"
    except (TypeError, ValueError):
        return str(value)


def _component_keys(rows):
    """Every component key in the rows, in first-seen order."""
    keys = []
    for row in rows:
        for key in (row.get("components") or {}):
            if key not in keys:
                keys.append(key)
    return keys


def _component_label(key):
    name = COMPONENT_NAMES.get(key)
    return f"{name} {key}" if name else key


def _flags(row):
    flags = []
    if row.get("complete") is False:
        flags.append("未评完 incomplete")
    if row.get("shared"):
        flags.append("并列 tied")
    flagged = row.get("flagged") or []
    if flagged:
        flags.append("待复核 review: " + ", ".join(str(aspect) for aspect in flagged))
    return flags


def _prize(row):
    prize = row.get("prize_name") or PRIZE_NAMES.get(row.get("prize"), row.get("prize"))
    extras = list(row.get("titles") or [])
    if row.get("promotion_level"):
        extras.append(f"晋升 {row['promotion_level']}")
    return "；".join(str(part) for part in [prize, *extras] if part)


def _scaled(row):
    if row.get("scaled_score") is None:
        return ""
    return _number(row["scaled_score"]) + (" ★ 优秀 excellence" if row.get("excellent") else "")


def _table(rows):
    if not rows:
        return '<p class="empty">暂无成绩 No results yet.</p>'
    components = _component_keys(rows)
    # Standardised scores where the event asks for them, beside the raw totals.
    scaled = any(row.get("scaled_score") is not None for row in rows)
    head = ["名次 Rank", "选手 Contestant", "总分 Total", *(["标准分 Scaled"] if scaled else []),
            *[_component_label(key) for key in components], "标记 Flags", "奖项 Prize"]
    out = ["<table><thead><tr>"]
    out.extend(f'<th scope="col">{escape(label)}</th>' for label in head)
    out.append("</tr></thead><tbody>")
    for row in rows:
        who = row.get("name") or row.get("code")
        if row.get("name") and row.get("code"):
            who = f"{row['name']}（{row['code']}）"
        if row.get("employer"):
            who = f"{who} · {row['employer']}"
        css = ' class="incomplete"' if row.get("complete") is False else ""
        cells = [
            f'<td class="num">{escape(row.get("rank"))}</td>',
            f"<td>{escape(who)}</td>",
            f'<td class="num">{escape(_number(row.get("total")))}</td>',
            *([f'<td class="num">{escape(_scaled(row))}</td>'] if scaled else []),
            *[f'<td class="num">{escape(_number((row.get("components") or {}).get(key)))}</td>'
              for key in components],
            f'<td class="flags">{escape("；".join(_flags(row)))}</td>',
            f"<td>{escape(_prize(row))}</td>",
        ]
        out.append(f"<tr{css}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def ranking_board(view):
    """The jury's live ranking of one event (the competitions service's live_ranking view)."""
    title = f"{view.get('trade', '')} 实时排名 Live ranking"
    meta = " · ".join(part for part in (
        f"竞赛 {view.get('competition_id', '')}",
        f"项目 {view.get('event_id', '')}",
        STATUS_NAMES.get(view.get("status"), view.get("status") or ""),
        "已揭晓 revealed" if view.get("revealed") else "盲评编号 blind codes",
    ) if part)
    return page(title, meta, _table(view.get("ranking") or []))


def results_board(view):
    """The published results of a competition (the published_results view), one table per event."""
    publication = view.get("publication") or {}
    meta_parts = [view.get("industry_chain"), COMPETITION_LEVEL_NAMES.get(view.get("level"), view.get("level")),
                  f"发布 published {publication.get('published_at', '')}",
                  f"版本 version {publication.get('version', '')}"]
    if publication.get("correction_reason"):
        meta_parts.append(f"更正 correction: {publication['correction_reason']}")
    sections = []
    for event in view.get("events") or []:
        sections.append(f"<h2>{escape(event.get('trade'))}</h2>")
        sections.append(_table(event.get("results") or []))
    title = f"{view.get('name', '')} 成绩公布 Results"
    return page(title, " · ".join(str(part) for part in meta_parts if part), "".join(sections))


# --- the talent pool's statistics


SECTIONS = (
    ("by_industry_chain", "industry_chain", "产业链 Industry chain"),
    ("by_trade", "trade", "工种 Trade"),
    ("by_skill_level", "skill_level", "技能等级 Skill level"),
)
FILTER_NAMES = {
    "industry_chain": "产业链", "trade": "工种", "skill_level": "等级", "min_skill_level": "最低等级",
    "region": "地区", "employer": "单位", "name": "姓名", "honour": "荣誉", "status": "状态",
    "needs_review": "待复核",
}


def _counts(rows, key, title, total):
    out = [f"<h2>{escape(title)}</h2>"]
    if not rows:
        out.append('<p class="empty">暂无 None.</p>')
        return "".join(out)
    out.append(f'<table><thead><tr><th scope="col">{escape(title)}</th><th scope="col">人数 Talents</th>'
               '<th scope="col">占比 Share</th><th scope="col"></th></tr></thead><tbody>')
    for row in rows:
        count = int(row.get("count") or 0)
        share = _share(count, total)
        label = row.get(key) or "未知 unknown"
        # The width is a number formatted here, never text from data.
        out.append(
            f"<tr><td>{escape(label)}</td><td class=\"num\">{count:,}</td>"
            f"<td class=\"num\">{share:.1f}%</td>"
            f'<td class="bar"><div class="track"><div class="fill" style="width:{share:.1f}%">'
            "</div></div></td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def statistics_page(view):
    """The talent_statistics view (dumped through its schema) as a self-contained HTML page."""
    total = int(view.get("total") or 0)
    filters = view.get("filters") or {}
    described = "；".join(f"{FILTER_NAMES.get(key, key)} {value}" for key, value in sorted(filters.items()))
    meta = f"筛选 Filters: {described}" if described else "全部 All talents"
    title = "高技能人才库统计 Talent pool statistics"
    body = [f'<p class="total">合计 Total: <strong>{total:,}</strong></p>']
    body.extend(_counts(view.get(name) or [], key, label, total) for name, key, label in SECTIONS)
    body.append('<p class="meta">一人可属多个产业链与工种，占比按人数计 '
                "A talent with several chains or trades counts once in each; shares are of the total.</p>")
    return page(title, meta, "".join(body))


def rated_studios_page(view):
    """The public list of rated studios (dumped through its schema) as a page."""
    rows = view.get("items") or []
    title = "星级创新工作室 Rated innovation studios"
    meta = f"共 {int(view.get('total') or 0):,} 个 studios"
    if not rows:
        return page(title, meta, '<p class="empty">暂无 None.</p>')
    out = ['<table><thead><tr><th scope="col">星级 Stars</th><th scope="col">工作室 Studio</th>'
           '<th scope="col">领衔人 Lead</th><th scope="col">企业 Enterprise</th>'
           '<th scope="col">产业链 Industry chain</th><th scope="col">级别 Level</th>'
           '<th scope="col">评定 Round</th></tr></thead><tbody>']
    for row in rows:
        out.append(
            f'<tr><td aria-label="{int(row.get("stars") or 0)} stars">{_stars(row.get("stars"))}</td>'
            f"<td>{escape(row.get('name'))}</td>"
            f"<td>{escape(row.get('lead_name'))} ({escape(row.get('lead_honour'))})</td>"
            f"<td>{escape(row.get('enterprise'))}</td><td>{escape(row.get('industry_chain'))}</td>"
            f"<td>{escape(COMPETITION_LEVEL_NAMES.get(row.get('level'), row.get('level')))}</td>"
            f"<td>{escape(row.get('round_name'))}</td></tr>")
    out.append("</tbody></table>")
    return page(title, meta, "".join(out))


OUTCOME_NAMES = {"first": "首次评定 first", "kept": "保持 kept", "raised": "升星 raised",
                 "lowered": "降星 lowered", "revoked": "摘牌 revoked"}


def notice_page(view):
    """The public notice (公示) of a round's proposed ratings, as a page."""
    notice = view.get("notice") or {}
    title = f"{view.get('name')} 公示 Public notice"
    meta = f"公示期 {notice.get('opens_at', '')} — {notice.get('closes_at', '')} (UTC)"
    rows = view.get("items") or []
    out = ['<p>对公示结果有异议的，请在公示期内实名提出 Signed objections may be filed during the '
           'notice; the objector is kept confidential.</p>',
           '<table><thead><tr><th scope="col">工作室 Studio</th><th scope="col">企业 Enterprise</th>'
           '<th scope="col">拟评星级 Stars</th><th scope="col">得分 Points</th>'
           '<th scope="col">结果 Outcome</th></tr></thead><tbody>']
    for row in rows:
        out.append(
            f"<tr><td>{escape(row.get('studio_name'))}</td><td>{escape(row.get('enterprise'))}</td>"
            f'<td aria-label="{int(row.get("stars") or 0)} stars">{_stars(row.get("stars"))}</td>'
            f'<td class="num">{_number(row.get("points"), 1)}</td>'
            f"<td>{escape(OUTCOME_NAMES.get(row.get('outcome'), row.get('outcome')))}</td></tr>")
    out.append("</tbody></table>")
    return page(title, meta, "".join(out))


def rating_page(view):
    """One rating item by item, with bars: why this studio has its stars."""
    proposal = view.get("proposal") or {}
    title = f"{view.get('studio_name')} 星级评定 Rating"
    meta = (f"{_stars(proposal.get('stars'))} · {_number(proposal.get('points'), 1)} 分 points · "
            f"{OUTCOME_NAMES.get(proposal.get('outcome'), proposal.get('outcome') or '')}")
    if not proposal:
        return page(title, "尚未评定 Not rated yet", "")
    out = []
    items = proposal.get("items") or []
    for category in proposal.get("categories") or []:
        out.append(f"<h2>{escape(category.get('name'))} {_number(category.get('points'))} / "
                   f"{_number(category.get('max_points'))}</h2>")
        out.append('<table><thead><tr><th scope="col">项目 Item</th><th scope="col">得分 Points</th>'
                   '<th scope="col"></th><th scope="col">依据 Basis</th>'
                   '<th scope="col">计入成果 Results counted</th></tr></thead><tbody>')
        for item in items:
            if item.get("category") != category.get("category"):
                continue
            counted = item.get("counted") or []
            out.append(
                f"<tr><td>{escape(item.get('name'))}</td>"
                f'<td class="num">{_number(item.get("points"))} / {_number(item.get("max_points"))}</td>'
                f"{_bar(item.get('points'), item.get('max_points'))}"
                f"<td>{escape(item.get('basis'))}</td>"
                f"<td>{escape(', '.join(counted[:20]))}{' …' if len(counted) > 20 else ''}</td></tr>")
        out.append("</tbody></table>")
    return page(title, meta, "".join(out))
