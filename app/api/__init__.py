"""The HTTP API and the pages' routes: the app factory (``create_app``), its routes, schemas,
typed dependencies (``deps``), authentication, rate limits and observability."""


def __getattr__(name: str) -> object:
    if name == "create_app":  # imported on use: the modules here import one another
        from kotae.app.api.factory import create_app

        return create_app
    raise AttributeError(f"module 'kotae.app.api' has no attribute {name!r}")
