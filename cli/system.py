"""What the whole system is: its services, in the order they start."""
SERVICE_MODULES = (
    "services.competitions.service",
    "services.talent_pool.service",
    "gateway.service",
)


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
