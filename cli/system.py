"""What the whole system is: its services, in the order they start."""
SERVICE_MODULES = (
    "services.competitions.service",
    "services.talent_pool.service",
    "gateway.service",
)
# The services with reliable event handlers, each with its parked-message admin
# (common.parking.ParkedMessagesAdmin): the gateway serves /admin/parked/<one of them>.
CONSUMING_SERVICES = ("talent_pool",)


def service_classes():
    """The nameko service classes, for declaring the topology they consume."""
    import importlib
    import inspect

    classes = []
    for module_name in SERVICE_MODULES:
        module = importlib.import_module(module_name)
        classes.extend(cls for _, cls in inspect.getmembers(module, inspect.isclass)
                       if cls.__module__ == module_name and isinstance(getattr(cls, "name", None), str))
    return classes
