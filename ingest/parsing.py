"""Parsing under a budget: every file is parsed in a worker process limited in CPU time.

A hostile file (a PDF whose pages replay one huge stream of empty text operators, an HTML page
built to be slow) must not cost more than ASSISTANT_MAX_PARSE_SECONDS of CPU. Checks inside the
parsers cannot promise that (pypdf's content-stream parser is pure Python and has no budget), so
the parse runs in a child process whose CPU time is capped by the kernel (RLIMIT_CPU: SIGXCPU
ends it at the limit), with a wall-clock timeout beside it for a child that waits instead of
computing. The file is then refused with a one-line reason naming the setting; nothing stored is
touched.

Why a subprocess rather than multiprocessing: a `spawn` child re-imports the caller's main module
(the whole CLI), and `fork` in a process running Chroma's and ONNX's threads is unsafe. One worker
serves a whole sync (about 0.1 s to start) and is replaced after a file kills it.

Each result is remembered by the hash of the bytes parsed (a few entries), so a file checked at
upload and then ingested is parsed once. A long-lived process (the UI, the HTTP server) keeps one
idle worker for SPARE_SECONDS after a sync (`ParseWorker.spare()`), so that the next sync of one
file does not wait for a new child to start and import.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import resource
import signal
import struct
import subprocess
import sys
import threading
from collections import OrderedDict
from typing import Any, BinaryIO

from ingest.loaders import Limits, LoadedFile, UnreadableFileError, load_bytes

WALL_FACTOR = 20  # wall-clock seconds allowed per CPU second (a busy machine shares its cores)
WALL_EXTRA = 20.0
_REMEMBERED = 8
_memo: OrderedDict[tuple, LoadedFile | str] = OrderedDict()
_memo_lock = threading.Lock()
SPARE_SECONDS = 60.0  # an idle worker is kept this long after a sync, then stopped
_spare: list["ParseWorker"] = []  # at most one
_spare_lock = threading.Lock()


def over_budget(seconds: float) -> UnreadableFileError:
    return UnreadableFileError(
        f"parsing took more than {seconds:g} s of CPU (a hostile or pathological file?); "
        "set ASSISTANT_MAX_PARSE_SECONDS to raise the limit"
    )


def _key(data: bytes, name: str, limits: Limits, seconds: float) -> tuple:
    suffix = os.path.splitext(name)[1].lower()
    return hashlib.sha256(data).hexdigest(), suffix, limits, seconds


def _send(stream: BinaryIO, payload: Any) -> None:
    blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!Q", len(blob)) + blob)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    (size,) = struct.unpack("!Q", head)
    blob = stream.read(size)
    if len(blob) < size:
        raise EOFError
    return pickle.loads(blob)


class ParseWorker:
    """A child process parsing files one at a time, each under a CPU budget. Use as a context manager."""

    def __init__(self, cpu_seconds: float) -> None:
        self.cpu_seconds = cpu_seconds
        self._proc: subprocess.Popen | None = None
        self._keep = False
        self._timer: threading.Timer | None = None

    @classmethod
    def spare(cls, cpu_seconds: float) -> "ParseWorker":
        """The idle worker a previous sync left (same budget, still running), else a new one,
        started; leaving its `with` block keeps it idle for SPARE_SECONDS instead of stopping it."""
        with _spare_lock:
            held = _spare.pop() if _spare else None
        if held is not None and held._timer is not None:
            held._timer.cancel()
        if held is None or held.cpu_seconds != cpu_seconds or held._proc is None or held._proc.poll() is not None:
            if held is not None:
                held.close()
            held = cls(cpu_seconds).start()
        held._keep = True
        return held

    def __enter__(self) -> "ParseWorker":
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self._keep or self._proc is None or self._proc.poll() is not None:
            self.close()
            return
        self._timer = threading.Timer(SPARE_SECONDS, self._expire)
        self._timer.daemon = True
        with _spare_lock:
            _spare.append(self)
            older = _spare[:-1]
            del _spare[:-1]
        for worker in older:
            worker.close()
        self._timer.start()

    def _expire(self) -> None:
        with _spare_lock:
            if self in _spare:
                _spare.remove(self)
            else:
                return
        self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()

    def start(self) -> "ParseWorker":
        """Start the child now (it takes a few tenths of a second to import), so that it is ready by
        the time the first file needs it; otherwise it starts on the first parse."""
        self._start()
        return self

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "ingest.parsing"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, env=env,
            )
        return self._proc

    def load(self, data: bytes, name: str, limits: Limits) -> LoadedFile:
        """The parsed file, or UnreadableFileError (also when the budget ran out)."""
        key = _key(data, name, limits, self.cpu_seconds)
        with _memo_lock:
            known = _memo.get(key)
        if known is None:
            known = self._parse(data, name, limits)
            with _memo_lock:
                _memo[key] = known
                while len(_memo) > _REMEMBERED:
                    _memo.popitem(last=False)
        if isinstance(known, str):
            raise UnreadableFileError(known)
        return known

    def _parse(self, data: bytes, name: str, limits: Limits) -> LoadedFile | str:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        result: list[Any] = []

        def exchange() -> None:
            try:
                _send(proc.stdin, (data, name, limits, self.cpu_seconds))
                result.append(_receive(proc.stdout))
            except (OSError, EOFError, pickle.UnpicklingError):
                pass

        talk = threading.Thread(target=exchange, daemon=True)
        talk.start()
        talk.join(self.cpu_seconds * WALL_FACTOR + WALL_EXTRA)
        if not result:  # killed by SIGXCPU, or still running past the wall-clock limit
            if not talk.is_alive():  # its output ended: it is dying, and its exit status comes a moment
                try:                 # after its pipes close (polling at once could read "still running")
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            code = proc.poll()
            self.close()
            talk.join(5)
            if code is None:  # waiting rather than computing (or a machine far too busy)
                wall = self.cpu_seconds * WALL_FACTOR + WALL_EXTRA
                return (f"parsing took more than {wall:g} s of wall-clock time ({WALL_FACTOR}× ASSISTANT_MAX_PARSE_SECONDS); "
                        "retry when the machine is less busy, or raise ASSISTANT_MAX_PARSE_SECONDS")
            if code not in (-signal.SIGXCPU, -signal.SIGKILL):
                return f"could not be parsed: the parser process stopped (exit status {code})"
            return str(over_budget(self.cpu_seconds))
        return result[0]


def parse_file(data: bytes, name: str, limits: Limits, cpu_seconds: float) -> LoadedFile:
    """Parse one file's bytes under the budget (a worker started for this one file)."""
    with ParseWorker(cpu_seconds) as worker:
        return worker.load(data, name, limits)


def _limit_cpu(seconds: float) -> None:
    """Let this process use `seconds` more CPU seconds; the kernel sends SIGXCPU (fatal) past them."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _serve() -> None:
    """The worker's loop: read (bytes, name, limits, seconds), answer a LoadedFile or a reason."""
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            data, name, limits, seconds = _receive(requests)
        except EOFError:
            return
        _limit_cpu(seconds)
        try:
            answer: LoadedFile | str = load_bytes(data, name, limits)
        except UnreadableFileError as err:
            answer = str(err)
        except MemoryError:
            answer = "not enough memory to parse it"
        _send(answers, answer)


if __name__ == "__main__":
    _serve()
