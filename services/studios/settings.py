"""What the configuration gives every worker of the studios service, checked once at start-up:
the personal data protector and the rules a deployment sets (how far back a result may date, the
rating rubric and thresholds, the length of the public notice), and this instance's name for the
scheduled jobs it claims."""
from nameko.extensions import DependencyProvider

from common.ids import new_id
from common.personal_id import PersonalDataProtector
from services.studios.domain.rounds import DEFAULT_NOTICE_DAYS
from services.studios.domain.rubric import rubric_from, thresholds_from

WINDOW_KEY = "STUDIO_SUBMISSION_WINDOW_YEARS"
DEFAULT_WINDOW_YEARS = 3
NOTICE_KEY = "STUDIO_NOTICE_DAYS"


def _whole(config, key, default, low, high):
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{key} must be a whole number from {low} to {high}")
    return value


class Settings(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.protector = PersonalDataProtector(config["PERSONAL_DATA_SECRET"])
        self.submission_window_years = _whole(config, WINDOW_KEY, DEFAULT_WINDOW_YEARS, 1, 20)
        self.notice_days = _whole(config, NOTICE_KEY, DEFAULT_NOTICE_DAYS, 1, 30)
        # A rubric with a typo stops the service here, rather than rating studios wrongly.
        self.rubric = rubric_from(config.get("STUDIO_RATING_RUBRIC"))
        self.thresholds = thresholds_from(config.get("STUDIO_RATING_THRESHOLDS"))
        # Who claims scheduled jobs in the store: one name per running container.
        self.instance = new_id("ins")

    def get_dependency(self, worker_ctx):
        return self
