"""The running system the gateway tests share: one per test module."""
from urllib.parse import urlparse

import pytest

from common.testing.http import Api
from conftest import TEST_PERSONAL_DATA_SECRET, TEST_TOKEN_SECRET


def system_config(amqp_uri, data_dir, port):
    return {
        "AMQP_URI": amqp_uri,
        "DATA_DIR": str(data_dir),
        "TOKEN_SECRET": TEST_TOKEN_SECRET,
        "PERSONAL_DATA_SECRET": TEST_PERSONAL_DATA_SECRET,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "RPC_TIMEOUT": 10,
        "CHECK_RESPONSES": True,
        # The tests' webhook receiver listens on loopback, which a deployment refuses by default.
        "NOTIFICATIONS_ALLOWED_NETWORKS": ["127.0.0.1/32"],
    }


@pytest.fixture(scope="module")
def system_settings():
    """Settings a test module gives its system beyond ``system_config`` (a module overrides this
    fixture: the SMTP server its emails go to, say)."""
    return {}


@pytest.fixture(scope="module")
def gateway_system(request, vhost_pipeline, tmp_path_factory, system_settings):
    """Every service and the gateway (services/__init__.py) running for a whole test module;
    yields an Api."""
    # Imported here, after `nameko test` has monkey-patched eventlet.
    from nameko.runners import ServiceRunner
    from nameko.testing.utils import find_free_port

    from services import service_classes

    broker = urlparse(request.config.getoption("RABBIT_AMQP_URI"))
    with vhost_pipeline.get() as vhost:
        port = find_free_port()
        config = {**system_config(f"{broker.scheme}://{broker.netloc}/{vhost}",
                                  tmp_path_factory.mktemp("gateway-data"), port), **system_settings}
        runner = ServiceRunner(config)
        for service_cls in service_classes():
            runner.add_service(service_cls)
        runner.start()
        api = Api(f"http://127.0.0.1:{port}")
        api.amqp_uri = config["AMQP_URI"]  # for tests that put messages on the broker themselves
        api.runner = runner  # for tests that make a service's store fail as a disk would
        try:
            yield api
        finally:
            api.close()
            runner.kill()
