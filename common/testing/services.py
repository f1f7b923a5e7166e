"""A service in real containers on the real broker, called as the gateway calls it.

``ServiceUnderTest`` starts a service class in a container (more with ``start``: further
instances on the same store and queues, as a service scaled out runs), calls its entrypoints
with a caller's principal first, waits for an event handler to finish with what was published,
and reaches the repository of its store for what a test reads from the source of truth.
"""
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from common.storage import Store
from common.testing.events import publish_event


class ServiceUnderTest:
    def __init__(self, container_factory, service_class, config):
        self.container_factory, self.service_class, self.config = container_factory, service_class, config
        self.containers = []
        self.start()

    def start(self):
        """One more instance of the service, started."""
        container = self.container_factory(self.service_class, self.config)
        container.start()
        self.containers.append(container)
        return container

    @property
    def container(self):
        return self.containers[0]

    def extension(self, cls):
        """The first instance's extension of class ``cls`` (a dependency provider, say)."""
        return next(e for e in self.container.extensions if isinstance(e, cls))

    @property
    def store(self):
        return self.extension(Store).repository

    def __call__(self, method, caller, *args, container=None):
        """The entrypoint ``method`` called by ``caller`` (a principal, or None) with ``args``."""
        with entrypoint_hook(container or self.container, method) as hook:
            return hook(caller.to_dict() if caller else None, *args)

    def run(self, method, *args):
        """An entrypoint that takes no caller (a timer's), run once now."""
        with entrypoint_hook(self.container, method) as hook:
            return hook(*args)

    def hear(self, handler, body):
        """Publish ``body`` as its publisher's relay does and wait until ``handler`` has finished
        with it."""
        with entrypoint_waiter(self.container, handler, timeout=10):
            publish_event(self.config["AMQP_URI"], body)
