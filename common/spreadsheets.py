"""Reading a table of rows from an uploaded spreadsheet: an Excel workbook (.xlsx) or a CSV file
in UTF-8 (with or without a byte order mark, as Excel writes it) or GB18030 (as WPS and older
Excel on Chinese Windows write it).

``read_table`` gives the header row and the rows under it as text, each with its row number as
the spreadsheet shows it, so that errors can point at a row and a column. Rows of nothing but
blanks are skipped. Anything it cannot read is a BadRequest naming the field, never a 500.
"""
import csv
import io
import zipfile

from openpyxl import load_workbook

from common.errors import BadRequest, PayloadTooLarge
from common.files import XLSX, FileRefused, sniff

UTF8_BOM = b"\xef\xbb\xbf"
# Blank lines read before giving up, beside the rows allowed: a sheet may declare a million.
MAX_BLANK_LINES = 1000
# A workbook's parts unpacked, at most: a few MiB of zip could otherwise unpack to gigabytes of XML
# (openpyxl reads a workbook's shared strings whole). 5,000 rows of a worker's cells take ~2 MiB.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# Tried in this order: GB18030 would also decode most UTF-8 bytes, into the wrong characters.
ENCODINGS = ("utf-8", "gb18030")


def _text(value):
    """A cell as text, numbers without a spurious '.0' (a phone number typed as a number). An ID
    number typed as a number has lost its last digits in Excel already (15 significant digits):
    its check digit then refuses it, and the template's cells are text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _unpacked_size(content):
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return 0  # refused as unreadable when opened


def _xlsx_lines(content, field):
    if _unpacked_size(content) > MAX_UNPACKED_BYTES:
        raise PayloadTooLarge("the workbook is too large unpacked",
                              {field: [f"its parts would unpack to more than {MAX_UNPACKED_BYTES} bytes"]})
    # openpyxl refuses a malformed workbook with whatever its parts raise (zip, XML, key, index
    # errors...): any of them means the workbook cannot be read, said so, never a 500.
    try:
        # read_only streams the sheet instead of building every cell in memory.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                yield [_text(value) for value in values]
        finally:
            workbook.close()
    except Exception as error:
        raise BadRequest("the spreadsheet cannot be read",
                         {field: [f"not a readable Excel (.xlsx) workbook: {error}"]}) from None


def _csv_lines(content, field):
    for encoding in ENCODINGS:
        try:
            text = content.removeprefix(UTF8_BOM).decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadRequest("the spreadsheet cannot be read",
                         {field: ["a CSV file must be UTF-8 or GB18030 text"]})
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            yield [_text(value) for value in values]
    except csv.Error as error:
        raise BadRequest("the spreadsheet cannot be read", {field: [f"malformed CSV: {error}"]}) from None


def read_table(content, max_rows, field="file"):
    """``(headers, rows)`` of the first sheet of ``content``: ``rows`` is ``[(row number, values)]``
    with the values in the order of ``headers``. BadRequest when it cannot be read or has no header
    row, PayloadTooLarge when it has more than ``max_rows`` rows under the header."""
    try:
        kind = sniff(content)
    except FileRefused as refused:
        kind = refused.message  # text, as CSV is, is "unrecognised content"
    if kind == XLSX:
        lines = _xlsx_lines(content, field)
    elif kind == "unrecognised content" and b"\x00" not in content:
        lines = _csv_lines(content, field)
    else:
        what = kind.label if hasattr(kind, "label") else kind
        raise BadRequest("the spreadsheet cannot be read",
                         {field: [f"not an Excel (.xlsx) workbook nor a CSV file: {what}"]})
    headers, rows, blanks = None, [], 0
    for number, values in enumerate(lines, start=1):
        if not any(values):
            blanks += 1
            if blanks > MAX_BLANK_LINES:
                raise BadRequest("the spreadsheet cannot be read",
                                 {field: [f"more than {MAX_BLANK_LINES} blank rows"]})
            continue
        if headers is None:
            headers = values
            continue
        if len(rows) == max_rows:
            raise PayloadTooLarge(f"the spreadsheet has more than {max_rows} rows",
                                  {field: [f"at most {max_rows} rows under the header are allowed"]})
        rows.append((number, values + [""] * (len(headers) - len(values))))
    if headers is None:
        raise BadRequest("the spreadsheet is empty", {field: ["no header row"]})
    return headers, rows
