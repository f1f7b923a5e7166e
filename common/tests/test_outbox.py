"""The outbox relay against the real broker: confirmed, routed, resent after failures."""
import json
import time

import pytest
from kombu import Connection, Queue

from common.events import make_event
from common.outbox import (DUE, OUTBOX, OutboxRelay, envelope_of, new_with_outbox, outbox_entries,
                           with_outbox)
from common.storage import open_database
from common.topology import event_exchange


@pytest.fixture
def collection(service_config):
    return open_database(service_config, "outbox_test")["things"]


@pytest.fixture
def bound_queue(service_config):
    """A durable queue bound to thing.changed events, as a consumer would declare it."""
    queue = Queue("evt-outbox_test-thing.changed--probe.handle", exchange=event_exchange("outbox_test"),
                  routing_key="thing.changed", durable=True)
    with Connection(service_config["AMQP_URI"]) as connection:
        queue(connection.channel()).declare()
    return queue


def drain(amqp_uri, queue):
    bodies = []
    with Connection(amqp_uri) as connection:
        bound = queue(connection.channel())
        while (message := bound.get(no_ack=True)) is not None:
            bodies.append(json.loads(message.body))
    return bodies


def relay_for(service_config, collection, poll_interval=0):
    """A relay that scans for due outboxes on every pass, unless given a ``poll_interval``."""
    return OutboxRelay(service_config["AMQP_URI"], "outbox_test", [collection],
                       poll_interval=poll_interval)


def changed(n):
    return make_event("thing.changed", {"n": n}, source="outbox_test")


def test_with_outbox_keeps_the_callers_update():
    entries = outbox_entries([changed(1)])
    update = with_outbox({"$set": {"status": "done"}, "$push": {"log": 1}}, entries)
    assert update["$set"] == {"status": "done", DUE: 0}
    assert update["$push"] == {"log": 1, OUTBOX: {"$each": entries}}


def test_an_entry_holds_its_envelope_as_it_will_be_sent():
    event = make_event("thing.changed", {"name": "王建国"}, source="outbox_test", correlation_id="req-1")
    [entry] = outbox_entries([event])
    assert envelope_of(entry) == event and "王建国" in entry["body"]
    assert (entry["event_id"], entry["event_type"], entry["correlation_id"]) == (
        event["event_id"], "thing.changed", "req-1")


def test_pending_events_are_published_in_order_and_cleared(service_config, collection, bound_queue):
    events = [changed(n) for n in range(3)]
    collection.insert_one(new_with_outbox({"_id": "a"}, outbox_entries(events[:1])))
    collection.update_one({"_id": "a"}, with_outbox({"$set": {"x": 1}}, outbox_entries(events[1:])))

    assert relay_for(service_config, collection).relay_pending() == 3

    assert [body["data"]["n"] for body in drain(service_config["AMQP_URI"], bound_queue)] == [0, 1, 2]
    document = collection.find_one({"_id": "a"})
    assert document[OUTBOX] == [] and DUE not in document


def test_an_unroutable_event_stays_pending_with_its_reason(service_config, collection):
    collection.insert_one(new_with_outbox({"_id": "a"}, outbox_entries([changed(1)])))

    assert relay_for(service_config, collection).relay_pending() == 0

    document = collection.find_one({"_id": "a"})
    [entry] = document[OUTBOX]
    assert document[DUE] == entry["retry_at"] > time.time()
    assert entry["attempts"] == 1 and "unroutable" in entry["last_error"]


def test_an_event_nobody_subscribes_to_is_dropped_after_its_last_attempt_and_logged_once(
        service_config, collection, bound_queue, caplog):
    relay = OutboxRelay(service_config["AMQP_URI"], "outbox_test", [collection], poll_interval=0,
                        max_unroutable_attempts=3)
    # As earlier passes leave them: unroutable twice already, due again now.
    unheard = [{**entry, "attempts": 2, "retry_at": 0, "last_error": "unroutable: ..."}
               for entry in outbox_entries([make_event("thing.unheard_of", {"n": n},
                                                       source="outbox_test") for n in (1, 2)])]
    collection.insert_one(new_with_outbox({"_id": "a"}, [unheard[0], *outbox_entries([changed(8)])]))
    collection.insert_one(new_with_outbox({"_id": "b"}, [unheard[1]]))

    assert relay.relay_pending() == 1
    assert [body["data"]["n"] for body in drain(service_config["AMQP_URI"], bound_queue)] == [8]
    for document in collection.find({}):
        assert document[OUTBOX] == [] and DUE not in document  # nothing left to send, ever
    dropped = [r for r in caplog.records if "dropped thing.unheard_of" in r.getMessage()]
    assert len(dropped) == 1  # one line for both, and none again within the report interval


