"""Evaluation harness: retrieval and answer metrics without an LLM judge, optional LLM judges,
configurations compared side by side, and a report folder. Entry point: `eval.cli.main`.

Nothing runs at import time; submodules import their heavy dependencies lazily.
"""
