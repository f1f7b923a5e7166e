"""Fixtures shared by every test package."""
import pytest

TEST_TOKEN_SECRET = "test-token-secret-0123456789abcdef0123456789"
TEST_PERSONAL_DATA_SECRET = "test-personal-data-secret-0123456789abcdef"


@pytest.fixture
def service_config(rabbit_config, tmp_path):
    """nameko config for a service under test: its own vhost on the real broker, its own store."""
    return {
        **rabbit_config,
        "DATA_DIR": str(tmp_path / "data"),
        "TOKEN_SECRET": TEST_TOKEN_SECRET,
        "PERSONAL_DATA_SECRET": TEST_PERSONAL_DATA_SECRET,
    }


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    """A real webhook receiver in its own process, for a test module (paths keep tests apart)."""
    from common.testing.receivers import WebhookReceiver  # after `nameko test` has patched eventlet

    with WebhookReceiver(tmp_path_factory.mktemp("webhooks")) as running:
        yield running


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    """A real SMTP server in its own process, for a test module (addresses keep tests apart)."""
    from common.testing.receivers import SmtpServer

    with SmtpServer(tmp_path_factory.mktemp("smtp")) as running:
        yield running