def test_a_deferred_event_is_left_alone_until_due_but_a_new_one_goes_at_once(
        service_config, collection, bound_queue):
    collection.insert_one(new_with_outbox({"_id": "a"}, outbox_entries([
        make_event("thing.unheard_of", {}, source="outbox_test")])))
    relay = relay_for(service_config, collection)
    relay.relay_pending()

    assert relay.relay_pending() == 0  # not tried again before its time
    assert collection.find_one({"_id": "a"})[OUTBOX][0]["attempts"] == 1

    collection.update_one({"_id": "a"}, with_outbox({}, outbox_entries([changed(7)])))
    assert relay.relay_pending() == 1
    assert [body["data"]["n"] for body in drain(service_config["AMQP_URI"], bound_queue)] == [7]
    document = collection.find_one({"_id": "a"})
    assert [e["event_type"] for e in document[OUTBOX]] == ["thing.unheard_of"]
    assert document[DUE] == document[OUTBOX][0]["retry_at"]


def test_an_unreachable_broker_leaves_events_pending(service_config, collection):
    collection.insert_one(new_with_outbox({"_id": "a"}, outbox_entries([changed(1)])))
    relay = OutboxRelay("pyamqp://guest:guest@127.0.0.1:1/", "outbox_test", [collection])

    with pytest.raises(Exception):
        relay.relay_pending()

    assert len(collection.find_one({"_id": "a"})[OUTBOX]) == 1


def test_a_relay_that_died_before_clearing_resends_the_same_event_id(service_config, collection,
                                                                    bound_queue):
    event = changed(1)
    collection.insert_one(new_with_outbox({"_id": "a"}, outbox_entries([event])))
    relay = relay_for(service_config, collection)
    relay.publisher.publish(outbox_entries([event]))  # published and confirmed, then the process died

    relay_for(service_config, collection).relay_pending()

    ids = [body["event_id"] for body in drain(service_config["AMQP_URI"], bound_queue)]
    assert ids == [event["event_id"], event["event_id"]]  # consumers deduplicate by event_id
    assert collection.find_one({"_id": "a"})[OUTBOX] == []


def test_relay_fields_are_never_published(service_config, collection, bound_queue):
    event = changed(1)
    [entry] = outbox_entries([event])
    collection.insert_one(new_with_outbox({"_id": "a"}, [{**entry, "attempts": 2, "retry_at": 0,
                                                          "last_error": "x"}]))
    relay_for(service_config, collection).relay_pending()

    [body] = drain(service_config["AMQP_URI"], bound_queue)
    assert body == event


def test_outboxes_refilled_or_partly_sent_elsewhere_meanwhile_keep_what_was_not_sent(
        service_config, collection, bound_queue):
    first, second, third = changed(1), changed(2), changed(3)
    collection.insert_one(new_with_outbox({"_id": "a"}, outbox_entries([first])))
    collection.insert_one(new_with_outbox({"_id": "b"}, outbox_entries([second])))
    collection.insert_one(new_with_outbox({"_id": "c"}, outbox_entries([third])))
    relay = relay_for(service_config, collection)
    documents, _ = relay._collect()
    # Meanwhile a writer added to "a", and another relay of the same service sent what "b"
    # held while a writer added as many.
    fourth, fifth = changed(4), changed(5)
    collection.update_one({"_id": "a"}, with_outbox({}, outbox_entries([fourth])))
    collection.update_one({"_id": "b"}, {"$pull": {OUTBOX: {"event_id": second["event_id"]}}})
    collection.update_one({"_id": "b"}, with_outbox({}, outbox_entries([fifth])))

    left = relay._empty(collection, [document for _, document in documents])

    assert sorted(document["_id"] for document in left) == ["a", "b"]
    assert [e["event_id"] for e in collection.find_one({"_id": "a"})[OUTBOX]] == [
        first["event_id"], fourth["event_id"]]
    assert [e["event_id"] for e in collection.find_one({"_id": "b"})[OUTBOX]] == [fifth["event_id"]]
    assert collection.find_one({"_id": "c"}) == {"_id": "c", OUTBOX: []}


