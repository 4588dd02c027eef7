"""mock-apify: a local emulator of the Apify API v2 webhooks, for testing integrations offline."""

from __future__ import annotations

__version__ = "0.1.0"

from .app import Emulator, create_app
from .config import Config

__all__ = ["Config", "Emulator", "__version__", "create_app"]
