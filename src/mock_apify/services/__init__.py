"""The rules of the emulated API, shared by the HTTP handlers, seed files and /_mock: what may be
created, what a change implies, which errors a request earns. No aiohttp here."""
