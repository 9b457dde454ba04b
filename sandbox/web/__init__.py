"""The Bottle app: ``create_app(settings, services)`` builds a fresh, secured WSGI app from the route table."""

from sandbox.web.app import create_app

__all__ = ["create_app"]
