"""A store that cannot take a write (read-only, full, locked by another process) answers JSON 503
over HTTP and changes nothing; the service serves again once the cause is gone."""
import sqlite3
from contextlib import contextmanager

import pytest
from nameko.testing.utils import get_container

from common.storage import Database, sqlite_connections, store_directory
from common.testing import factories
from common.testing.http import assert_json_error
from gateway.tests import organiser_token
from services.competitions.service import CompetitionsService

ORG = organiser_token()


def competitions_database(api):
    container = get_container(api.runner, CompetitionsService)
    [database] = [e for e in container.subextensions if isinstance(e, Database)]
    return database.database


@contextmanager
def pragma(api, name, failing, normal):
    """Every open connection of the competitions store with ``PRAGMA name = failing`` (as a
    read-only mount or a full disk make it), ``normal`` again afterwards."""
    connections = sqlite_connections(competitions_database(api))
    try:
        for connection in connections:
            connection.execute(f"PRAGMA {name} = {failing(connection)}")
        yield
    finally:
        for connection in connections:
            connection.execute(f"PRAGMA {name} = {normal}")


def read_only(api):
    return pragma(api, "query_only", lambda connection: 1, 0)


def full(api):
    # No page beyond those the files have now: the next write that needs one fails as on a full disk.
    return pragma(api, "max_page_count",
                  lambda connection: connection.execute("PRAGMA page_count").fetchone()[0],
                  1073741823)


@contextmanager
def locked(api):
    # Another process's write lock on the competitions' file, as a backup tool might hold it.
    path = store_directory({"DATA_DIR": api.runner.config["DATA_DIR"]}, "competitions")
    lock = sqlite3.connect(str(path / "jiangxin" / "competitions"), isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        yield
    finally:
        lock.close()


def listed(api):
    return sorted(c["id"] for c in api.ok("GET", "/competitions", as_=ORG, params={"limit": 100})["items"])


@pytest.mark.parametrize("fault, reason", [
    (read_only, "readonly"), (full, "full"), (locked, "locked")])
def test_a_write_the_store_cannot_take_is_a_503_and_changes_nothing(gateway_system, fault, reason):
    api = gateway_system
    api.ok("POST", "/competitions", as_=ORG, json=factories.competition_payload())
    before = listed(api)
    # Several events, so that the write needs new pages of the file.
    events = [factories.competition_payload(trade=trade)["events"][0]
              for trade in ("数控车工", "钳工", "焊工", "电工", "铣工", "磨工")]
    payload = factories.competition_payload(name="写不进去的竞赛", events=events)
    with fault(api):
        response = api.post("/competitions", as_=ORG, json=payload)
        body = assert_json_error(response, 503, "service_unavailable")
        assert reason in body["message"]
    assert listed(api) == before
    created = api.ok("POST", "/competitions", as_=ORG, json=payload)
    assert listed(api) == sorted(before + [created["id"]])
