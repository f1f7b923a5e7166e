"""The yearly studio report for people: a readable HTML page (gateway.pages) and an Excel workbook,
both from the report as the JSON answer has it (dumped through the service's response schema).

- The page: the totals, then a table per grouping with bars for studios and results, the stars as
  ★, levels and stars in words, money in yuan, and when it was made in Beijing time. Every value
  from data (names, chains, region codes, units) is escaped.
- The workbook: a sheet per grouping, its rows then the totals row, and a sheet that says what
  was counted; headers in Chinese and English in one cell, as the talent export's; text cells are
  typed as text (never a formula), counts and yuan are numbers.
"""
import datetime

from marshmallow import fields, validate

from common.clock import BEIJING
from gateway import exports
from gateway.pages import bar_cell, escape, page, stars
from services.studios import api

JSON, HTML, XLSX = "json", "html", exports.XLSX
FORMATS = (JSON, HTML, XLSX)
# Seconds the report may take instead of the usual RPC timeout: it reads every verified result
# of its scope (1,000 studios with 50,000 results: under a second on the embedded store).
REPORT_TIMEOUT = 60.0

LEVELS = (("enterprise", "企业级", "Enterprise"), ("county", "县级", "County"), ("city", "市级", "City"),
          ("provincial", "省级", "Provincial"), ("national", "国家级", "National"))
STAR_NAMES = ("无星 No star", "一星 1 star", "二星 2 stars", "三星 3 stars", "四星 4 stars",
              "五星 5 stars")
GROUPINGS = {
    "studio": ("工作室 Studios", ("编号 ID", 18), ("工作室 Studio", 32)),
    "alliance": ("联盟 Alliances", ("编号 ID", 18), ("联盟 Alliance", 32)),
    "industry_chain": ("产业链 Industry chains", None, ("产业链 Industry chain", 20)),
    "region": ("地区 Regions", None, ("地区代码 Region code", 16)),
}
TOTAL = "合计 Total"
ALLIANCE_NOTE = ("一个工作室加入多个联盟时在每个联盟中计入，合计中只计一次；未加入联盟的工作室不在联盟行中。"
                 "A studio in several alliances counts in each alliance's row and once in the "
                 "total; a studio in no alliance is in no alliance's row.")


class StudioReportQuerySchema(api.StudioReportQuerySchema):
    """The report's filters and groupings, and how to answer: JSON, a page or an Excel workbook."""
    format = fields.String(load_default=JSON, validate=validate.OneOf(FORMATS),
                           metadata={"description": "json, html (a readable page) or xlsx "
                                                    "(an Excel workbook to download)"})


def _money(row, field):
    return float(row.get(field) or 0)


# (header, width, the cell of a row): the counts every grouping's table has, in order.
COUNT_COLUMNS = (
    ("工作室数 Studios", 10, lambda row: row["studios"]),
    *((f"{name} {english}", 10, lambda row, level=level: row["studios_by_level"][level])
      for level, name, english in LEVELS),
    *((STAR_NAMES[count], 10, lambda row, count=count: row["studios_by_stars"][str(count)])
      for count in range(6)),
    ("核实成果 Verified results", 12, lambda row: row["verified_results"]),
    ("专利 Patents", 10, lambda row: row["patents"]),
    ("发明专利 Invention patents", 12, lambda row: row["patents_by_kind"]["invention"]),
    ("实用新型专利 Utility-model patents", 14, lambda row: row["patents_by_kind"]["utility"]),
    ("外观设计专利 Design patents", 12, lambda row: row["patents_by_kind"]["design"]),
    ("技术攻关 Problems solved", 12, lambda row: row["problems_solved"]),
    ("五小成果 Five-small results", 12, lambda row: row["five_small"]),
    ("成果转化 Results converted", 12, lambda row: row["results_converted"]),
    ("节约成本（元） Cost saved (yuan)", 18, lambda row: _money(row, "cost_saved")),
    ("创造价值（元） Value created (yuan)", 18, lambda row: _money(row, "value_created")),
    ("培训人数 People trained", 12, lambda row: row["people_trained"]),
)


def generated_in_beijing(instant):
    """``2026-12-03 14:05`` (Beijing time) of an ISO 8601 instant; the text itself if it is none."""
    try:
        moment = datetime.datetime.fromisoformat(str(instant))
    except ValueError:
        return str(instant or "")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _filters_text(view):
    filters = view.get("filters") or {}
    parts = [f"单位 Unit: {filters.get('unit') or '全部 all'}",
             f"年度 Year: {filters.get('year') or '历年 every year'}",
             f"产业链 Industry chain: {filters.get('industry_chain') or '全部 all'}"]
    return " · ".join(parts)


def _stamp_text(view):
    return f"生成于 Generated {generated_in_beijing(view.get('generated_at'))} 北京时间 Beijing time"


# --- the page


def _levels_text(row):
    counts = row["studios_by_level"]
    if row["studios"] == 1:
        return next((name for level, name, _ in LEVELS if counts[level]), "")
    return " · ".join(f"{name} {counts[level]}" for level, name, _ in LEVELS if counts[level])


def _stars_cell(row):
    counts = row["studios_by_stars"]
    held = [count for count in range(5, -1, -1) if counts[str(count)]]
    if row["studios"] == 1:
        label = f"{held[0]} stars" if held else ""
        return f'<td class="stars" aria-label="{label}">{stars(held[0] if held else 0)}</td>'
    shown = " · ".join(f"{stars(count) if count else '无星'} {counts[str(count)]}" for count in held)
    return f'<td class="stars">{escape(shown)}</td>'


