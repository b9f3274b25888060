"""The HTTP API: OpenAI-compatible chat completions with citations, over the public `Assistant` API.

    assistant serve                      # http://127.0.0.1:8001/v1 (ASSISTANT_API_HOST / ASSISTANT_API_PORT)

    from server.app import create_app    # a FastAPI app for one Assistant; mount the web UI on it if wanted
    app = create_app(bot)

Like the UI and the eval, it only calls `Assistant` and `ChatSession`; it adds no retrieval logic.
"""
