"""Files: what they are by their bytes, their names and records, their trip over RPC, the stores."""
import base64
import errno
import os
import time
from unittest import mock

import pytest
from kombu.utils import json as kombu_json
from marshmallow import fields, validate
from nameko.testing.utils import get_extension
from pymongo.collection import Collection
from pymongo.database import Database

from common import files
from common.errors import BadRequest, NotFound, PayloadTooLarge
from common.schemas import Strict, UploadField
from common.storage import open_database, outage
from common.testing import files as samples
from common.validation import load

ALLOWED = "allowed: PDF, PNG, JPEG, WebP, Word (.docx), Excel (.xlsx)"


# --- what a file is


@pytest.mark.parametrize("content, expected", [
    (samples.pdf(), files.PDF), (samples.png(), files.PNG), (samples.jpeg(), files.JPEG),
    (samples.webp(), files.WEBP), (samples.docx(), files.DOCX), (samples.xlsx(), files.XLSX),
], ids=["pdf", "png", "jpeg", "webp", "docx", "xlsx"])
def test_each_allowed_type_is_told_by_its_bytes(content, expected):
    assert files.inspect_file(content) is expected


def test_a_png_named_pdf_is_a_png_and_is_kept_under_a_png_name():
    upload = files.Upload("获奖证书.pdf", samples.png())

    file_type = files.check_file(upload.content)
    record = files.file_record(upload, file_type, uploaded_by="user-1")

    assert file_type is files.PNG
    assert record["media_type"] == "image/png" and record["filename"] == "获奖证书.png"


@pytest.mark.parametrize("content, what", [
    (samples.html(), "HTML or XML"),
    (samples.exe(), "a Windows executable"),
    (samples.zip_archive(), "a ZIP archive, not a Word or Excel document"),
    (samples.docm(), "an Office document with macros"),
    (b"GIF89a\x01\x00\x01\x00", "a GIF image"),
    (b"just some text", "unrecognised content"),
], ids=["html", "exe", "zip", "docm", "gif", "text"])
def test_anything_else_is_refused_naming_what_it_is_and_the_field(content, what):
    with pytest.raises(BadRequest) as refused:
        files.check_file(content, field="evidence")

    assert refused.value.fields == {"evidence": [f"type not allowed: {what}; {ALLOWED}"]}


def test_an_html_page_named_pdf_is_refused():
    upload = files.Upload("证书.pdf", samples.html())
    with pytest.raises(BadRequest) as refused:
        files.check_file(upload.content)
    assert refused.value.fields["file"][0].startswith("type not allowed: HTML")


def test_a_zip_needs_a_declared_main_part_that_it_holds_to_be_a_document():
    declared_only = samples._zip({"[Content_Types].xml": samples.content_types(
        [("/word/document.xml", samples.WORD_MAIN)])})
    nothing_declared = samples._zip({"[Content_Types].xml": samples.content_types([]),
                                     "word/document.xml": "<document/>"})
    entity = samples._zip({"[Content_Types].xml": '<!DOCTYPE x [<!ENTITY a "b">]><Types/>'})

    for content in (declared_only, nothing_declared, entity, samples.docx()[:200]):
        with pytest.raises(files.FileRefused):
            files.sniff(content)


def test_an_allow_list_of_its_own_refuses_the_other_types():
    with pytest.raises(BadRequest) as refused:
        files.check_file(samples.docx(), allowed=(files.PDF,))
    assert refused.value.fields == {"file": ["type not allowed: Word (.docx); allowed: PDF"]}


def test_an_empty_file_is_refused():
    with pytest.raises(BadRequest) as refused:
        files.check_file(b"")
    assert refused.value.fields == {"file": ["the file is empty"]}


def test_a_file_over_its_bound_is_a_413_naming_the_field():
    with pytest.raises(PayloadTooLarge) as refused:
        files.check_file(samples.pdf() + b" " * 2048, max_bytes=2048)
    assert "at most 2048 bytes" in refused.value.fields["file"][0]
    assert files.DEFAULT_MAX_FILE_BYTES == 10 * files.MiB


