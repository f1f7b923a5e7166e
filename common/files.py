"""Files a service keeps (evidence scans, photos, reports): checked by content, stored once.

What a file is comes from its bytes, never from the client's Content-Type or its name: ``sniff``
recognises PDF, PNG, JPEG, WebP and Office Open XML documents (.docx, .xlsx: a ZIP holding a
``[Content_Types].xml`` that declares the document's main part, and no macros), and
``inspect_file`` refuses anything else, an empty file, and a file over its bound (by default
``DEFAULT_MAX_FILE_BYTES``).

A file crosses RPC as :class:`Upload` (on the way in) or :class:`Download` (on the way out), in
JSON with its bytes in base64; ``MAX_RPC_FILE_BYTES`` bounds the bytes one message carries, so a
message stays far below RabbitMQ's limit (128 MiB by default). common.schemas.UploadField
declares an upload in a service's api; common.web's ``route(form=...)`` takes it as
multipart/form-data and ``route(download=True)`` answers a Download as a file.

Bytes are kept by a :class:`FileStore`, addressed by their sha256, so the same file uploaded twice
is stored once: on disk under ``DATA_DIR/<service>/files/`` for the embedded default, in GridFS
with ``MONGO_URI`` (common.storage decides which). What a service keeps about a file is its
record (:func:`file_record`), saved in the service's own documents beside what it is evidence of.
A file's bytes are written before its record, so a record never names bytes that are not there;
bytes whose record was never written (a write that failed after) are left unreferenced.

    class Studios:
        files = Files()

        @rpc
        def add_evidence(self, caller, result_id, payload):
            payload = load(EvidenceIn(), payload)               # payload["file"]: an Upload
            record = self.files.save(payload["file"], uploaded_by=caller_from(caller).subject)
            ...                                                 # the record saved with the result
"""
import base64
import binascii
import contextlib
import dataclasses
import functools
import hashlib
import io
import os
import pathlib
import re
import tempfile
import time
import unicodedata
import zipfile
from xml.etree import ElementTree

import gridfs
from nameko.extensions import DependencyProvider

from common.clock import utc_now
from common.errors import BadRequest, NotFound, PayloadTooLarge
from common.ids import new_id
from common.storage import Database, embedded, open_database, store_directory
from common.validation import TooLarge

MiB = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 10 * MiB
# The most bytes of files one RPC message may carry: as base64 about 33 MiB, a quarter of
# RabbitMQ's default max_message_size (128 MiB).
MAX_RPC_FILE_BYTES = 24 * MiB
# Characters of a stored file name, its extension included (a Chinese character counts one).
MAX_FILENAME_CHARS = 120
FALLBACK_FILENAME = "file"
FILES_DIRECTORY = "files"
GRIDFS_BUCKET = "files"
# Files a crash left half written are removed when the store is next opened, once this old.
STALE_TEMPORARY_SECONDS = 3600
# The bounds of what is read inside a ZIP to tell an Office document: the archive is never
# unpacked, only its directory and its [Content_Types].xml read.
_MAX_CONTENT_TYPES_BYTES = 256 * 1024
_MAX_ZIP_ENTRIES = 10_000


@dataclasses.dataclass(frozen=True)
class FileType:
    media_type: str
    extension: str  # canonical, without the dot
    label: str  # as people call it, in messages
    extensions: tuple = ()  # other extensions a name of this type may end with

    @property
    def known_extensions(self):
        return (self.extension, *self.extensions)


PDF = FileType("application/pdf", "pdf", "PDF")
PNG = FileType("image/png", "png", "PNG")
JPEG = FileType("image/jpeg", "jpg", "JPEG", ("jpeg", "jpe"))
WEBP = FileType("image/webp", "webp", "WebP")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
                "Word (.docx)")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
                "Excel (.xlsx)")
# Scans, photos and reports; nothing that runs (macros, scripts, SVG) and nothing a browser cannot
# show or an office suite cannot open without conversion (TIFF, HEIC, legacy .doc/.xls).
ALLOWED_TYPES = (PDF, PNG, JPEG, WEBP, DOCX, XLSX)
_BY_MEDIA_TYPE = {file_type.media_type: file_type for file_type in ALLOWED_TYPES}
_ALLOWED_EXTENSIONS = {extension for file_type in ALLOWED_TYPES for extension in file_type.known_extensions}

