"""The SPARQL service: SPARQL 1.1 Protocol (query, update), Graph Store Protocol, service
description, VoID, health and OpenAPI, as a Flask app served by granian.

``create_app(settings, store)`` builds the app (:mod:`.app`); ``run(settings)`` serves it
(:mod:`.serve`). See docs/HTTP.md for the endpoints.
"""

from .app import create_app

__all__ = ["create_app"]
