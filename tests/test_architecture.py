"""The architecture, held by tests: one list of processes everything follows, and who may import
what (the gateway only services' public API modules, no service another, domain rules no
framework)."""
import ast
import pathlib

import pytest
import yaml

from cli import run
from common.parking import ParkedMessagesAdmin
from common.rpc import ServiceRpc
from common.topology import subscriptions
from gateway.service import GatewayService
from services import CONSUMING_SERVICES, PROCESSES, SERVICE_NAMES, service_classes

ROOT = pathlib.Path(__file__).resolve().parent.parent
FRAMEWORKS = {"nameko", "kombu", "amqp", "pymongo", "litemongo", "marshmallow", "werkzeug",
              "eventlet", "apispec", "yaml", "requests", "jwt", "cryptography", "openpyxl"}
# The kit's modules that domain rules may use: each is itself free of any framework.
FRAMEWORK_FREE_KIT = {"common.errors", "common.vocabulary", "common.clock", "common.ids", "common.collector"}


def imports_of(path):
    """Every module ``path`` imports, absolute, with the line it is imported on."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            # ``from package import module`` imports the module; ``from module import name``
            # the module.
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                found.append((submodule if module_exists(submodule) else module, node.lineno))
    return found


def sources(folder, tests=False):
    for path in sorted((ROOT / folder).rglob("*.py")):
        if tests or "tests" not in path.relative_to(ROOT).parts:
            yield path


def module_exists(name):
    parts = name.split(".")
    return (ROOT.joinpath(*parts).with_suffix(".py").exists()
            or (ROOT.joinpath(*parts) / "__init__.py").exists())


def violations(folder, allowed, tests=False):
    found = []
    for path in sources(folder, tests):
        for module, line in imports_of(path):
            if not allowed(path, module):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


# --- one list of processes


def test_every_process_in_the_list_is_a_nameko_service_of_that_name():
    assert [cls.name for cls in service_classes()] == [process.name for process in PROCESSES]


def test_make_run_starts_every_process_in_the_list():
    started = []

    class Recorder:
        def __init__(self, command, **kwargs):
            started.append(command[-1])

    original = run.subprocess.Popen
    run.subprocess.Popen = Recorder
    try:
        processes = run.start_services("config.yaml")
    finally:
        run.subprocess.Popen = original
    assert list(processes) == [process.name for process in PROCESSES]
    assert started == [process.target for process in PROCESSES]


def test_deploy_runs_every_process_in_the_list_and_nothing_else():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    nameko_services = {name: service["command"][-1] for name, service in compose["services"].items()
                       if service.get("command", [None])[0] == "nameko"}

    assert nameko_services == {process.name: process.target for process in PROCESSES}
    assert compose["services"]["topology"]["command"] == ["python", "-m", "cli", "topology"]


def test_the_consuming_services_are_those_with_event_handlers_and_each_has_the_parked_admin():
    consuming = [cls for cls in service_classes() if subscriptions(cls)]

    assert [cls.name for cls in consuming] == list(CONSUMING_SERVICES)
    assert all(issubclass(cls, ParkedMessagesAdmin) for cls in consuming)


def test_the_gateway_calls_every_service_in_the_list_and_no_other():
    # ConsumerRpc (no fixed target) reaches the consuming services by name.
    proxies = {value.target_service for cls in GatewayService.__mro__
               for value in vars(cls).values() if isinstance(value, ServiceRpc)} - {None}

    assert proxies == set(SERVICE_NAMES)


# --- who imports what


def _is_project(module):
    return module.split(".")[0] in {"common", "services", "gateway", "cli", "tests", "bench"}


def test_the_gateway_reaches_services_only_through_their_public_api_modules():
    def allowed(path, module):
        if not module.startswith("services"):
            return True
        parts = module.split(".")
        # the list of processes, a service's api module, or a name imported from one
        return module == "services" or (len(parts) >= 3 and parts[2] == "api")

    assert violations("gateway", allowed) == []


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_service_never_imports_another_service_or_the_gateway(service):
    def allowed(path, module):
        if module.startswith("gateway"):
            return False
        parts = module.split(".")
        return not (parts[0] == "services" and len(parts) > 1 and parts[1] != service
                    and module_exists(".".join(parts[:2])))

    assert violations(f"services/{service}", allowed, tests=True) == []


def test_the_kit_imports_no_service_and_no_gateway():
    def allowed(path, module):
        return module.split(".")[0] not in ("services", "gateway")

    assert violations("common", allowed) == []


def _framework_free(module):
    return module.split(".")[0] not in FRAMEWORKS


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_domain_rules_import_no_framework(service):
    domain = f"services.{service}.domain"

    def allowed(path, module):
        if not _is_project(module):
            return _framework_free(module)
        return module.startswith(domain) or module in FRAMEWORK_FREE_KIT

    assert violations(f"services/{service}/domain", allowed) == []


def test_the_kit_modules_domain_rules_use_are_free_of_any_framework():
    found = []
    for name in FRAMEWORK_FREE_KIT:
        path = ROOT.joinpath(*name.split(".")).with_suffix(".py")
        if not path.exists():
            continue
        for module, line in imports_of(path):
            project = _is_project(module)
            if (project and module not in FRAMEWORK_FREE_KIT) or (
                    not project and not _framework_free(module)):
                found.append(f"{name}:{line} imports {module}")
    assert found == []
