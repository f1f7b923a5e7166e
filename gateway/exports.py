"""Files to download: the writers of CSV files and Excel workbooks any table of rows goes through
(a ``Table`` says its headers, column widths and how a row becomes its cells), and the talent
pool's export, a filtered talent list as CSV or Excel.

Talent exports. The gateway reads the talent pool's export a page at a time (the pool orders every match
once, at the export's start, and hands them out in pages; it refuses up front, with a 400, a filter
that matches more than an export may hold, rather than cutting it short silently) and writes each
page to a temporary file as it arrives, so memory holds one page whatever the size of the export;
the file is sent once complete, so a failure on the way (a service down, a timeout) is still a
JSON error and never a truncated file. Every row is dumped through the gateway's response schema
first, so a file can carry nothing a JSON answer could not: no ID number, not even masked.

- CSV: UTF-8 with a byte order mark (Excel then reads the Chinese correctly), CRLF line ends.
- Excel: an .xlsx workbook written by openpyxl in write-only mode (rows stream to disk).
- Headers are Chinese and English in one cell (``姓名 Name``), so one header row serves both.
- Text that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@`` first) cannot run:
  in the CSV it gets a leading ``'`` (the usual defence against CSV injection), in the workbook the
  cell is typed as text. Numbers stay numbers (a workbook's sums work on them).
"""
import csv
import dataclasses
import datetime
import functools
import io
import os
import tempfile
from typing import Callable
from urllib.parse import quote

from eventlet import tpool
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from common.vocabulary import COMPETITION_LEVEL_NAMES, PRIZE_NAMES
from services.talent_pool.api import TalentRowSchema

# Seconds one page may take, instead of the usual RPC_TIMEOUT: the first page of an export orders
# every match, which on the embedded store takes 4-5 s with 100,000 talents matching.
PAGE_TIMEOUT = 60.0

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BOM = "\ufeff"
_CHUNK = 64 * 1024


@dataclasses.dataclass(frozen=True)
class Table:
    """What a CSV file or a sheet of a workbook holds: ``cells(row)`` is a row's values in the order
    of ``headers`` (text, numbers or None); ``widths`` are Excel's, in characters (a Chinese
    character counts about two); ``title`` names the sheet (at most 31 characters); the columns
    at ``text_columns`` (0-based) take what is typed into them as text (an ID number typed as a
    number would lose its last digits)."""

    title: str
    headers: tuple
    widths: tuple
    cells: Callable
    text_columns: tuple = ()


# --- the talent export's table


STATUS_NAMES = {"candidate": "候选 candidate", "active": "在库 active",
                "expired": "已到期 expired", "removed": "已移出 removed"}
SEPARATOR = "；"


def _joined(values):
    return SEPARATOR.join(str(value) for value in values or () if value)


def _honour(honour):
    """``2026年建湖县数控车工职业技能竞赛（县级）一等奖 技术能手``"""
    level = COMPETITION_LEVEL_NAMES.get(honour.get("level"), honour.get("level"))
    where = f"{honour.get('competition_name') or ''}（{level}）" if level else honour.get("competition_name")
    prize = honour.get("prize_name") or PRIZE_NAMES.get(honour.get("prize"), honour.get("prize"))
    return " ".join(str(part) for part in (where, prize, *(honour.get("titles") or ())) if part)


# (header, how to get the cell from a dumped talent row)
COLUMNS = (
    ("人才编号 Talent ID", lambda row: row.get("id")),
    ("姓名 Name", lambda row: row.get("name")),
    ("工作单位 Employer", lambda row: row.get("employer")),
    ("地区代码 Region code", lambda row: row.get("region_code")),
    ("产业链 Industry chains", lambda row: _joined(row.get("industry_chains"))),
    ("工种 Trades", lambda row: _joined(row.get("trades"))),
    ("技能等级 Skill level", lambda row: row.get("skill_level")),
    ("证书 Certificates", lambda row: _joined(row.get("certificates"))),
    ("荣誉 Honours", lambda row: _joined(_honour(h) for h in row.get("honours") or ())),
    ("状态 Status", lambda row: STATUS_NAMES.get(row.get("status"), row.get("status"))),
    ("状态说明 Status reason", lambda row: row.get("status_reason")),
    ("入库时间 Admitted at", lambda row: row.get("admitted_at")),
    ("复核日期 Review date", lambda row: row.get("review_date")),
    ("待复核 Needs review", lambda row: "是 yes" if row.get("needs_review") else ""),
)
HEADERS = tuple(header for header, _ in COLUMNS)
# Excel column widths, in characters (a Chinese character counts about two).
WIDTHS = (18, 12, 28, 12, 18, 16, 12, 14, 60, 14, 40, 26, 12, 12)

_ROW = TalentRowSchema()


def cells(row):
    """One exported line, from a talent row of the search (dumped through TalentRowSchema)."""
    dumped = _ROW.dump(row)
    return ["" if value is None else str(value) for value in (get(dumped) for _, get in COLUMNS)]


TALENTS = Table("人才库 Talents", HEADERS, WIDTHS, cells)


# --- reading every page of a search


