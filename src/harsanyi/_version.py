"""Package version (kept in sync with pyproject.toml)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("harsanyi")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.1.0"
