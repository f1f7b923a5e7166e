"""Files through common.web over real HTTP: multipart uploads in, attachments out, JSON errors."""
import hashlib
import socket
from urllib.parse import quote

import pytest
from kombu.utils import json as kombu_json
from marshmallow import fields, validate

from common import auth
from common.errors import NotFound
from common.files import PDF, PNG, Download, Files
from common.openapi import build_openapi
from common.schemas import StoredFileOut, Strict, UploadField
from common.testing import files as samples
from common.testing import callers
from common.testing.callers import studio_lead, token_of
from common.testing.http import assert_json_error
from common.validation import load
from common.web import FORM_TEXT_BYTES, MAX_FORM_PARTS, route

from conftest import TEST_TOKEN_SECRET

MAX_FILE = 64 * 1024
LEAD = studio_lead("studio-1")
# What the test service has stored, by file id: a service keeps records in its own documents.
RECORDS = {}


class EvidenceForm(Strict):
    file = UploadField(required=True, max_bytes=MAX_FILE)
    note = fields.String(validate=validate.Length(max=50))


class PhotosForm(Strict):
    photos = fields.List(UploadField(allowed=(PNG,), max_bytes=MAX_FILE), required=True,
                         validate=validate.Length(min=1, max=3))


def _over_rpc(value):
    """``value`` as a service receives it from the gateway, or the gateway a service's answer."""
    return kombu_json.loads(kombu_json.dumps(value))


class FilesWebService:
    """A gateway route and the service behind it in one: the payload makes the trip over RPC."""

    name = "filestest"
    files = Files()

    @route("POST", "/evidence", form=EvidenceForm, response=StoredFileOut, status=201,
           roles=[auth.STUDIO_LEAD])
    def upload(self, request, principal, payload):
        loaded = load(EvidenceForm(), _over_rpc(payload))  # what the service's use case does
        record = self.files.save(loaded["file"], uploaded_by=principal.subject, max_bytes=MAX_FILE)
        RECORDS[record["file_id"]] = record
        return record

    @route("POST", "/photos", form=PhotosForm, response=StoredFileOut(many=True), status=201,
           max_files=2)
    def photos(self, request, principal, payload):
        return [self.files.save(photo, uploaded_by=principal.subject, field=f"photos.{i}")
                for i, photo in enumerate(payload["photos"])]

    @route("GET", "/evidence/<string:file_id>", download=(PDF, PNG))
    def download(self, request, principal, file_id):
        if file_id not in RECORDS:
            raise NotFound(f"no file {file_id}")
        return _over_rpc(self.files.download(RECORDS[file_id]))

    @route("GET", "/evidence/<string:file_id>/as-object", download=True)
    def download_object(self, request, principal, file_id):
        record = RECORDS[file_id]
        return Download.of(record, self.files.get(record["sha256"]))


@pytest.fixture
def web(container_factory, web_config, tmp_path):
    RECORDS.clear()
    config = {**web_config, "TOKEN_SECRET": TEST_TOKEN_SECRET, "DATA_DIR": str(tmp_path / "data"),
              "CHECK_RESPONSES": True}
    container = container_factory(FilesWebService, config)
    container.start()
    return container


@pytest.fixture
def lead():
    return {"Authorization": f"Bearer {token_of(LEAD, TEST_TOKEN_SECRET)}"}


def _no_html(response):
    assert "<html" not in response.text.lower() and "<!doctype" not in response.text.lower()


def test_an_upload_answers_201_with_its_checksum_and_the_type_its_bytes_are(web, web_session, lead):
    response = web_session.post("/evidence", headers={**lead, "Idempotency-Key": "up-1"},
                                files={"file": ("获奖证书.pdf", samples.png(), "application/pdf")},
                                data={"note": "省级一等奖"})

    assert response.status_code == 201, response.text
    record = response.json()
    assert record["media_type"] == "image/png" and record["filename"] == "获奖证书.png"
    assert record["size"] == len(samples.png()) and record["uploaded_by"] == LEAD.subject
    assert record["sha256"] == hashlib.sha256(samples.png()).hexdigest()


