"""The embedded store serves one process per service: a second `nameko run` of the same service
on the same DATA_DIR exits with a clear message instead of losing and doubling writes beside the
first. Tools keep reaching the store: the parked-message CLI through the running service, or
through the store when the service is down."""
import pytest

from common.testing.waiting import wait_until
from tests.processes import COMPETITIONS, TALENT_POOL
from tests.reliability.test_talent_admission import run_cli

pytestmark = pytest.mark.slow

WAIT = 120


@pytest.mark.parametrize("module, service, wait", [
    (COMPETITIONS, "competitions", "wait_for_competitions"),
    (TALENT_POOL, "talent_pool", "wait_for_talent_pool"),
])
def test_a_second_process_on_the_same_store_exits_and_says_why(system, module, service, wait):
    system.declare_topology()
    system.start(module)
    getattr(system, wait)()

    second = system.start_as("second", module)
    wait_until(lambda: second.poll() is not None, WAIT, message="the second process exiting")
    assert second.returncode != 0
    log = system.log("second")
    assert str(system.data_dir / service) in log
    assert "MONGO_URI" in log
    system.check_alive([module])  # the first serves on


def test_the_parked_cli_asks_the_running_service_or_opens_the_store_when_it_is_down(system):
    system.declare_topology()
    system.start(TALENT_POOL)
    system.wait_for_talent_pool()
    assert run_cli(system, "parked", "list", "--service", "talent_pool").startswith(
        "0 parked in talent_pool")
    system.stop(TALENT_POOL)
    assert run_cli(system, "parked", "replay", "--service", "talent_pool").strip() == \
        "replayed 0 from talent_pool"
