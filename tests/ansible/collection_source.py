"""Loads a Python file of the collection's source (collection/plugins/...) for the unit checks
in this folder, without building or installing the collection."""

import importlib.util
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'collection', 'plugins')


def load(name, *path):
    """The module at collection/plugins/<path...>, named `name`."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, *path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