def test_a_download_is_an_attachment_under_its_checked_type_with_its_chinese_name(web, web_session,
                                                                                   lead):
    record = web_session.post("/evidence", headers=lead,
                              files={"file": ("证书 扫描件.pdf", samples.pdf())}).json()

    for path in (f"/evidence/{record['file_id']}", f"/evidence/{record['file_id']}/as-object"):
        response = web_session.get(path, headers=lead)

        assert response.status_code == 200
        assert response.content == samples.pdf()
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"] == (
            "attachment; filename=\"download.pdf\"; filename*=UTF-8''" + quote("证书 扫描件.pdf"))
        assert "no-store" in response.headers["Cache-Control"]


def test_a_download_of_nothing_is_a_json_404(web, web_session, lead):
    assert_json_error(web_session.get("/evidence/file-none", headers=lead), 404, "not_found")


def test_a_file_over_its_bound_is_a_json_413_naming_it(web, web_session, lead):
    response = web_session.post("/evidence", headers=lead,
                                files={"file": ("a.pdf", samples.pdf() + b" " * MAX_FILE)})

    body = assert_json_error(response, 413, "payload_too_large")
    assert list(body["fields"]) == ["file"]
    _no_html(response)


def test_a_body_over_the_route_bound_is_a_json_413_before_it_is_read(web, web_session, lead):
    big = samples.pdf() + b" " * (MAX_FILE + FORM_TEXT_BYTES + 1)
    response = web_session.post("/evidence", headers=lead, files={"file": ("a.pdf", big)})

    assert_json_error(response, 413, "payload_too_large")
    _no_html(response)
    assert web_session.get("/evidence/file-none", headers=lead).status_code == 404  # still served


def test_a_chunked_body_over_the_bound_is_a_json_413(web, web_session, lead):
    boundary = "b0undary"

    def chunks():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\""
               "\r\n\r\n").encode()
        for _ in range(3):
            yield b" " * MAX_FILE
        yield f"\r\n--{boundary}--\r\n".encode()

    response = web_session.post("/evidence", data=chunks(), headers={
        **lead, "Content-Type": f"multipart/form-data; boundary={boundary}"})

    assert_json_error(response, 413, "payload_too_large")


@pytest.mark.parametrize("content", [samples.html(), samples.exe(), samples.zip_archive()],
                         ids=["html", "exe", "zip"])
def test_a_wrong_type_is_a_json_400_naming_the_field(web, web_session, lead, content):
    response = web_session.post("/evidence", headers=lead, files={"file": ("证书.pdf", content)})

    body = assert_json_error(response, 400, "bad_request")
    assert list(body["fields"]) == ["file"] and "type not allowed" in body["fields"]["file"][0]
    _no_html(response)


@pytest.mark.parametrize("parts, field, message", [
    ({"files": {"note": (None, "x")}}, "file", "Missing data"),
    ({"files": {"file": ("a.pdf", samples.pdf())}, "data": {"comment": "x"}}, "comment", "Unknown"),
    ({"files": {"file": ("a.pdf", samples.pdf()), "extra": ("b.pdf", samples.pdf())}}, "extra", ""),
    ({"files": [("file", ("a.pdf", samples.pdf())), ("file", ("b.pdf", samples.pdf()))]}, "file",
     "given more than once"),
    ({"files": {"file": (None, "not a file")}}, "file", "must be a file"),
    ({"files": {"file": ("a.pdf", samples.pdf()), "note": ("n.txt", b"x")}}, "note", "text field"),
    ({"files": {"file": ("a.pdf", b"")}}, "file", "the file is empty"),
    ({"files": {"file": ("a.pdf", samples.pdf())}, "data": {"note": "x" * 51}}, "note", "Length"),
], ids=["missing-file", "unknown-field", "unknown-file", "file-twice", "text-for-file",
        "file-for-text", "empty-file", "long-note"])
def test_a_form_that_is_not_as_declared_is_a_json_400_naming_the_part(web, web_session, lead, parts,
                                                                      field, message):
    response = web_session.post("/evidence", headers=lead, **parts)

    body = assert_json_error(response, 400, "bad_request")
    assert field in body["fields"], body
    assert any(message.lower() in text.lower() for text in body["fields"][field]), body


def test_more_files_than_the_route_takes_is_a_400(web, web_session, lead):
    photo = ("p.png", samples.png())
    assert web_session.post("/photos", headers=lead, files=[("photos", photo)] * 2).status_code == 201

    response = web_session.post("/photos", headers=lead, files=[("photos", photo)] * 3)

    body = assert_json_error(response, 400, "bad_request")
    assert "at most 2" in body["fields"]["photos"][0]


