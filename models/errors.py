"""Errors raised while loading or running a model."""


class ModelError(Exception):
    """Base class for model errors."""


class MissingExtra(ModelError):
    """An optional backend's packages are not installed."""

    def __init__(self, backend: str, extra: str, cause: Exception) -> None:
        super().__init__(
            f"the {backend} backend needs extra packages ({cause}); "
            f"install them with: pip install 'kotae[{extra}]'"
        )
