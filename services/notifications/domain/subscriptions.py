"""Subscriptions: a subscriber's topics and filters, and the events each one hears of.

A subscription names topics and, optionally, filters: for each filter a list of values, one of
which the event must carry. A filter reads only the topics that carry its field (``unit`` means
nothing to a talent's event); naming one that none of the subscription's topics carries is a
mistake, refused. Who may subscribe to which topic, and hear of which event, is access.py's.
"""
from common.errors import BadRequest

from .topics import FILTERS, TOPICS, field_values

MAX_FILTER_VALUES = 50
MAX_VALUE_LENGTH = 100


def check_subscription(topics, filters):
    """``(topics, filters)`` as stored: the topics in the order of ``TOPICS``, the filters' values
    distinct and sorted; BadRequest naming what is wrong."""
    faults = {}
    unknown = [t for t in topics if t not in TOPICS]
    if not topics or unknown:
        faults["topics"] = [f"unknown topics: {', '.join(map(str, unknown))}" if unknown else
                            "at least one topic"]
    chosen = [t for t in TOPICS if t in topics]
    stored = {}
    for name, values in (filters or {}).items():
        key = f"filters.{name}"
        if name not in FILTERS:
            faults[key] = [f"filters are {', '.join(FILTERS)}"]
        elif chosen and not any(name in TOPICS[t].fields for t in chosen):
            faults[key] = ["none of the subscription's topics carries it"]
        elif (not isinstance(values, list) or not 1 <= len(values) <= MAX_FILTER_VALUES
              or any(not isinstance(v, str) or not 1 <= len(v) <= MAX_VALUE_LENGTH for v in values)):
            faults[key] = [f"1 to {MAX_FILTER_VALUES} texts of at most {MAX_VALUE_LENGTH} characters"]
        else:
            stored[name] = sorted(set(values))
    if faults:
        raise BadRequest("the subscription is refused", faults)
    return chosen, stored


def matches(subscription, topic, data):
    """Whether the subscription asks for this event of ``topic``: subscribed to, and holding one
    of the values of every filter its topic carries."""
    if topic not in subscription["topics"]:
        return False
    for name, values in subscription["filters"].items():
        if name in TOPICS[topic].fields and not field_values(topic, data, name) & set(values):
            return False
    return True
