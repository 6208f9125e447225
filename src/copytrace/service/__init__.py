"""`copytrace serve`: the index over HTTP (FastAPI), with API keys, one writer, webhooks for watched documents and
request limits. Needs the `serve` extra: pip install 'copytrace[serve]'."""
from copytrace.service.app import Limits, create_app
from copytrace.service.auth import Keys, KeysError

__all__ = ["Keys", "KeysError", "Limits", "create_app"]