# The main part of an Office Open XML document, by its declared content type.
_OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"

# Refused content named in the answer, so that a caller knows what was seen.
_REFUSED_SIGNATURES = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an ELF executable"),
    (b"#!", "a script"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office document (.doc, .xls)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)
_MARKUP = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<", re.ASCII)


class FileRefused(ValueError):
    """What is wrong with a file, in words for the caller; ``message`` is a
    common.validation.TooLarge when it is its size. From :func:`sniff`, what the content is."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------
# What a file is


def _ooxml_type(content):
    """The Office Open XML type of a ZIP's bytes, or a FileRefused saying what they are."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise FileRefused("a damaged ZIP archive") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > _MAX_ZIP_ENTRIES:
            raise FileRefused(f"a ZIP archive of more than {_MAX_ZIP_ENTRIES} entries")
        names = {entry.filename for entry in entries}
        info = next((entry for entry in entries if entry.filename == "[Content_Types].xml"), None)
        if info is None:
            raise FileRefused("a ZIP archive, not a Word or Excel document")
        if any(entry.flag_bits & 0x1 for entry in entries):
            raise FileRefused("an encrypted ZIP archive")
        if info.file_size > _MAX_CONTENT_TYPES_BYTES:
            raise FileRefused("a ZIP archive with an oversized [Content_Types].xml")
        try:
            with archive.open(info) as stream:
                declared = stream.read(_MAX_CONTENT_TYPES_BYTES + 1)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError):
            raise FileRefused("a damaged ZIP archive") from None
    if len(declared) > _MAX_CONTENT_TYPES_BYTES or b"<!DOCTYPE" in declared or b"<!ENTITY" in declared:
        raise FileRefused("a ZIP archive with an unusual [Content_Types].xml")
    try:
        root = ElementTree.fromstring(declared)
    except ElementTree.ParseError:
        raise FileRefused("a ZIP archive whose [Content_Types].xml is not XML") from None
    if root.tag != f"{_CONTENT_TYPES_NS}Types":
        raise FileRefused("a ZIP archive, not a Word or Excel document")
    content_types = [(element.get("PartName", ""), element.get("ContentType", "").strip().lower())
                     for element in root if element.tag == f"{_CONTENT_TYPES_NS}Override"]
    defaults = [element.get("ContentType", "").strip().lower()
                for element in root if element.tag == f"{_CONTENT_TYPES_NS}Default"]
    declared_kinds = [kind for _, kind in content_types] + defaults
    macros = any("macroenabled" in kind or "vbaproject" in kind for kind in declared_kinds)
    if macros or any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRefused("an Office document with macros")
    found = {(_OOXML_MAIN_PARTS[kind], part) for part, kind in content_types if kind in _OOXML_MAIN_PARTS}
    if len(found) != 1:
        raise FileRefused("a ZIP archive, not a Word or Excel document")
    (file_type, part), = found
    if part.lstrip("/") not in names:
        raise FileRefused(f"a damaged {file_type.label} document (no {part})")
    return file_type


def sniff(content):
    """The FileType of ``content`` by its bytes (any of ALLOWED_TYPES), or a FileRefused whose
    message says what the content is instead ("HTML or XML", "a ZIP archive, not a Word or Excel
    document")."""
    head = bytes(content[:64])
    if head.startswith(b"%PDF-") and head[5:6].isdigit():
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and head[12:16] in (b"VP8 ", b"VP8L", b"VP8X"):
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_type(content)
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise FileRefused("a ZIP archive")
    for signature, what in _REFUSED_SIGNATURES:
        if head.startswith(signature):
            raise FileRefused(what)
    if _MARKUP.match(head):
        raise FileRefused("HTML or XML")
    raise FileRefused("unrecognised content")


def allowed_labels(allowed=ALLOWED_TYPES):
    return ", ".join(file_type.label for file_type in allowed)


