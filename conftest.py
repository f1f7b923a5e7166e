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
