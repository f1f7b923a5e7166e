"""A file from a multipart request through the gateway, over RPC on the real broker, into a
service's store, and back as a download: the path studios' evidence takes."""
import pytest
from marshmallow import fields, validate
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_container

from common import auth
from common.errors import BadRequest, NotFound
from common.files import DEFAULT_MAX_FILE_BYTES, Files, Upload
from common.rpc import ServiceRpc, rpc
from common.schemas import StoredFileOut, Strict, UploadField
from common.testing import files as samples
from common.testing.callers import studio_lead, token_of
from common.testing.http import assert_json_error
from common.validation import load
from common.web import route

from conftest import TEST_TOKEN_SECRET


class EvidenceIn(Strict):
    file = UploadField(required=True)
    note = fields.String(validate=validate.Length(max=50))


class Keeper:
    name = "evidence_keeper"
    files = Files()
    records = {}  # stands in for the documents a service keeps its records in

    @rpc
    def add(self, subject, payload):
        payload = load(EvidenceIn(), payload)
        record = self.files.save(payload["file"], uploaded_by=subject)
        self.records[record["file_id"]] = record
        return record

    @rpc
    def file(self, file_id):
        if file_id not in self.records:
            raise NotFound(f"no file {file_id}")
        return self.files.download(self.records[file_id])


class Gateway:
    name = "evidence_gateway"
    keeper = ServiceRpc("evidence_keeper")

    @route("POST", "/evidence", form=EvidenceIn, response=StoredFileOut, status=201,
           roles=[auth.STUDIO_LEAD])
    def upload(self, request, principal, payload):
        return self.keeper.add(principal.subject, payload)

    @route("GET", "/evidence/<string:file_id>", download=True)
    def download(self, request, principal, file_id):
        return self.keeper.file(file_id)


@pytest.fixture
def system(runner_factory, service_config, web_config):
    Keeper.records.clear()
    runner = runner_factory({**service_config, **web_config, "RPC_TIMEOUT": 20}, Keeper, Gateway)
    runner.start()
    return runner


@pytest.fixture
def lead():
    return {"Authorization": f"Bearer {token_of(studio_lead('studio-1'), TEST_TOKEN_SECRET)}"}


def test_a_file_at_its_bound_makes_the_trip_and_comes_back_whole(system, web_session, lead):
    content = samples.pdf()
    content += b" " * (DEFAULT_MAX_FILE_BYTES - len(content))

    created = web_session.post("/evidence", headers=lead, data={"note": "省级"},
                               files={"file": ("年度报告.pdf", content)})

    assert created.status_code == 201, created.text[:500]
    record = created.json()
    assert record["size"] == DEFAULT_MAX_FILE_BYTES and record["filename"] == "年度报告.pdf"
    downloaded = web_session.get(f"/evidence/{record['file_id']}", headers=lead)
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert downloaded.headers["Content-Type"] == "application/pdf"


def test_a_refused_file_is_a_json_400_and_reaches_no_store(system, web_session, lead):
    response = web_session.post("/evidence", headers=lead, files={"file": ("a.pdf", samples.html())})

    body = assert_json_error(response, 400, "bad_request")
    assert list(body["fields"]) == ["file"]
    assert Keeper.records == {}
    assert_json_error(web_session.get("/evidence/file-none", headers=lead), 404, "not_found")


def test_the_service_checks_what_arrives_over_rpc_on_its_own(system):
    keeper = get_container(system, Keeper)
    sent = Upload("a.pdf", samples.exe()).to_rpc()

    with entrypoint_hook(keeper, "add") as add:
        with pytest.raises(BadRequest) as refused:
            add("lead-1", {"file": sent})

    assert list(refused.value.fields) == ["file"]
    assert Keeper.records == {}
