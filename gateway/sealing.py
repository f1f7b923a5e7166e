"""ID numbers leave the gateway sealed: a request to a service crosses the broker, where queues
can be read, mirrored or logged, so the number in it travels as a seal that only the services
given PERSONAL_DATA_SECRET open (common.personal_id)."""
from nameko.extensions import DependencyProvider

from common.personal_id import PersonalDataProtector


class SealedIdNumber(DependencyProvider):
    """In a route, ``self.sealed(payload)``: the (already validated) payload with its
    ``id_number`` sealed."""

    def setup(self):
        self.protector = PersonalDataProtector(self.container.config["PERSONAL_DATA_SECRET"])

    def get_dependency(self, worker_ctx):
        return self.protector.sealed
