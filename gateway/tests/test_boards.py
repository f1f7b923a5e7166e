"""The HTML boards: readable, self-contained, and every value from data escaped."""
import re
from html.parser import HTMLParser

from gateway import boards, pages

EVIL = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


class Cells(HTMLParser):
    """The text of every table cell, row by row, and every tag seen."""

    def __init__(self, page):
        super().__init__()
        self.rows, self.tags, self._cell = [], [], None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def live_view(**overrides):
    view = {
        "competition_id": "cmp-1", "event_id": "evt-1", "trade": "数控车工", "status": "marking",
        "revealed": False,
        "ranking": [
            {"rank": 1, "code": "K7M2QX", "total": 88.5, "components": {"theory": 90.0, "practical": 87.86},
             "completion_seconds": 3600.0, "complete": True, "flagged": [], "shared": False},
            {"rank": 2, "code": "B3H9TZ", "total": 80.0, "components": {"theory": 80.0, "practical": 80.0},
             "completion_seconds": None, "complete": True, "flagged": ["A2.1"], "shared": True},
            {"rank": 2, "code": "Q4W8RA", "total": 80.0, "components": {"theory": 80.0, "practical": 80.0},
             "completion_seconds": None, "complete": True, "flagged": [], "shared": True},
            {"rank": 4, "code": "Z9Y8X7", "total": 20.0, "components": {"theory": 66.67, "practical": 0.0},
             "completion_seconds": None, "complete": False, "flagged": [], "shared": False},
        ],
    }
    view.update(overrides)
    return view


def test_the_live_board_shows_rank_code_total_components_and_flags():
    page = boards.ranking_board(live_view())
    rows = Cells(page).rows

    assert rows[0] == ["名次 Rank", "选手 Contestant", "总分 Total", "理论 theory", "实操 practical",
                       "标记 Flags", "奖项 Prize"]
    assert rows[1][:5] == ["1", "K7M2QX", "88.50", "90.00", "87.86"]
    assert "并列 tied" in rows[2][5] and "A2.1" in rows[2][5]
    assert rows[3][0] == "2"
    assert "未评完 incomplete" in rows[4][5]
    assert "数控车工" in page and "评分中" in page


def test_standardised_scores_show_beside_the_totals_where_the_event_asks_for_them():
    view = live_view()
    for row, scaled in zip(view["ranking"], (724.5, 700.0, 700.0, None)):
        row.update(scaled_score=scaled, excellent=None if scaled is None else scaled >= 700)
    rows = Cells(boards.ranking_board(view)).rows
    assert rows[0][:4] == ["名次 Rank", "选手 Contestant", "总分 Total", "标准分 Scaled"]
    assert rows[1][2:4] == ["88.50", "724.50 ★ 优秀 excellence"] and rows[4][3] == ""


def test_the_board_escapes_every_value_from_data():
    view = live_view(trade=EVIL, event_id=EVIL, revealed=True)
    view["ranking"][0].update(name=EVIL, employer=EVIL, code=EVIL, flagged=[EVIL])
    view["ranking"][0]["components"] = {EVIL: 1.0}

    page = boards.ranking_board(view)
    parsed = Cells(page)

    assert "<script" not in page and "<img" not in page
    assert {tag for tag, _ in parsed.tags} <= {"html", "head", "meta", "title", "style", "body", "h1",
                                                "h2", "p", "table", "thead", "tbody", "tr", "th", "td"}
    assert EVIL in parsed.rows[1][1]  # shown as text, not markup
    assert "&lt;script&gt;" in page


def test_the_board_is_self_contained():
    page = boards.ranking_board(live_view())

    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert not re.search(r"\b(src|href)=", page)
    assert "http" not in page
    assert "<script" not in page and "<link" not in page


def test_an_empty_ranking_says_so():
    page = boards.ranking_board(live_view(ranking=[]))

    assert "暂无成绩" in page
    assert "<table" not in page


def test_the_results_board_shows_names_prizes_and_titles_per_event():
    view = {
        "competition_id": "cmp-1", "name": "2026年建湖县数控车工职业技能竞赛", "level": "county",
        "industry_chain": "装备制造",
        "publication": {"version": 2, "published_at": "2026-05-01T08:00:00.000+00:00"},
        "events": [{"event_id": "evt-1", "trade": "数控车工", "results": [
            {"rank": 1, "shared": False, "code": "K7M2QX", "name": "王伟", "employer": "建湖机床厂",
             "total": 91.2, "components": {"theory": 90.0, "practical": 91.71}, "prize": "first",
             "prize_name": "一等奖", "titles": ["技术能手"], "promotion_level": "技师",
             "certificate_level": None},
            {"rank": 2, "shared": False, "code": "B3H9TZ", "name": "李娜", "employer": "建湖阀门厂",
             "total": 70.0, "components": {"theory": 70.0, "practical": 70.0}, "prize": "second",
             "prize_name": None, "titles": [], "promotion_level": None, "certificate_level": "高级工"},
        ]}],
    }

    page = boards.results_board(view)
    rows = Cells(page).rows

    assert "2026年建湖县数控车工职业技能竞赛" in page and "<h2>数控车工</h2>" in page
    assert rows[1][1] == "王伟（K7M2QX） · 建湖机床厂"
    assert rows[1][-1] == "一等奖；技术能手；晋升 技师"
    assert rows[2][-1] == "二等奖"
    assert "版本 version 2" in page
    assert "县级" in page


def test_the_html_response_forbids_scripts():
    response = pages.html_response(boards.ranking_board(live_view()))

    assert response.content_type == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
