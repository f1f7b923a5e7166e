"""The one shell of every HTML page the gateway serves (boards of rankings and results, the talent
pool's statistics, the studios' pages and reports), and the pieces they share: bars and stars.

A page is self-contained: inline CSS, no scripts, no external assets, so it can be shown on a
screen in the hall or saved as a file. Every value that comes from data is escaped with
``escape``; the responses also carry a Content Security Policy that forbids scripts, so a name
that slipped through could still not run.
"""
import html

from werkzeug.wrappers import Response

HTML_CONTENT_TYPE = "text/html; charset=utf-8"
# Inline styles only; nothing else may load or run.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

STYLE = """
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2rem;color:#1a1a1a}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem}
p.meta{color:#555;margin:0 0 1rem}
p.total{font-size:1.1rem}
p.empty{color:#888}
table{border-collapse:collapse;min-width:36rem}
th,td{border:1px solid #ccc;padding:.35rem .7rem;text-align:left}
th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.incomplete td{color:#888}
td.flags{color:#b35900}
td.bar{width:20rem}
div.track{background:#eef2f7;height:.9rem;width:20rem}
div.fill{background:#2f6db5;height:.9rem}
td.bar.short,td.bar.short div.track{width:8rem}
tr.total td{font-weight:bold;border-top:2px solid #888}
td.stars{white-space:nowrap;color:#b8860b}
""".strip()


def escape(value):
    return html.escape("" if value is None else str(value), quote=True)


def share(count, total):
    """``count`` as a percentage of ``total``, within 0 and 100 (0 of nothing)."""
    if not total:
        return 0.0
    return max(0.0, min(100.0, 100.0 * count / total))


def bar_cell(value, maximum, short=False):
    """A table cell with a bar as long as ``value`` is of ``maximum``."""
    width = share(float(value or 0), float(maximum or 0))
    # The width is a number formatted here, never text from data.
    return (f'<td class="bar{" short" if short else ""}"><div class="track">'
            f'<div class="fill" style="width:{width:.1f}%"></div></div></td>')


def stars(count):
    """``★★★☆☆``: ``count`` stars of five."""
    count = max(0, min(5, int(count or 0)))
    return "★" * count + "☆" * (5 - count)


def page(title, meta, body):
    """A whole page: ``title`` and ``meta`` are text (escaped here), ``body`` is markup built from
    escaped values."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1><p class=\"meta\">{escape(meta)}</p>{body}</body></html>\n"
    )


def html_response(markup, status=200):
    response = Response(markup, status=status, content_type=HTML_CONTENT_TYPE)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
