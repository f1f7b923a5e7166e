"""The one list of services says which of them consume events, and it agrees with their code."""
from cli.system import CONSUMING_SERVICES, service_classes
from common.parking import ParkedMessagesAdmin
from common.topology import subscriptions


def test_every_consuming_service_is_listed_and_has_the_parked_message_admin():
    consuming = [cls for cls in service_classes() if subscriptions(cls)]
    assert sorted(cls.name for cls in consuming) == sorted(CONSUMING_SERVICES)
    assert all(issubclass(cls, ParkedMessagesAdmin) for cls in consuming)
