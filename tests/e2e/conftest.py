import pytest
import requests

from tests.processes import COMPETITIONS, GATEWAY, Broker, isolated_system


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


class Http:
    """requests against the gateway; keeps every response body for checks over all of them."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.session = requests.Session()
        self.bodies = []

    def __call__(self, method, path, token=None, expect=200, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.session.request(method, self.base_url + path, headers=headers, timeout=30,
                                        **kwargs)
        self.bodies.append(response.text)
        expected = expect if isinstance(expect, tuple) else (expect,)
        assert response.status_code in expected, (
            f"{method} {path}: {response.status_code}, expected {expect}: {response.text[:500]}")
        return response


@pytest.fixture
def http(system):
    client = Http(system.base_url)
    yield client
    client.session.close()