def size_text(size):
    if size >= MiB and size % MiB == 0:
        return f"{size} bytes ({size // MiB} MiB)"
    return f"{size} bytes"


def inspect_file(content, allowed=ALLOWED_TYPES, max_bytes=DEFAULT_MAX_FILE_BYTES):
    """The FileType of ``content``; FileRefused if it is empty, larger than ``max_bytes`` or of a
    type not in ``allowed``."""
    if not content:
        raise FileRefused("the file is empty")
    if len(content) > max_bytes:
        raise FileRefused(TooLarge(f"the file has {len(content)} bytes; at most "
                                   f"{size_text(max_bytes)} are allowed"))
    try:
        file_type = sniff(content)
    except FileRefused as refused:
        file_type = refused.message
    if file_type not in allowed:
        what = file_type.label if isinstance(file_type, FileType) else file_type
        raise FileRefused(f"type not allowed: {what}; allowed: {allowed_labels(allowed)}")
    return file_type


def check_file(content, field="file", allowed=ALLOWED_TYPES, max_bytes=DEFAULT_MAX_FILE_BYTES):
    """:func:`inspect_file` for callers outside a schema: BadRequest naming ``field``, or
    PayloadTooLarge naming it when the file is too large."""
    try:
        return inspect_file(content, allowed, max_bytes)
    except FileRefused as refused:
        error = PayloadTooLarge if isinstance(refused.message, TooLarge) else BadRequest
        raise error(f"the file {field} is refused", {field: [refused.message]}) from None


def sha256_hex(content):
    return hashlib.sha256(content).hexdigest()


# ---------------------------------------------------------------------------------------------
# Names


_UNSAFE_IN_NAMES = re.compile(r'[<>:"/\\|?*]')


def _cut_name(stem, extension, limit):
    suffix = f".{extension}" if extension else ""
    return stem[:max(limit - len(suffix), 1)].rstrip(" .") + suffix


def safe_filename(name, file_type=None):
    """``name`` fit to store and to offer for download: its last path part only, without control
    or formatting characters (a right-to-left override could dress up "exe.pdf") and characters
    that file systems refuse, at most MAX_FILENAME_CHARS characters, Chinese kept. With
    ``file_type``, an extension that does not match what the bytes are is replaced by the type's
    own, so that a PNG sent as "证书.pdf" is kept as "证书.png" and a PDF sent as "a.exe" as
    "a.exe.pdf"."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if char.isspace() else char for char in name
                   if unicodedata.category(char)[0] != "C" or char.isspace())
    name = _UNSAFE_IN_NAMES.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    if file_type is not None and extension.lower() not in file_type.known_extensions:
        # Another allowed type's extension is replaced; anything else stays part of the name.
        if extension.lower() not in _ALLOWED_EXTENSIONS:
            stem = f"{stem}.{extension}" if extension else stem
        extension = file_type.extension
    stem = stem.strip(" .") or FALLBACK_FILENAME
    if len(extension) > 16:  # no extension at all, only a dot in a long name
        stem, extension = f"{stem}.{extension}", ""
    return _cut_name(stem, extension.lower() if file_type is not None else extension,
                     MAX_FILENAME_CHARS)


def ascii_filename(name):
    """An ASCII stand-in for ``name`` (the ``filename=`` of a download, for clients that do not
    read ``filename*=``): accents dropped, other characters as "_", the extension kept."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r'[^A-Za-z0-9._\- ()\[\]]', "_", folded)
    stem, dot, extension = folded.rpartition(".")
    if not dot:
        stem, extension = folded, ""
    if not stem.strip("_ ."):
        stem = "download"
    return f"{stem}.{extension}" if extension else stem


# ---------------------------------------------------------------------------------------------
# Files crossing RPC