def _html_table(grouping, totals):
    rows = grouping["rows"]
    title, _, (name_header, _) = GROUPINGS[grouping["group_by"]]
    out = [f"<h2>{escape(title)}</h2>"]
    if not rows:
        out.append('<p class="empty">暂无 None.</p>')
        return "".join(out)
    # A studio's own row is one studio: no count of studios to compare there.
    counted = grouping["group_by"] != "studio"
    most_studios = max(row["studios"] for row in rows)
    most_results = max(row["verified_results"] for row in rows)
    heads = (name_header, *(("工作室数 Studios", "") if counted else ()), "级别 Levels", "星级 Stars",
             "核实成果 Results", "", "专利 Patents (发明/实用新型/外观)", "攻关 Problems solved",
             "五小 Five-small", "转化 Converted", "节约成本 Cost saved ¥", "创造价值 Value created ¥",
             "培训 Trained")
    out.append("<table><thead><tr>")
    out.extend(f'<th scope="col">{escape(head)}</th>' for head in heads)
    out.append("</tr></thead><tbody>")

    def line(row, label, css="", bars=True):
        patents = row["patents_by_kind"]
        studios = ""
        if counted:
            studios = (f"<td class=\"num\">{row['studios']:,}</td>"
                       + (bar_cell(row["studios"], most_studios, short=True) if bars else "<td></td>"))
        return (
            f"<tr{css}><td>{escape(label)}</td>{studios}"
            + f"<td>{escape(_levels_text(row))}</td>{_stars_cell(row)}"
            + f"<td class=\"num\">{row['verified_results']:,}</td>"
            + (bar_cell(row["verified_results"], most_results, short=True) if bars else "<td></td>")
            + f"<td class=\"num\">{row['patents']:,} ({patents['invention']:,}/{patents['utility']:,}/"
              f"{patents['design']:,})</td>"
            + "".join(f'<td class="num">{row[field]:,}</td>'
                      for field in ("problems_solved", "five_small", "results_converted"))
            + f"<td class=\"num\">{_money(row, 'cost_saved'):,.2f}</td>"
            + f"<td class=\"num\">{_money(row, 'value_created'):,.2f}</td>"
            + f"<td class=\"num\">{row['people_trained']:,}</td></tr>")

    out.extend(line(row, row["label"]) for row in rows)
    out.append(line(totals, TOTAL, ' class="total"', bars=False))
    out.append("</tbody></table>")
    if grouping["group_by"] == "alliance":
        out.append(f'<p class="meta">{escape(ALLIANCE_NOTE)}</p>')
    return "".join(out)


def report_page(view):
    """The report (dumped through StudioReportSchema) as a self-contained HTML page."""
    totals = view["totals"]
    summary = (f'<p class="total">合计 Total: <strong>{totals["studios"]:,}</strong> 个工作室 studios · '
               f'<strong>{totals["verified_results"]:,}</strong> 项核实成果 verified results · '
               f'专利 patents {totals["patents"]:,} · 攻关 problems solved {totals["problems_solved"]:,} · '
               f'节约成本 cost saved ¥{_money(totals, "cost_saved"):,.2f} · '
               f'培训 people trained {totals["people_trained"]:,}</p>'
               f'<p class="meta">{escape(_stamp_text(view))}；金额仅计财务部门确认的部分 '
               "money counts only where the financial department confirmed it.</p>")
    tables = "".join(_html_table(grouping, totals) for grouping in view["groupings"])
    return page("创新工作室统计报表 Innovation studio report", _filters_text(view), summary + tables)


# --- the workbook


def _table(group_by):
    title, key, (name_header, name_width) = GROUPINGS[group_by]
    first = ([key] if key else []) + [(name_header, name_width)]
    headers = tuple(header for header, _ in first) + tuple(c[0] for c in COUNT_COLUMNS)
    widths = tuple(width for _, width in first) + tuple(c[1] for c in COUNT_COLUMNS)

    def cells(row):
        named = ([row["key"]] if key else []) + [row["label"]]
        return named + [cell(row) for _, _, cell in COUNT_COLUMNS]

    return exports.Table(title, headers, widths, cells)


ABOUT = exports.Table("说明 About", ("项目 Item", "内容 Value"), (24, 100), list)


def _about_rows(view):
    filters = view.get("filters") or {}
    return [
        ("报表 Report", "创新工作室统计报表 Innovation studio report"),
        ("单位 Unit", filters.get("unit") or "全部 all"),
        ("年度 Year", filters.get("year") or "历年 every year"),
        ("产业链 Industry chain", filters.get("industry_chain") or "全部 all"),
        ("生成于 Generated (北京时间 Beijing time)", generated_in_beijing(view.get("generated_at"))),
        ("工作室 Studios", "现有工作室（不含已撤销），级别与星级为当前状态 studios as they stand "
                         "(ended ones left out), with their level and stars now"),
        ("成果 Results", "经核实的成果，按取得年度 verified results, by the year achieved"),
        ("金额 Money", "仅计财务部门确认的部分，单位元 only what the financial department confirmed, yuan"),
        ("联盟 Alliances", ALLIANCE_NOTE),
    ]


def report_workbook(view, environ, now=None):
    """The report (dumped through StudioReportSchema) as an Excel workbook to download."""
    totals = {**view["totals"], "key": None, "label": TOTAL}
    sheets = [(_table(grouping["group_by"]), grouping["rows"] + [totals])
              for grouping in view["groupings"]]
    sheets.append((ABOUT, _about_rows(view)))
    file = exports.workbook(sheets)
    made = exports.stamp(now)
    return exports.file_response(file, XLSX, environ, f"studio-report-{made}.xlsx",
                                 f"创新工作室统计报表-{made}.xlsx")
