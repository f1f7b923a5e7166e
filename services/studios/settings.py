"""What the configuration gives every worker of the studios service, checked once at start-up:
the personal data protector and the rules a deployment sets (how far back a result may date)."""
from nameko.extensions import DependencyProvider

from common.personal_id import PersonalDataProtector

WINDOW_KEY = "STUDIO_SUBMISSION_WINDOW_YEARS"
DEFAULT_WINDOW_YEARS = 3


class Settings(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.protector = PersonalDataProtector(config["PERSONAL_DATA_SECRET"])
        window = config.get(WINDOW_KEY, DEFAULT_WINDOW_YEARS)
        if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 20:
            raise ValueError(f"{WINDOW_KEY} must be a whole number of years from 1 to 20")
        self.submission_window_years = window

    def get_dependency(self, worker_ctx):
        return self