def _b64decode(text):
    if not isinstance(text, str):
        raise FileRefused("the file's content must be a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise FileRefused("the file's content is not valid base64") from None


def base64_length(size):
    """Characters of ``size`` bytes in base64, padded."""
    return 4 * ((size + 2) // 3)


@dataclasses.dataclass(frozen=True)
class Upload:
    """A file as it was sent: the name the client gave and the bytes.

    Over RPC it is ``{"filename": str, "content_base64": str}`` (``to_rpc``): as a value in an
    RPC call's arguments it is serialised so by itself (kombu's JSON encoder calls
    ``__json__``), so a gateway forwards a loaded form as it forwards a loaded JSON body."""

    filename: str
    content: bytes = dataclasses.field(repr=False)

    @property
    def size(self):
        return len(self.content)

    @functools.cached_property
    def sha256(self):
        return sha256_hex(self.content)

    def to_rpc(self):
        return {"filename": self.filename,
                "content_base64": base64.b64encode(self.content).decode("ascii")}

    __json__ = to_rpc

    @classmethod
    def from_rpc(cls, data, max_bytes=MAX_RPC_FILE_BYTES):
        """The Upload of ``to_rpc``'s form; FileRefused for anything else, before decoding more
        than ``max_bytes`` bytes."""
        if not isinstance(data, dict) or set(data) != {"filename", "content_base64"}:
            raise FileRefused("a file must be sent as {filename, content_base64}")
        filename, text = data["filename"], data["content_base64"]
        if not isinstance(filename, str) or len(filename) > 4 * MAX_FILENAME_CHARS:
            raise FileRefused(f"the file's name must be text of at most {4 * MAX_FILENAME_CHARS} characters")
        if isinstance(text, str) and len(text) > base64_length(max_bytes):
            raise FileRefused(TooLarge(f"the file has more than the {size_text(max_bytes)} "
                                       "allowed"))
        return cls(filename, _b64decode(text))


@dataclasses.dataclass(frozen=True)
class Download:
    """A stored file on its way to a client: what a service's RPC answers with, and what
    ``route(download=True)`` sends as the file."""

    filename: str
    media_type: str
    content: bytes = dataclasses.field(repr=False)

    @classmethod
    def of(cls, record, content):
        return cls(record["filename"], record["media_type"], content)

    def to_rpc(self):
        return {"filename": self.filename, "media_type": self.media_type, "size": len(self.content),
                "sha256": sha256_hex(self.content),
                "content_base64": base64.b64encode(self.content).decode("ascii")}

    __json__ = to_rpc

    @classmethod
    def from_rpc(cls, data):
        """A Download from ``to_rpc``'s form, its checksum verified; a media type outside the
        allow-list is sent as application/octet-stream."""
        if isinstance(data, Download):
            return data
        content = _b64decode(data["content_base64"])
        if data.get("sha256") not in (None, sha256_hex(content)):
            raise StoredFileCorrupt("a file's bytes do not match its checksum")
        media_type = data["media_type"] if data["media_type"] in _BY_MEDIA_TYPE else "application/octet-stream"
        return cls(safe_filename(data["filename"]), media_type, content)


# ---------------------------------------------------------------------------------------------
# Records


def file_record(upload, file_type, *, uploaded_by, uploaded_at=None, file_id=None):
    """What a service keeps about a stored file, to save beside what it is evidence of."""
    return {
        "file_id": file_id or new_id("file"),
        "filename": safe_filename(upload.filename, file_type),
        "media_type": file_type.media_type,
        "size": upload.size,
        "sha256": upload.sha256,
        "uploaded_at": uploaded_at or utc_now(),
        "uploaded_by": uploaded_by,
    }


# ---------------------------------------------------------------------------------------------
# Where the bytes are kept


class StoredFileCorrupt(RuntimeError):
    """Stored bytes no longer match the checksum they are stored under."""


_KEY = re.compile(r"^[0-9a-f]{64}$")


def _checked_key(key):
    if not isinstance(key, str) or not _KEY.match(key):
        raise NotFound("no such stored file")
    return key


class FileStore:
    """Bytes addressed by their sha256: ``put(content) -> key``, ``get(key) -> bytes`` (NotFound
    when absent, StoredFileCorrupt when the bytes no longer match), ``exists(key)``."""

    def put(self, content):
        key = sha256_hex(content)
        if not self.exists(key):
            self._write(key, bytes(content))
        return key

    def get(self, key):
        content = self._read(_checked_key(key))
        if sha256_hex(content) != key:
            raise StoredFileCorrupt(f"the stored file {key} does not match its checksum")
        return content

    def exists(self, key):
        try:
            return self._exists(_checked_key(key))
        except NotFound:
            return False

    def save(self, upload, *, uploaded_by, allowed=ALLOWED_TYPES, max_bytes=DEFAULT_MAX_FILE_BYTES,
             field="file", now=None):
        """Check ``upload`` (an Upload: BadRequest or PayloadTooLarge naming ``field``), store its
        bytes and return its record (:func:`file_record`) for the caller to save."""
        file_type = check_file(upload.content, field, allowed, max_bytes)
        self.put(upload.content)
        return file_record(upload, file_type, uploaded_by=uploaded_by, uploaded_at=utc_now(now))

    def download(self, record):
        """The Download of a stored file's record."""
        return Download.of(record, self.get(record["sha256"]))

    def _write(self, key, content):
        raise NotImplementedError

    def _read(self, key):
        raise NotImplementedError

    def _exists(self, key):
        raise NotImplementedError


def _fsync_directory(path):
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class DiskFileStore(FileStore):
    """Files under ``directory``, each at ``<first two hex digits>/<sha256>``.

    A file is written to ``tmp/``, flushed to the disk, then renamed to its name, and the rename
    made durable: a crash leaves at most a temporary file, never a half file under its final
    name. Processes may share a directory: two writers of the same bytes rename the same content.
    """

    def __init__(self, directory):
        self.directory = pathlib.Path(directory)
        self.temporary = self.directory / "tmp"
        self.temporary.mkdir(parents=True, exist_ok=True)

    def path(self, key):
        return self.directory / key[:2] / key

    def remove_stale_temporaries(self, older_than=STALE_TEMPORARY_SECONDS):
        """Remove what writes cut short by a crash left behind; returns how many."""
        removed = 0
        cutoff = time.time() - older_than
        for leftover in self.temporary.glob("*.part"):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed

    def _write(self, key, content):
        final = self.path(key)
        created = not final.parent.exists()
        final.parent.mkdir(exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.temporary, prefix=f"{key[:16]}.", suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(final.parent)
        if created:
            _fsync_directory(self.directory)

    def _read(self, key):
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("no such stored file") from None

    def _exists(self, key):
        return self.path(key).is_file()


class GridFileStore(FileStore):
    """Files in a GridFS bucket of the service's MongoDB database, each under its sha256 as
    filename (GridFS writes a file's document after its chunks, so a file is found only whole).
    Two processes storing the same new bytes at once may both store them; reads take the latest.
    """

    def __init__(self, database, bucket_name=GRIDFS_BUCKET):
        self.bucket = gridfs.GridFSBucket(database, bucket_name=bucket_name)

    def _write(self, key, content):
        self.bucket.upload_from_stream(key, content, metadata={"sha256": key})

    def _read(self, key):
        try:
            return self.bucket.open_download_stream_by_name(key).read()
        except gridfs.errors.NoFile:
            raise NotFound("no such stored file") from None

    def _exists(self, key):
        return next(iter(self.bucket.find({"filename": key}, limit=1)), None) is not None


def open_file_store(config, service_name, database=None):
    """The service's FileStore, as common.storage decides the engine: on disk under
    ``DATA_DIR/<service>/files/`` when embedded, else GridFS in ``database`` (by default the
    service's, opened here)."""
    if embedded(config):
        return DiskFileStore(store_directory(config, service_name) / FILES_DIRECTORY)
    return GridFileStore(database if database is not None else open_database(config, service_name))


class Files(DependencyProvider):
    """Gives every worker the service's FileStore (``files = Files()``).

    With MONGO_URI the store is a GridFS bucket in the database every other extension of the
    service shares (common.storage.Database); embedded, a directory beside the database's.
    """

    database = Database()

    def __init__(self):
        self.store = None

    def setup(self):
        config, name = self.container.config, self.container.service_name
        if embedded(config):
            self.store = open_file_store(config, name)
            self.store.remove_stale_temporaries()
        else:
            self.store = open_file_store(config, name, self.database.database)

    def get_dependency(self, worker_ctx):
        return self.store
