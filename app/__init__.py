"""The outside of kotae: FastAPI app (``create_app``), CLI (``kotae``), settings, auth."""
