"""mock-apify: a local emulator of the Apify API v2 webhooks, for testing integrations offline."""

from __future__ import annotations

from importlib import metadata

from .app import create_app
from .config import Config
from .emulator import Emulator

__version__ = metadata.version("mock-apify")

__all__ = ["Config", "Emulator", "__version__", "create_app"]
