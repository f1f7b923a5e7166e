"""What the configuration gives every worker of the notifications service, checked once at
start-up: the networks webhook targets may be in despite being private, how long a webhook
attempt may wait, the retry schedule, how long an endpoint may fail before it is disabled and
how long it then stays so, the SMTP server mail goes through, and the hour digests go out."""
import datetime

from nameko.extensions import DependencyProvider

from common.personal_id import StoredSecrets
from services.notifications.domain import delivery, targets
from services.notifications.domain.preferences import DEFAULT_DIGEST_HOUR

ALLOWED_NETWORKS_KEY = "NOTIFICATIONS_ALLOWED_NETWORKS"
TIMEOUT_KEY = "WEBHOOK_TIMEOUT_SECONDS"
SCHEDULE_KEY = "WEBHOOK_RETRY_SCHEDULE"
CONCURRENCY_KEY = "WEBHOOK_CONCURRENCY"
DISABLE_AFTER_KEY = "WEBHOOK_DISABLE_AFTER_SECONDS"
COOLDOWN_KEY = "WEBHOOK_COOLDOWN_SECONDS"
LEASE_KEY = "DELIVERY_LEASE_SECONDS"
SMTP_KEY = "SMTP"
DIGEST_HOUR_KEY = "DIGEST_HOUR"
DEFAULT_TIMEOUT = 15.0
DEFAULT_CONCURRENCY = 50
# A claimed delivery is due again after this if its attempt never finished (the instance died):
# longer than any attempt may take (its timeout), or a slow attempt would be claimed and sent again.
DEFAULT_LEASE_SECONDS = 120
SMTP_DEFAULTS = {"host": "127.0.0.1", "port": 25, "starttls": False, "ca_file": None, "username": None,
                 "password": None, "sender": "noreply@jiangxin.localhost", "timeout": 30}


class Settings(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.allowed_networks = targets.allowed_networks(config.get(ALLOWED_NETWORKS_KEY))
        self.timeout = float(config.get(TIMEOUT_KEY) or DEFAULT_TIMEOUT)
        if not 0 < self.timeout <= 60:
            raise ValueError(f"{TIMEOUT_KEY} must be more than 0 and at most 60 seconds")
        self.schedule = delivery.schedule_from(config.get(SCHEDULE_KEY))
        self.disable_after = _duration(config, DISABLE_AFTER_KEY, delivery.DEFAULT_DISABLE_AFTER)
        self.cooldown = _duration(config, COOLDOWN_KEY, delivery.DEFAULT_COOLDOWN)
        self.lease_seconds = float(config.get(LEASE_KEY) or DEFAULT_LEASE_SECONDS)
        if self.lease_seconds <= self.timeout:
            raise ValueError(f"{LEASE_KEY} must be longer than {TIMEOUT_KEY}")
        # Endpoints' signing secrets are kept sealed: a copy of the store signs nothing.
        self.stored_secrets = StoredSecrets(config["PERSONAL_DATA_SECRET"])
        self.smtp = self.smtp_of(config)
        self.digest_hour = int(config.get(DIGEST_HOUR_KEY, DEFAULT_DIGEST_HOUR))
        if not 0 <= self.digest_hour <= 23:
            raise ValueError(f"{DIGEST_HOUR_KEY} is an hour of the day, 0 to 23 (Beijing time)")

    @staticmethod
    def smtp_of(config):
        return _smtp(config.get(SMTP_KEY) or {})

    def get_dependency(self, worker_ctx):
        return self


def _duration(config, key, default):
    value = config.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{key} is a number of seconds, 0 or more")
    return datetime.timedelta(seconds=value)


def _smtp(given):
    unknown = set(given) - set(SMTP_DEFAULTS)
    if unknown:
        raise ValueError(f"{SMTP_KEY} has no setting {', '.join(sorted(unknown))}")
    # An unset environment variable comes as an empty text: the default then.
    smtp = {**SMTP_DEFAULTS, **{key: value for key, value in given.items() if value not in (None, "")}}
    smtp["port"] = int(smtp["port"])
    for key in ("username", "password"):
        if smtp[key] is not None and not str(smtp[key]).isascii():
            raise ValueError(f"{SMTP_KEY} {key} must be ASCII: smtplib's AUTH sends no other")
    return smtp


def concurrency(config):
    """How many webhook attempts an instance makes at once."""
    return int(config.get(CONCURRENCY_KEY) or DEFAULT_CONCURRENCY)
