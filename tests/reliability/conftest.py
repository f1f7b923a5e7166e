import pytest

from tests.processes import Broker, isolated_system


@pytest.fixture(scope="session")
def broker():
    return Broker()


@pytest.fixture
def system(broker, tmp_path):
    """Real processes on their own vhost and data; the award recorder writes under tmp_path."""
    with isolated_system(broker, tmp_path, "jiangxin_reliability",
                         AWARD_RECORDER_DIR=str(tmp_path / "recorder")) as system:
        system.recorder_dir = tmp_path / "recorder"
        yield system
