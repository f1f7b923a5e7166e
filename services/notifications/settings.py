"""What the configuration gives every worker of the notifications service, checked once at
start-up: the networks webhook targets may be in despite being private, how long a webhook
attempt may wait, the retry schedule, and this instance's name for the deliveries it claims."""
import requests
from nameko.extensions import DependencyProvider

from common.ids import new_id
from services.notifications.domain import delivery, targets

ALLOWED_NETWORKS_KEY = "NOTIFICATIONS_ALLOWED_NETWORKS"
TIMEOUT_KEY = "WEBHOOK_TIMEOUT_SECONDS"
SCHEDULE_KEY = "WEBHOOK_RETRY_SCHEDULE"
CONCURRENCY_KEY = "WEBHOOK_CONCURRENCY"
DEFAULT_TIMEOUT = 15.0
DEFAULT_CONCURRENCY = 50
# A claimed delivery is due again after this if its attempt never finished (the instance died).
LEASE_SECONDS = 120


class Settings(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.allowed_networks = targets.allowed_networks(config.get(ALLOWED_NETWORKS_KEY))
        self.timeout = float(config.get(TIMEOUT_KEY) or DEFAULT_TIMEOUT)
        if not 0 < self.timeout <= 60:
            raise ValueError(f"{TIMEOUT_KEY} must be more than 0 and at most 60 seconds")
        self.schedule = delivery.schedule_from(config.get(SCHEDULE_KEY))
        self.concurrency = concurrency(config)
        self.lease_seconds = LEASE_SECONDS
        self.instance = new_id("ins")

    def get_dependency(self, worker_ctx):
        return self


def concurrency(config):
    """How many webhook attempts an instance makes at once."""
    return int(config.get(CONCURRENCY_KEY) or DEFAULT_CONCURRENCY)


class WebhookSession(DependencyProvider):
    """One HTTP session per service instance for its webhook attempts: connections to the same
    receivers are kept alive between attempts, as many as there are attempts at once. (requests
    keeps 10 by default: of 50 attempts to one receiver, 40 opened a connection only to drop it.)"""

    def setup(self):
        at_once = concurrency(self.container.config)
        adapter = requests.adapters.HTTPAdapter(pool_connections=at_once, pool_maxsize=at_once)
        self.session = requests.Session()
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, adapter)

    def stop(self):
        self.session.close()

    kill = stop

    def get_dependency(self, worker_ctx):
        return self.session