def test_many_outboxes_are_sent_and_emptied_in_one_pass(service_config, collection, bound_queue):
    for n in range(5):
        collection.insert_one(new_with_outbox({"_id": f"d{n}"}, outbox_entries([changed(n)])))

    assert relay_for(service_config, collection).relay_pending() == 5

    assert sorted(b["data"]["n"] for b in drain(service_config["AMQP_URI"], bound_queue)) == list(range(5))
    assert collection.count_documents({DUE: {"$exists": True}}) == 0
    assert collection.count_documents({OUTBOX: {"$size": 0}}) == 5


# Envelopes handed over by their writer


def test_envelopes_handed_over_by_their_writer_go_before_the_next_scan(
        service_config, collection, bound_queue):
    relay = relay_for(service_config, collection, poll_interval=3600)
    assert relay.relay_pending() == 0  # the scan at start-up: nothing yet

    event = changed(1)
    collection.insert_one(new_with_outbox({"_id": "a"}, outbox_entries([event])))
    relay.written(collection, "a", outbox_entries([event]))

    assert relay.relay_pending() == 1
    assert drain(service_config["AMQP_URI"], bound_queue) == [event]
    assert collection.find_one({"_id": "a"}) == {"_id": "a", OUTBOX: []}


def test_what_a_scan_already_sent_is_not_sent_again_when_handed_over(
        service_config, collection, bound_queue):
    relay = relay_for(service_config, collection, poll_interval=3600)
    event = changed(1)
    collection.insert_one(new_with_outbox({"_id": "a"}, outbox_entries([event])))
    relay.written(collection, "a", outbox_entries([event]))

    assert relay.relay_pending() == 1  # the scan at start-up found it first
    assert relay.relay_pending() == 0

    assert drain(service_config["AMQP_URI"], bound_queue) == [event]


def test_a_document_holding_more_than_was_handed_over_keeps_the_rest(
        service_config, collection, bound_queue):
    unheard_of = make_event("thing.unheard_of", {}, source="outbox_test")
    collection.insert_one(new_with_outbox({"_id": "a"}, outbox_entries([unheard_of])))
    relay = relay_for(service_config, collection, poll_interval=3600)
    relay.relay_pending()  # unroutable: deferred
    event = changed(1)
    collection.update_one({"_id": "a"}, with_outbox({}, outbox_entries([event])))
    relay.written(collection, "a", outbox_entries([event]))

    assert relay.relay_pending() == 1

    document = collection.find_one({"_id": "a"})
    assert [e["event_type"] for e in document[OUTBOX]] == ["thing.unheard_of"]
    assert document[DUE] == document[OUTBOX][0]["retry_at"]
    assert drain(service_config["AMQP_URI"], bound_queue) == [event]


def test_a_document_left_marked_due_with_nothing_due_is_put_right_by_the_next_scan(
        service_config, collection):
    first = make_event("thing.unheard_of", {}, source="outbox_test")
    collection.insert_one(new_with_outbox({"_id": "a"}, outbox_entries([first])))
    relay = relay_for(service_config, collection, poll_interval=3600)
    relay.relay_pending()  # unroutable: deferred
    second = make_event("thing.unheard_of", {}, source="outbox_test")
    collection.update_one({"_id": "a"}, with_outbox({}, outbox_entries([second])))
    relay.written(collection, "a", outbox_entries([second]))

    assert relay.relay_pending() == 0  # deferred too; the relay knew of one of the two only
    assert collection.find_one({"_id": "a"})[DUE] == 0

    relay.poll_interval = 0
    assert relay.relay_pending() == 0
    document = collection.find_one({"_id": "a"})
    assert document[DUE] == min(e["retry_at"] for e in document[OUTBOX]) > 0
