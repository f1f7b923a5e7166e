import pytest

from common.testing.http import Api
from services.studios.service import StudiosService
from services.talent_pool.service import TalentPoolService
from tests.processes import COMPETITIONS, GATEWAY, STUDIOS, TALENT_POOL, Broker, isolated_system


@pytest.fixture(scope="session")
def broker():
    return Broker()


@pytest.fixture
def system(broker, tmp_path):
    """The whole system as `make run` starts it: topology first, then one process per service."""
    with isolated_system(broker, tmp_path, "jiangxin_e2e") as system:
        system.declare_topology()
        system.start(COMPETITIONS, GATEWAY)
        system.wait_for_competitions()
        system.wait_for_gateway()
        yield system


@pytest.fixture
def studios(system):
    """The studios service and the talent pool beside the rest, their queues declared first."""
    system.declare_topology([TalentPoolService, StudiosService])
    system.start(STUDIOS, TALENT_POOL)
    system.wait_for_studios()
    system.wait_for_talent_pool()
    return system


class Http(Api):
    """The kit's client, called as ``http(method, path, token, expect=200)``; it keeps every
    response body, for checks over all of them."""

    def __init__(self, base_url):
        super().__init__(base_url)
        self.bodies = []

    def __call__(self, method, path, token=None, expect=200, **kwargs):
        response = self.request(method, path, as_=token, **kwargs)
        self.bodies.append(response.text)
        expected = expect if isinstance(expect, tuple) else (expect,)
        assert response.status_code in expected, (
            f"{method} {path}: {response.status_code}, expected {expect}: {response.text[:500]}")
        return response


@pytest.fixture
def http(system):
    client = Http(system.base_url)
    yield client
    client.close()