# --- names, checksums, records


@pytest.mark.parametrize("given, file_type, kept", [
    ("C:\\Users\\王\\Desktop\\证书扫描件.jpeg", files.JPEG, "证书扫描件.jpeg"),
    ("../../etc/passwd", files.PDF, "passwd.pdf"),
    ("报告\u202efdp.exe", files.PDF, "报告fdp.exe.pdf"),
    ("年度 \t 总结\n.DOCX", files.DOCX, "年度 总结.docx"),
    ('a<b>:"c"|?*.png', files.PNG, "a_b___c____.png"),
    ("", files.PNG, "file.png"),
    ("...", None, "file"),
    ("名" * 300 + ".xlsx", files.XLSX, "名" * 115 + ".xlsx"),
])
def test_names_lose_their_path_and_control_characters_and_keep_chinese(given, file_type, kept):
    name = files.safe_filename(given, file_type)
    assert name == kept
    assert len(name) <= files.MAX_FILENAME_CHARS


def test_a_record_holds_the_checksum_size_type_and_who_uploaded_it():
    content = samples.pdf()
    record = files.file_record(files.Upload("证书.pdf", content), files.PDF, uploaded_by="user-1",
                               uploaded_at="2024-05-01T00:00:00.000+00:00")

    assert record.pop("file_id").startswith("file-")
    assert record == {"filename": "证书.pdf", "media_type": "application/pdf",
                      "size": len(content), "sha256": files.sha256_hex(content),
                      "uploaded_at": "2024-05-01T00:00:00.000+00:00", "uploaded_by": "user-1"}
    assert len(record["sha256"]) == 64


# --- over RPC


class EvidenceIn(Strict):
    file = UploadField(required=True)
    photos = fields.List(UploadField(allowed=(files.PNG, files.JPEG), max_bytes=1024),
                         validate=validate.Length(max=3))
    note = fields.String(validate=validate.Length(max=20))


def test_an_upload_crosses_rpc_as_base64_json_and_loads_back_checked():
    upload = files.Upload("证书.pdf", samples.pdf())

    sent = kombu_json.loads(kombu_json.dumps({"payload": {"file": upload, "note": "一"}}))

    assert sent["payload"]["file"] == {
        "filename": "证书.pdf", "content_base64": base64.b64encode(upload.content).decode()}
    loaded = load(EvidenceIn(), sent["payload"])
    assert loaded["file"] == upload and loaded["note"] == "一"


def test_a_loaded_form_dumps_to_what_it_loads_from():
    payload = {"file": files.Upload("a.pdf", samples.pdf()).to_rpc(),
               "photos": [files.Upload("b.png", samples.png()).to_rpc()]}
    assert EvidenceIn().dump(load(EvidenceIn(), payload)) == payload


@pytest.mark.parametrize("value, message", [
    ({"filename": "a.pdf", "content_base64": "not base64!"}, "not valid base64"),
    ({"filename": "a.pdf"}, "{filename, content_base64}"),
    ({"filename": 3, "content_base64": ""}, "name must be text"),
    ("a.pdf", "{filename, content_base64}"),
])
def test_what_is_no_file_in_rpc_form_is_a_400_naming_the_field(value, message):
    with pytest.raises(BadRequest) as refused:
        load(EvidenceIn(), {"file": value})
    assert message in refused.value.fields["file"][0]


def test_a_file_over_its_bound_is_a_413_naming_its_place_even_in_a_list():
    big = files.Upload("b.png", samples.png() + b"\x00" * 1024)
    payload = {"file": files.Upload("a.pdf", samples.pdf()).to_rpc(),
               "photos": [files.Upload("b.png", samples.png()).to_rpc(), big.to_rpc()]}

    with pytest.raises(PayloadTooLarge) as refused:
        load(EvidenceIn(), payload)

    assert list(refused.value.fields) == ["photos.1"]


