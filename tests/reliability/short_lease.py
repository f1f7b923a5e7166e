"""The notifications service as deployed but for one thing, run as its own process by a fault
test: what an instance claims to send is leased for a few seconds, not two minutes, so that what a
SIGKILLed instance had claimed is due again without the test waiting out the real lease. It is
still longer than the test takes from an attempt to the kill: an attempt held by its receiver
is not claimed again before the kill (a lease shorter than an attempt would send it twice)."""
from services.notifications import service, settings

LEASE_SECONDS = 15


class ShortLease(settings.Settings):
    def setup(self):
        super().setup()
        self.lease_seconds = LEASE_SECONDS


class NotificationsService(service.NotificationsService):
    settings = ShortLease()
