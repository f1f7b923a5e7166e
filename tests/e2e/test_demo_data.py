"""`make demo` loads into the system config.yaml describes, wherever GATEWAY_ADDRESS puts its
gateway (never a fixed port): a city's competitions, and its innovation studios up to their rating
round, whose leads of three stars or more reach the talent pool once the public notice closes."""
import subprocess
import sys

from common.auth import issue_token
from common.testing.waiting import wait_until
from tests.processes import ROOT, TOKEN_SECRET


def demo_data(system, *arguments, timeout=240):
    result = subprocess.run([sys.executable, "-m", "cli", "demo-data", "--workers", "2", *arguments],
                            env=system.env(), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert system.base_url in result.stdout
    return result.stdout


def test_demo_data_loads_into_the_gateway_that_gateway_address_names(system, http):
    assert not system.address.endswith(":8000")  # a free port, so a fixed 8000 could not reach it

    demo_data(system, "--contestants", "6", "--chains", "1", "--trades", "1", "--skip-studios")

    token = subprocess.run([sys.executable, "-m", "cli", "token", "--role", "admin", "--subject", "ops"],
                           env=system.env(), cwd=ROOT, capture_output=True, text=True,
                           timeout=60).stdout.strip()
    published = [c for c in http("GET", "/competitions", token, params={"limit": 500}).json()["items"]
                 if c["status"] == "published"]
    assert len(published) == 1


def test_demo_data_loads_a_city_s_studios_through_their_rating_round_into_the_talent_pool(studios, http):
    out = demo_data(studios, "--skip-competitions", "--studios", "4", "--results-per-studio", "20",
                    "--notice-seconds", "2", timeout=300)
    reviewer = issue_token(TOKEN_SECRET, "check", "reviewer")

    loaded = http("GET", "/studios", reviewer, params={"limit": 500}).json()
    assert loaded["total"] == 4
    assert all(5 <= studio["member_count"] <= 15 for studio in loaded["items"])
    assert http("GET", "/alliances", reviewer).json()["total"] >= 1
    verified = http("GET", "/results", reviewer, params={"status": "verified", "limit": 1}).json()
    assert verified["total"] >= 60
    assert http("GET", "/results", reviewer, params={"status": "rejected"}).json()["total"] >= 1

    [round_] = http("GET", "/rating-rounds", reviewer).json()["items"]
    assert f"/public/rating-rounds/{round_['id']}/notice?format=html" in out
    notice = http("GET", f"/public/rating-rounds/{round_['id']}/notice").json()  # no token
    assert notice["total"] == 4 and notice["status"] == "closed"
    page = http("GET", f"/public/rating-rounds/{round_['id']}/notice", params={"format": "html"})
    assert page.headers["Content-Type"].startswith("text/html")

    # The ratings took effect when the notice closed; the leads of 3 stars or more reach the
    # talent pool by events alone.
    rated = http("GET", "/public/studios", params={"min_stars": 3}).json()["items"]
    assert rated, "no studio of the demo reached 3 stars"
    leads = {studio["lead_name"] for studio in rated}

    def admitted():
        talents = http("GET", "/talents", reviewer, params={"limit": 500}).json()["items"]
        return leads <= {talent["name"] for talent in talents if talent["status"] == "active"}

    wait_until(admitted, 90, message=f"the leads {sorted(leads)} in the talent pool")
