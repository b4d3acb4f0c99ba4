"""The API application without the console, for benchmark runs under uvicorn."""

from parkcarbon.api.app import create_app

app = create_app()
