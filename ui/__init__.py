"""The Gradio web UI. `ui.app.build_app(bot)` builds it, `ui.app.launch(bot)` serves it.

Only Gradio code lives here: every answer, source and document comes from the `assistant` API.
"""
