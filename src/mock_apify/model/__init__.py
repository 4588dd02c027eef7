"""The emulated records as plain data (moto's "models"): how they are built, changed and shown,
and Apify's template language. Pure: no I/O, no aiohttp, no SQL."""
