"""config.yaml with ${VAR:default} substitution, read the same way nameko's CLI reads it.

The same file serves a laptop, compose and a cluster: only the environment differs.
"""
import yaml
from nameko.cli.main import setup_yaml_parser

DEFAULT_CONFIG_PATH = "config.yaml"


def load_config(path=DEFAULT_CONFIG_PATH):
    setup_yaml_parser()
    with open(path, encoding="utf-8") as stream:
        return yaml.safe_load(stream)
