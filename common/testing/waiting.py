"""Waiting on a condition: polled until it holds, bounded, failing with what was last seen.

A test never sleeps for a fixed time to let something happen (or not): it asks the source of
truth until the answer is the one it expects. Under `nameko test` the sleep between polls yields
to eventlet, so the services under test keep running meanwhile.
"""
import time


def wait_until(condition, timeout=30, interval=0.1, message="condition", ignoring=()):
    """Poll ``condition()`` until it returns something truthy, which is returned; fail after
    ``timeout`` seconds with the last value. Exceptions of the types in ``ignoring`` count as
    "not yet"."""
    deadline = time.monotonic() + timeout
    value = None
    while True:
        try:
            value = condition()
        except ignoring as error:
            value = error
        else:
            if value:
                return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message}: not reached within {timeout:g} s (last: {value!r})")
        time.sleep(interval)
