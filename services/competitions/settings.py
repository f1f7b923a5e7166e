"""Configuration-derived helpers the competitions service needs in every worker."""
from nameko.extensions import DependencyProvider

from common.personal_id import PersonalDataProtector


class Settings(DependencyProvider):
    def setup(self):
        self.protector = PersonalDataProtector(self.container.config["PERSONAL_DATA_SECRET"])

    def get_dependency(self, worker_ctx):
        return self
