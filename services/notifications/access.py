"""Who may hear of what: a topic's audience (domain/topics.py) applied to a subscriber's role and
scope, when they subscribe and again for every event, since a role may change meanwhile; and
whose a subscription or an inbox item is: its subscriber's alone."""
from common.auth import ADMIN, ORGANIZER, REVIEWER, STUDIO_LEAD, UNIT_ROLES
from common.errors import BadRequest, Forbidden, NotFound
from services.notifications.domain.topics import PUBLIC, TALENT_READERS, TOPICS
from services.notifications.repository import subscriber_id_of

UNION_ROLES = frozenset({ADMIN, REVIEWER})


def may_hear(subscriber, topic, data=None):
    """Whether ``subscriber`` (``{"role", "unit", "studio"}``) may hear of ``topic``: of any such
    event when ``data`` is None (what they may subscribe to), else of this one."""
    audience, fields = TOPICS[topic].audience, TOPICS[topic].fields
    role = subscriber["role"]
    if audience == PUBLIC or role in UNION_ROLES:
        return True
    if audience == TALENT_READERS:
        return role == ORGANIZER
    if role in UNIT_ROLES:
        return data is None or data.get(fields["unit"]) == subscriber["unit"]
    if role == STUDIO_LEAD and "studio_id" in fields:
        return data is None or data.get("studio_id") == subscriber["studio"]
    return False


def require_may_subscribe(subscriber, topics):
    """Forbidden naming the topics ``subscriber`` may never hear of."""
    refused = [topic for topic in topics if topic in TOPICS and not may_hear(subscriber, topic)]
    if refused:
        raise Forbidden(f"a {subscriber['role']} does not hear of {', '.join(refused)}",
                        {"topics": [f"not for a {subscriber['role']}: {', '.join(refused)}"]})


def require_own(caller, document, missing):
    """``document`` (a subscription, an inbox item) if it is the caller's; else NotFound worded
    as ``missing``, exactly as for one that does not exist."""
    if document["subscriber_id"] != subscriber_id_of(caller.subject):
        raise NotFound(missing)
    return document


def require_own_endpoints(own_endpoints, endpoint_ids):
    """BadRequest naming each of ``endpoint_ids`` not among ``own_endpoints`` (the caller's):
    someone else's is named as one that does not exist."""
    own = {endpoint["_id"] for endpoint in own_endpoints}
    unknown = [endpoint_id for endpoint_id in endpoint_ids if endpoint_id not in own]
    if unknown:
        raise BadRequest("the subscription names webhook endpoints the caller does not have",
                         {"endpoint_ids": [f"no webhook endpoint {e}" for e in unknown]})
