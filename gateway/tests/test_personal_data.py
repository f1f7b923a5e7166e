"""ID numbers between the gateway and the services: what crosses the broker is read off it by a
queue of the test's own, bound to the RPC exchange beside the services' own queues."""
import json

import pytest
from kombu import Connection, Exchange

from gateway.tests import create_competition, organiser_token, token
from common.testing.factories import worker

# nameko's RPC exchange, declared as nameko declares it.
RPC_EXCHANGE = Exchange("nameko-rpc", type="topic", durable=True)
SEALED_REQUESTS = ("competitions.register_entry", "talent_pool.nominate")
TAP = "test-tap-sealed-requests"


@pytest.fixture
def requests_on_the_broker(gateway_system):
    """A function returning the bodies of every register_entry and nominate request published
    since the fixture started, as the services receive them."""
    with Connection(gateway_system.amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        RPC_EXCHANGE(channel).declare()
        channel.queue_declare(queue=TAP, durable=False, auto_delete=False)
        for routing_key in SEALED_REQUESTS:
            channel.queue_bind(queue=TAP, exchange=RPC_EXCHANGE.name, routing_key=routing_key)

        def drain():
            bodies = []
            while (message := channel.basic_get(TAP, no_ack=True)) is not None:
                body = message.body
                bodies.append(body.decode("utf-8") if isinstance(body, bytes) else body)
            return bodies

        yield drain
        channel.queue_delete(TAP)


def test_id_numbers_cross_the_broker_sealed(gateway_system, requests_on_the_broker):
    api = gateway_system
    org = organiser_token()
    competition, eid = create_competition(api, as_=org)
    base = f"/competitions/{competition['id']}"
    api.ok("POST", f"{base}/status", as_=org, json={"action": "open_registration"})
    contestant = worker()
    entry = api.ok("POST", f"{base}/events/{eid}/entries", as_=org, json=contestant)
    nominee = worker(employer="泰安重工")
    nomination = api.ok("POST", "/talent-nominations", as_=token("reviewer", "reviewer-1"), json={
        **{key: nominee[key] for key in ("name", "id_number", "employer", "trade", "skill_level")},
        "industry_chain": "装备制造", "reason": "多年一线经验"})

    # Registered and nominated end to end, and shown masked as before.
    assert entry["id_number_masked"] == contestant["id_number"][:3] + "*" * 11 + contestant["id_number"][-4:]
    assert nomination["id_number_masked"][-4:] == nominee["id_number"][-4:]
    bodies = requests_on_the_broker()
    assert len(bodies) == 2
    for body, number in zip(bodies, (contestant["id_number"], nominee["id_number"])):
        assert number not in body and number[6:14] not in body
        payload = json.loads(body)["args"][-1]
        assert payload["name"] and payload["id_number"] != number


def test_a_bad_number_is_still_a_400_naming_it(gateway_system):
    api = gateway_system
    org = organiser_token()
    competition, eid = create_competition(api, as_=org)
    base = f"/competitions/{competition['id']}"
    api.ok("POST", f"{base}/status", as_=org, json={"action": "open_registration"})
    number = worker()["id_number"]
    for bad in (number[:17] + ("0" if number[17] != "0" else "1"), number[:17]):
        response = api.post(f"{base}/events/{eid}/entries", as_=org, json=worker(id_number=bad))
        assert response.status_code == 400, response.text
        assert "id_number" in response.json()["fields"]
