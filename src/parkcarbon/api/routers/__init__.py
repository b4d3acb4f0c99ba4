"""Routers of the REST API (``/api/v1``): thin translations of HTTP into service calls."""