def test_base64_over_the_bound_is_refused_before_it_is_decoded():
    with mock.patch.object(files, "_b64decode") as decode:
        with pytest.raises(PayloadTooLarge):
            load(EvidenceIn(), {"file": {"filename": "a.pdf",
                                         "content_base64": "A" * (files.base64_length(files.MiB * 10) + 4)}})
    decode.assert_not_called()


def test_a_wrong_type_and_a_missing_file_are_400s_naming_each_field():
    with pytest.raises(BadRequest) as refused:
        load(EvidenceIn(), {"photos": [files.Upload("a.pdf", samples.pdf()).to_rpc()]})
    assert set(refused.value.fields) == {"file", "photos.0"}
    assert refused.value.fields["photos.0"] == ["type not allowed: PDF; allowed: PNG, JPEG"]


def test_a_field_cannot_promise_files_larger_than_one_rpc_message_carries():
    with pytest.raises(ValueError):
        UploadField(max_bytes=files.MAX_RPC_FILE_BYTES + 1)
    assert 4 * files.MAX_RPC_FILE_BYTES / 3 < 128 * files.MiB / 3


def test_a_download_crosses_rpc_and_is_checked_on_arrival():
    record = {"filename": "证书.pdf", "media_type": "application/pdf"}
    sent = kombu_json.loads(kombu_json.dumps(files.Download.of(record, samples.pdf())))

    assert files.Download.from_rpc(sent) == files.Download("证书.pdf", "application/pdf", samples.pdf())
    with pytest.raises(files.StoredFileCorrupt):
        files.Download.from_rpc({**sent, "content_base64": base64.b64encode(b"other").decode()})
    assert files.Download.from_rpc({**sent, "media_type": "text/html"}).media_type == \
        "application/octet-stream"


# --- the disk store


@pytest.fixture
def disk(tmp_path):
    return files.DiskFileStore(tmp_path / "files")


def _stored(store):
    return sorted(path for path in store.directory.rglob("*") if path.is_file())


def test_the_disk_store_addresses_files_by_their_sha256(disk):
    content = samples.pdf()

    key = disk.put(content)

    assert key == files.sha256_hex(content)
    assert _stored(disk) == [disk.directory / key[:2] / key]
    assert disk.exists(key) and disk.get(key) == content


def test_the_same_file_twice_is_stored_once(disk):
    key = disk.put(samples.png())
    first = (disk.directory / key[:2] / key).stat()

    assert disk.put(samples.png()) == key

    assert _stored(disk) == [disk.directory / key[:2] / key]
    assert (disk.directory / key[:2] / key).stat().st_mtime_ns == first.st_mtime_ns


def test_a_write_is_flushed_to_disk_before_it_takes_its_name(disk):
    steps = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        steps.append("fsync")
        real_fsync(descriptor)

    def replace(source, target):
        steps.append("rename")
        real_replace(source, target)

    with mock.patch.object(os, "fsync", fsync), mock.patch.object(os, "replace", replace):
        disk.put(samples.pdf())

    assert steps[:2] == ["fsync", "rename"]
    assert steps[2:] == ["fsync", "fsync"]  # the directories, so that the rename is durable


def test_a_write_cut_short_leaves_no_file_under_its_name(disk):
    with mock.patch.object(os, "replace", side_effect=OSError(errno.ENOSPC, "No space left")):
        with pytest.raises(OSError) as failed:
            disk.put(samples.pdf())

    key = files.sha256_hex(samples.pdf())
    assert not disk.exists(key)
    assert _stored(disk) == []
    assert outage(failed.value) == "the service's store cannot serve now: the disk is full"


def test_what_a_crash_left_half_written_is_never_read_and_is_cleared_later(disk):
    key = files.sha256_hex(samples.pdf())
    leftover = disk.temporary / f"{key[:16]}.abc.part"
    leftover.write_bytes(samples.pdf()[:10])
    fresh = disk.temporary / "fresh.part"
    fresh.write_bytes(b"being written")
    old = time.time() - files.STALE_TEMPORARY_SECONDS - 1
    os.utime(leftover, (old, old))

    assert not disk.exists(key)
    with pytest.raises(NotFound):
        disk.get(key)
    assert disk.remove_stale_temporaries() == 1
    assert not leftover.exists() and fresh.exists()


