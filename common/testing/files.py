"""The smallest real files of each kind, built in memory, for tests of uploads and evidence."""
import io
import struct
import zipfile
import zlib

CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
WORD_MACROS_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def pdf(text="证书"):
    """A one-page PDF (its text in a comment: the page itself is empty)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%" + text.encode("utf-8") + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png():
    """A 1x1 transparent PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels)
            + _png_chunk(b"IEND", b""))


def jpeg():
    """A JPEG's start: SOI and a JFIF APP0 segment (enough for sniffing, not for viewing)."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def webp():
    """A lossless WebP's RIFF header and VP8L chunk start."""
    chunk = b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00" + b"\x00"
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def _zip(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def content_types(overrides, defaults=(("rels", "application/vnd.openxmlformats-package.relationships+xml"),
                                       ("xml", "application/xml"))):
    parts = [f'<Default Extension="{extension}" ContentType="{kind}"/>' for extension, kind in defaults]
    parts += [f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in overrides]
    return f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CONTENT_TYPES_NS}">{"".join(parts)}</Types>'


def _office(main_part, main_type, extra=None):
    relationships = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                     'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                     'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                     f'officeDocument" Target="{main_part.lstrip("/")}"/></Relationships>')
    return _zip({"[Content_Types].xml": content_types([(main_part, main_type)]),
                 "_rels/.rels": relationships, main_part.lstrip("/"): "<document/>", **(extra or {})})


def docx():
    return _office("/word/document.xml", WORD_MAIN)


def xlsx():
    return _office("/xl/workbook.xml", EXCEL_MAIN)


def docm():
    """A Word document with macros."""
    return _office("/word/document.xml", WORD_MACROS_MAIN, {"word/vbaProject.bin": b"\x00" * 16})


def zip_archive():
    """A plain ZIP: no [Content_Types].xml."""
    return _zip({"readme.txt": "not a document"})


def exe():
    """A Windows executable's start (the MZ header)."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def html():
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def workbook(rows):
    """An Excel workbook whose first sheet holds ``rows`` (lists of cell values), as openpyxl
    writes it, the way organisers' sheets of workers arrive."""
    from openpyxl import Workbook  # only the tests of spreadsheets need it

    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(rows, encoding="utf-8", bom=False):
    """A CSV file of ``rows`` in ``encoding``, CRLF line ends, with a UTF-8 byte order mark if
    ``bom``, as Excel saves one."""
    import csv

    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.getvalue().encode(encoding)
