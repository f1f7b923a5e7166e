"""The collector kept away from what a process built at start-up, and paused for a batch."""
import gc
import weakref

from common.collector import collector_paused, freeze_start_up


class Node:
    pass


def cycle():
    node = Node()
    node.itself = node
    return node


def test_start_up_collects_its_garbage_and_freezes_what_lives_on():
    kept, garbage = cycle(), cycle()
    gone = weakref.ref(garbage)
    del garbage
    freeze_start_up()
    assert gone() is None
    assert gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects())  # no longer walked


def test_a_paused_batch_leaves_the_collector_as_it_found_it():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
