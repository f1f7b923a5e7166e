"""`make demo` loads into the system config.yaml describes, wherever GATEWAY_ADDRESS puts its
gateway (never a fixed port)."""
import subprocess
import sys

from tests.processes import ROOT


def test_demo_data_loads_into_the_gateway_that_gateway_address_names(system, http):
    assert not system.address.endswith(":8000")  # a free port, so a fixed 8000 could not reach it

    result = subprocess.run(
        [sys.executable, "-m", "cli", "demo-data", "--contestants", "6", "--chains", "1",
         "--trades", "1", "--workers", "2"],
        env=system.env(), cwd=ROOT, capture_output=True, text=True, timeout=240)

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert system.base_url in result.stdout
    token = subprocess.run([sys.executable, "-m", "cli", "token", "--role", "admin", "--subject", "ops"],
                           env=system.env(), cwd=ROOT, capture_output=True, text=True,
                           timeout=60).stdout.strip()
    published = [c for c in http("GET", "/competitions", token, params={"limit": 500}).json()["items"]
                 if c["status"] == "published"]
    assert len(published) == 1