def test_a_body_that_is_no_multipart_form_is_a_json_400(web, web_session, lead):
    as_json = web_session.post("/evidence", headers=lead, json={"file": "x"})
    no_boundary = web_session.post("/evidence", data=b"--x\r\n", headers={
        **lead, "Content-Type": "multipart/form-data"})
    cut_short = web_session.post("/evidence", data=b"--x\r\nContent-Disposition: form-data; nam",
                                 headers={**lead, "Content-Type": "multipart/form-data; boundary=x"})

    assert assert_json_error(as_json, 400, "bad_request")["fields"] == {
        "Content-Type": ["must be multipart/form-data"]}
    for response in (no_boundary, cut_short):
        assert_json_error(response, 400, "bad_request")
        _no_html(response)


def test_what_werkzeug_refuses_as_too_large_is_a_json_413(web, web_session, lead):
    many = [("file", ("a.pdf", samples.pdf()))] + [("part", (None, "x"))] * MAX_FORM_PARTS

    response = web_session.post("/evidence", headers=lead, files=many)

    body = assert_json_error(response, 413, "payload_too_large")
    assert f"more than {MAX_FORM_PARTS} parts" in body["message"]
    _no_html(response)


def test_text_that_is_not_utf8_is_a_400_naming_the_field(web, web_session, lead):
    boundary = "xyz"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            "\r\n").encode() + samples.pdf() + (
        f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n").encode() + \
        b"\xff\xfe" + f"\r\n--{boundary}--\r\n".encode()

    response = web_session.post("/evidence", data=body, headers={
        **lead, "Content-Type": f"multipart/form-data; boundary={boundary}"})

    assert list(assert_json_error(response, 400, "bad_request")["fields"]) == ["note"]


def test_a_caller_without_the_role_or_a_token_is_refused_before_the_body_is_read(web, web_session):
    reviewer = {"Authorization": f"Bearer {token_of(callers.reviewer(), TEST_TOKEN_SECRET)}"}
    upload = {"files": {"file": ("a.pdf", samples.pdf())}}

    assert_json_error(web_session.post("/evidence", headers=reviewer, **upload), 403, "forbidden")
    assert_json_error(web_session.post("/evidence", **upload), 401, "unauthorized")
    assert RECORDS == {}


def test_the_openapi_document_describes_the_multipart_body_and_the_file_answer():
    document = build_openapi(FilesWebService, title="t", version="1")

    upload = document["paths"]["/evidence"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]
    schema = document["components"]["schemas"]["EvidenceForm"]
    assert body["schema"] == {"$ref": "#/components/schemas/EvidenceForm"}
    assert schema["properties"]["file"]["type"] == "string"
    assert schema["properties"]["file"]["format"] == "binary"
    assert schema["required"] == ["file"]
    assert "application/pdf" in body["encoding"]["file"]["contentType"]
    assert {"400", "413", "201"} <= set(upload["responses"])
    photos = document["components"]["schemas"]["PhotosForm"]["properties"]["photos"]
    assert photos["type"] == "array" and photos["items"]["format"] == "binary"

    download = document["paths"]["/evidence/{file_id}"]["get"]["responses"]["200"]
    assert set(download["content"]) == {"application/pdf", "image/png"}
    assert download["content"]["image/png"]["schema"] == {"type": "string", "format": "binary"}
    assert "Content-Disposition" in download["headers"]


def test_a_form_route_must_declare_a_file_and_bound_what_crosses_rpc():
    class NoFile(Strict):
        note = fields.String()

    class Many(Strict):
        files = fields.List(UploadField(max_bytes=20 * 1024 * 1024), validate=validate.Length(max=2))

    with pytest.raises(ValueError, match="UploadField"):
        route("POST", "/x", form=NoFile)
    with pytest.raises(ValueError, match="one message"):
        route("POST", "/x", form=Many)
    with pytest.raises(ValueError, match="not both"):
        route("POST", "/x", form=EvidenceForm, body=EvidenceForm)


def test_a_raw_multipart_request_gets_a_raw_json_answer(web, web_config, lead):
    port = int(web_config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1])
    body = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n" + \
        samples.exe() + b"\r\n--x--\r\n"
    head = (f"POST /evidence HTTP/1.1\r\nHost: a\r\nAuthorization: {lead['Authorization']}\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"400"
    assert b"application/json" in rest.split(b"\r\n\r\n")[0]
    assert b"Windows executable" in rest
