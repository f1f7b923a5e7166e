"""Reading organisers' sheets: Excel workbooks and CSV in the encodings Chinese offices save."""
import io
import zipfile

import pytest

from common.errors import BadRequest, PayloadTooLarge
from common.spreadsheets import MAX_UNPACKED_BYTES, read_table
from common.testing import files

HEADER = ["姓名", "身份证号", "工作单位"]
ROWS = [["王伟", "32092519900101123X", "建湖机床厂"], ["李娜", "320925199001011247", "建湖阀门厂"]]


@pytest.mark.parametrize("content", [
    files.workbook([HEADER, *ROWS]),
    files.csv_text([HEADER, *ROWS]),
    files.csv_text([HEADER, *ROWS], bom=True),
    files.csv_text([HEADER, *ROWS], encoding="gb18030"),
], ids=["xlsx", "utf-8", "utf-8 with BOM", "gb18030"])
def test_every_format_gives_the_same_table_with_the_spreadsheets_row_numbers(content):
    assert read_table(content, 10) == (HEADER, [(2, ROWS[0]), (3, ROWS[1])])


def test_blank_rows_are_skipped_but_keep_the_numbering_and_short_rows_are_padded():
    content = files.workbook([[], HEADER, [None, None, None], ["王伟"], ROWS[1]])
    assert read_table(content, 10) == (HEADER, [(4, ["王伟", "", ""]), (5, ROWS[1])])


def test_a_number_reads_as_text_without_a_decimal_point():
    content = files.workbook([["手机号", "年龄"], [13800000000.0, 35]])
    assert read_table(content, 10)[1] == [(2, ["13800000000", "35"])]


def test_a_sheet_of_endless_blank_rows_is_refused_without_reading_it_all():
    with pytest.raises(BadRequest) as refused:
        read_table(b"\r\n" * 5000 + "姓名".encode(), 10)
    assert "blank rows" in refused.value.fields["file"][0]


def test_more_rows_than_allowed_is_too_large():
    with pytest.raises(PayloadTooLarge) as refused:
        read_table(files.csv_text([HEADER, *ROWS]), 1)
    assert "file" in refused.value.fields


@pytest.mark.parametrize("content, message", [
    (files.pdf(), "nor a CSV file: PDF"),
    (b"PK\x03\x04not really a zip", "nor a CSV file"),
    (files.docx(), "nor a CSV file: Word"),
    (files.xlsx(), "not a readable Excel"),
    ("姓名".encode("utf-16"), "UTF-8 or GB18030"),
    (b"\x00\x01\x02", "nor a CSV file"),
    (b"\xff\xfe\xfd", "UTF-8 or GB18030"),
    (b"\r\n,,\r\n", "no header row"),
], ids=["pdf", "broken zip", "word", "bare xlsx", "utf-16", "binary", "undecodable", "blank"])
def test_what_is_not_a_readable_sheet_is_a_bad_request_naming_the_file(content, message):
    with pytest.raises(BadRequest) as refused:
        read_table(content, 10)
    assert message in refused.value.fields["file"][0]


def test_a_workbook_that_would_unpack_to_too_much_is_too_large_before_it_is_read():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * (MAX_UNPACKED_BYTES + 1))
    content = files.workbook([HEADER])
    with zipfile.ZipFile(io.BytesIO(content)) as original, zipfile.ZipFile(bomb, "a") as archive:
        for info in original.infolist():
            if info.filename != "xl/sharedStrings.xml":
                archive.writestr(info, original.read(info))
    with pytest.raises(PayloadTooLarge) as refused:
        read_table(bomb.getvalue(), 10)
    assert "unpack" in refused.value.fields["file"][0]
