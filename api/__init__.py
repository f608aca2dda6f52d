"""The HTTP adapter: FastAPI routes that only translate HTTP to application commands and queries."""
