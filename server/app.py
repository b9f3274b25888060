"""The FastAPI app for one Assistant, and how `assistant serve` runs it with uvicorn.

    from server.app import create_app, run
    app = create_app(bot)           # /v1/models, /v1/chat/completions, /v1/retrieve
    run(app, "127.0.0.1", 8001)     # blocks; warns when exposed beyond loopback without a key
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from core.settings import Settings
from server import errors, logs, routes
from server.auth import warn_if_exposed
from server.models import Answerers


def create_app(bot: Any, settings: Settings | None = None) -> FastAPI:
    """The API app. `settings` (default: the bot's) gives the key and the body limit."""
    settings = settings or bot.settings
    # No docs pages: they load Swagger from a CDN, and this app works offline. The README documents it.
    app = FastAPI(title="Corpus assistant API", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.answerers = Answerers(bot)
    app.add_middleware(errors.BodyLimit, max_bytes=settings.api_max_body_kb * 1024, prefix="/v1")
    errors.install(app)
    app.include_router(routes.router(settings))
    return app


def app_from_environment() -> FastAPI:
    """The app of one `assistant serve --workers N` process: its own Assistant, from the settings
    the parent read (the environment and .env, which a spawned worker reads again)."""
    from assistant import Assistant

    logs.install()  # the worker configured uvicorn's loggers before building its app
    bot = Assistant()
    bot.warm_up()
    return create_app(bot)


def run_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve with `workers` processes sharing the port (each answers with its own GIL), until Ctrl-C."""
    import uvicorn

    warn_if_exposed(settings, host)
    # Semaphores the workers' libraries create (tqdm's lock) are freed at exit without telling
    # multiprocessing's resource tracker, which then warns of a "leak" on every Ctrl-C. There is none.
    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet]))
    uvicorn.run("server.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="info", server_header=False, timeout_graceful_shutdown=5)


def run(app: FastAPI, settings: Settings, host: str, port: int, *, on_exit: Callable[[], None] | None = None) -> None:
    """Serve until Ctrl-C. `on_exit` runs first on Ctrl-C/SIGTERM, e.g. to end a mounted UI's open
    streams, which uvicorn would otherwise wait for and then cancel with a traceback."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            if on_exit is not None:
                on_exit()
            super().handle_exit(sig, frame)

    warn_if_exposed(settings, host)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", server_header=False, timeout_graceful_shutdown=5)
    logs.install()  # after Config, which configures uvicorn's loggers: no `?api_key=` in the access log
    Server(config).run()
