"""Rankings as readable HTML boards: the jury's live ranking and the public results.

One self-contained page per board: inline CSS, no scripts, no external assets, so it can be shown
on a screen in the hall or saved as a file. Every value that comes from data (names, employers,
trades, codes, aspect ids) is escaped with ``html.escape``; the responses also carry a Content
Security Policy that forbids scripts, so a name that slipped through could still not run.
"""
import html

from werkzeug.wrappers import Response

from common.vocabulary import COMPETITION_LEVEL_NAMES, PRIZE_NAMES

HTML_CONTENT_TYPE = "text/html; charset=utf-8"
# Inline styles only; nothing else may load or run.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

# The usual components and levels, in the words printed on certificates; others show their key.
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

_STYLE = """
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2rem;color:#1a1a1a}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem}
p.meta{color:#555;margin:0 0 1rem}
table{border-collapse:collapse;min-width:40rem}
th,td{border:1px solid #ccc;padding:.35rem .7rem;text-align:left}
th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.incomplete td{color:#888}
td.flags{color:#b35900}
p.empty{color:#888}
""".strip()


def _e(value):
    return html.escape("" if value is None else str(value), quote=True)


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


def _table(rows):
    if not rows:
        return '<p class="empty">暂无成绩 No results yet.</p>'
    components = _component_keys(rows)
    head = ["名次 Rank", "选手 Contestant", "总分 Total",
            *[_component_label(key) for key in components], "标记 Flags", "奖项 Prize"]
    out = ["<table><thead><tr>"]
    out.extend(f'<th scope="col">{_e(label)}</th>' for label in head)
    out.append("</tr></thead><tbody>")
    for row in rows:
        who = row.get("name") or row.get("code")
        if row.get("name") and row.get("code"):
            who = f"{row['name']}（{row['code']}）"
        if row.get("employer"):
            who = f"{who} · {row['employer']}"
        css = ' class="incomplete"' if row.get("complete") is False else ""
        cells = [
            f'<td class="num">{_e(row.get("rank"))}</td>',
            f"<td>{_e(who)}</td>",
            f'<td class="num">{_e(_number(row.get("total")))}</td>',
            *[f'<td class="num">{_e(_number((row.get("components") or {}).get(key)))}</td>'
              for key in components],
            f'<td class="flags">{_e("；".join(_flags(row)))}</td>',
            f"<td>{_e(_prize(row))}</td>",
        ]
        out.append(f"<tr{css}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _page(title, meta, body):
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{_e(title)}</h1><p class=\"meta\">{_e(meta)}</p>{body}</body></html>\n"
    )


def ranking_board(view):
    """The jury's live ranking of one event (the competitions service's live_ranking view)."""
    title = f"{view.get('trade', '')} 实时排名 Live ranking"
    meta = " · ".join(part for part in (
        f"竞赛 {view.get('competition_id', '')}",
        f"项目 {view.get('event_id', '')}",
        STATUS_NAMES.get(view.get("status"), view.get("status") or ""),
        "已揭晓 revealed" if view.get("revealed") else "盲评编号 blind codes",
    ) if part)
    return _page(title, meta, _table(view.get("ranking") or []))


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
        sections.append(f"<h2>{_e(event.get('trade'))}</h2>")
        sections.append(_table(event.get("results") or []))
    title = f"{view.get('name', '')} 成绩公布 Results"
    return _page(title, " · ".join(str(part) for part in meta_parts if part), "".join(sections))


def html_response(page, status=200):
    response = Response(page, status=status, content_type=HTML_CONTENT_TYPE)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
