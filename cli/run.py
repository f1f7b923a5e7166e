"""Run the whole system on one machine: every service and the gateway as its own process, as in
production, with the embedded store under DATA_DIR. Ctrl-C stops them all."""
import os
import signal
import subprocess
import sys
import time

from cli.broker_check import HOW_TO_START, wait_for_broker
from cli.topology import declare_all
from common.config import load_config
from services import PROCESSES


def service_command(config_path, target):
    """The command that runs one service: `nameko run` of its module (or ``module:Class``)."""
    return [os.path.join(os.path.dirname(sys.executable), "nameko"), "run", "--config", config_path,
            target]


def start_services(config_path, env=None, processes=PROCESSES):
    """Start one `nameko run` process per service and the gateway; returns {name: Popen}."""
    return {process.name: subprocess.Popen(service_command(config_path, process.target), env=env,
                                           start_new_session=True)
            for process in processes}


def stop_services(processes, timeout=15):
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes.values():
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stop_requested(signum, frame):
    raise KeyboardInterrupt


def main(args):
    # Ctrl-C, and SIGTERM from a supervisor, stop everything; a shell that started us in the
    # background may have left SIGINT ignored, so both handlers are set explicitly.
    signal.signal(signal.SIGINT, _stop_requested)
    signal.signal(signal.SIGTERM, _stop_requested)
    config = load_config(args.config)
    if not wait_for_broker(config["AMQP_URI"], seconds=10):
        print(HOW_TO_START.format(uri=config["AMQP_URI"]), file=sys.stderr)
        return 1
    declare_all(config)
    processes = start_services(args.config)
    address = config["WEB_SERVER_ADDRESS"]
    print(f"Jiangxin is starting: gateway on http://{address}, data under {config['DATA_DIR']}/\n"
          f"Get a token:  .venv/bin/python -m cli token --role organizer --subject alice --unit jianhu-union\n"
          f"Then:         curl -H \"Authorization: Bearer $TOKEN\" http://{address}/competitions\n"
          f"API:          http://{address}/openapi.json   Walkthrough: docs/walkthrough.md\n"
          f"Ctrl-C stops everything.", flush=True)
    try:
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
        failed = [module for module, process in processes.items() if process.poll() is not None]
        print(f"stopped: {', '.join(failed)} exited", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopping...", flush=True)
        return 0
    finally:
        stop_services(processes)


def register(subparsers):
    parser = subparsers.add_parser("run", help="run every service and the gateway")
    parser.add_argument("--config", default="config.yaml")
    parser.set_defaults(func=main)