def talent_pages(export, filters):
    """Every talent that ``filters`` match, as lists of export rows, a page at a time.

    ``export(query, cursor)`` is the talent pool's export for the caller: ``query`` starts one,
    ``cursor`` (the ``next`` of the page before) goes on with it.
    """
    page = export(filters, None)
    while True:
        if page["items"]:
            yield page["items"]
        if not page.get("next"):
            return
        page = export(None, page["next"])


# --- writers: each keeps the file on disk and one page in memory


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _csv_safe(value):
    if value is None:
        return ""
    if _is_number(value):
        return value
    value = str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


class CsvExport:
    """One table as CSV, UTF-8 with a byte order mark."""

    extension = CSV

    def __init__(self, table):
        self.table = table
        self.file = tempfile.TemporaryFile()
        self._write([table.headers], prefix=BOM)

    def _write(self, lines, prefix=""):
        text = io.StringIO()
        text.write(prefix)
        csv.writer(text).writerows(lines)  # the csv module's default dialect ends lines with CRLF
        self.file.write(text.getvalue().encode("utf-8"))

    def add(self, rows):
        self._write([[_csv_safe(value) for value in self.table.cells(row)] for row in rows])

    def finish(self):
        return self.file

    def discard(self):
        self.file.close()


class XlsxExport:
    """Tables as the sheets of one workbook, in write-only mode: rows stream to disk."""

    extension = XLSX

    def __init__(self, table):
        self.workbook = Workbook(write_only=True)
        self.sheets = []
        self.start(table)

    def start(self, table):
        """Go on in a new sheet, of ``table``."""
        self.table = table
        self.sheet = self.workbook.create_sheet(table.title)
        self.sheets.append(self.sheet)
        for position, width in enumerate(table.widths):
            self.sheet.column_dimensions[get_column_letter(position + 1)].width = width
        for position in table.text_columns:
            self.sheet.column_dimensions[get_column_letter(position + 1)].number_format = "@"
        self.sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for title in table.headers:
            cell = WriteOnlyCell(self.sheet, value=title)
            cell.font = bold
            header.append(cell)
        self.sheet.append(header)

    def _cell(self, value):
        if value is None:
            return WriteOnlyCell(self.sheet)
        if _is_number(value):
            return WriteOnlyCell(self.sheet, value=value)
        cell = WriteOnlyCell(self.sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
        return cell

    def add(self, rows):
        for row in rows:
            self.sheet.append([self._cell(value) for value in self.table.cells(row)])

    def finish(self):
        file = tempfile.TemporaryFile()
        try:
            self.workbook.save(file)  # also removes the sheets' temporary files
        except BaseException:
            file.close()
            raise
        return file

    def discard(self):
        """Remove the sheets' temporary files (openpyxl would leave them until the process exits)."""
        for sheet in self.sheets:
            writer = getattr(sheet, "_writer", None)
            if writer is not None and os.path.exists(writer.out):
                if not sheet.closed:
                    sheet.close()
                writer.cleanup()


WRITERS = {CSV: CsvExport, XLSX: XlsxExport}


def attachment(filename_ascii, filename_unicode):
    """A Content-Disposition value any browser understands, with the Chinese name for those that
    read RFC 6266's ``filename*``."""
    return (f'attachment; filename="{filename_ascii}"; '
            f"filename*=UTF-8''{quote(filename_unicode, safe='')}")


def written(writer, steps):
    """The finished file of ``writer`` once every step of ``steps`` (calls of the writer: adding
    rows, starting a sheet) has run; on a failure on the way, the writer's files are removed.

    Writing is CPU work (about 0.3 s per 1,000 rows of a workbook): each step runs in eventlet's
    pool of real threads, so the gateway keeps answering other requests and its broker
    heartbeats. ``steps`` may be a generator that calls services between steps.
    """
    try:
        for step in steps:
            tpool.execute(step)
        return tpool.execute(writer.finish)
    except BaseException:
        writer.discard()
        raise


def workbook(sheets):
    """An Excel workbook of ``sheets``, ``[(Table, rows)]``, a sheet each in that order, finished."""
    writer = XlsxExport(sheets[0][0])
    steps = []
    for position, (table, rows) in enumerate(sheets):
        if position:
            steps.append(functools.partial(writer.start, table))
        steps.append(functools.partial(writer.add, rows))
    return written(writer, steps)


def stamp(now=None):
    """``20261203-060500``: when a file was made (UTC), for its name."""
    return (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y%m%d-%H%M%S")


def file_response(file, fmt, environ, filename_ascii, filename_unicode):
    """A finished ``file`` (at its end) in ``fmt`` as a download, sent from the start."""
    size = file.tell()
    file.seek(0)
    response = Response(wrap_file(environ, file, _CHUNK), content_type=CONTENT_TYPES[fmt],
                        direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = attachment(filename_ascii, filename_unicode)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def export_response(export, filters, fmt, environ, now=None):
    """The talents ``filters`` match as a file download in ``fmt`` (csv or xlsx); ``export`` as
    for ``talent_pages``."""
    writer = WRITERS[fmt](TALENTS)
    file = written(writer, (functools.partial(writer.add, rows)
                            for rows in talent_pages(export, filters)))
    made = stamp(now)
    return file_response(file, fmt, environ, f"talents-{made}.{fmt}", f"高技能人才库-{made}.{fmt}")
