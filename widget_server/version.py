"""The installed version, from the package's metadata (pyproject.toml)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("widget-server")
except PackageNotFoundError:  # run from a checkout that was never installed
    VERSION = "0+unknown"