def test_bytes_that_no_longer_match_their_key_are_not_served(disk):
    key = disk.put(samples.pdf())
    (disk.directory / key[:2] / key).write_bytes(b"%PDF-1.4 changed")

    with pytest.raises(files.StoredFileCorrupt):
        disk.get(key)


@pytest.mark.parametrize("key", ["../../service.lock", "ABC", "0" * 63, None])
def test_a_key_that_is_no_sha256_names_nothing(disk, key):
    assert not disk.exists(key)
    with pytest.raises(NotFound):
        disk.get(key)


def test_save_checks_stores_and_returns_the_record(disk):
    record = disk.save(files.Upload("照片.jpg", samples.jpeg()), uploaded_by="user-1")

    assert record["media_type"] == "image/jpeg" and record["filename"] == "照片.jpg"
    assert disk.download(record) == files.Download("照片.jpg", "image/jpeg", samples.jpeg())
    with pytest.raises(BadRequest):
        disk.save(files.Upload("a.pdf", samples.html()), uploaded_by="user-1")
    assert len(_stored(disk)) == 1


# --- GridFS, and which engine a service gets


@pytest.fixture(params=["pymongo-gridfs-over-mongomock",
                        pytest.param("mongodb", marks=[pytest.mark.mongo, pytest.mark.skipif(
                            not os.environ.get("MONGO_URI"), reason="MONGO_URI is not set")])])
def grid(request):
    """GridFS stores: pymongo's own gridfs code over the embedded engine's in-memory collections
    (our use of the API, not MongoDB's behaviour), and a real MongoDB when MONGO_URI is set."""
    if request.param == "mongodb":
        database = open_database({"MONGO_URI": os.environ["MONGO_URI"]}, "files_test")
        database.client.drop_database(database.name)
        yield files.GridFileStore(database)
        database.client.drop_database(database.name)
        return
    from litemongo._vendor import mongomock
    from litemongo._vendor.mongomock.gridfs import _create_grid_out_cursor

    module = "gridfs.synchronous.grid_file"
    with mock.patch(f"{module}.Database", (Database, mongomock.Database)), \
            mock.patch(f"{module}.Collection", (Collection, mongomock.Collection)), \
            mock.patch(f"{module}.GridOutCursor", _create_grid_out_cursor):
        yield files.GridFileStore(mongomock.MongoClient()["jiangxin_files_test"])


def test_gridfs_stores_by_sha256_once_and_reads_back(grid):
    content = samples.pdf() * 2000  # several chunks

    key = grid.put(content)

    assert key == files.sha256_hex(content)
    assert grid.put(content) == key
    assert len(list(grid.bucket.find({"filename": key}))) == 1
    assert grid.exists(key) and grid.get(key) == content
    assert not grid.exists("0" * 64)
    with pytest.raises(NotFound):
        grid.get("0" * 64)


def test_the_engine_follows_mongo_uri(tmp_path):
    disk = files.open_file_store({"DATA_DIR": str(tmp_path)}, "studios")
    grid = files.open_file_store({"MONGO_URI": "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=50",
                                  "DATA_DIR": str(tmp_path)}, "studios")

    assert isinstance(disk, files.DiskFileStore) and disk.directory == tmp_path / "studios" / "files"
    assert isinstance(grid, files.GridFileStore)  # nothing is sent to the server until it is used


class Keeper:
    name = "keeper"
    files = files.Files()


def test_a_service_gets_its_store_under_its_own_directory(container_factory, service_config, tmp_path):
    container = container_factory(Keeper, service_config)
    container.start()

    store = get_extension(container, files.Files).store

    assert isinstance(store, files.DiskFileStore)
    assert store.directory == tmp_path / "data" / "keeper" / "files"
    assert store.get(store.put(samples.png())) == samples.png()
