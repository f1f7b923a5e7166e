"""Configuration-derived helpers the talent pool needs in every worker: the personal data
protector and the admission policy, checked once when the service starts."""
from nameko.extensions import DependencyProvider

from common.personal_id import PersonalDataProtector
from services.talent_pool.domain.policy import policy_from

POLICY_KEY = "TALENT_ADMISSION_POLICY"


class Settings(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.protector = PersonalDataProtector(config["PERSONAL_DATA_SECRET"])
        # A policy with a typo stops the service here, rather than admitting the wrong people.
        self.policy = policy_from(config.get(POLICY_KEY))

    def get_dependency(self, worker_ctx):
        return self
