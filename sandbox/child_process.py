"""The emulators run as child processes of the sandbox: starting, probing and stopping them.

A child's stdin is a pipe the sandbox never writes to, so when the sandbox dies, even by
SIGKILL, the child reads end-of-file and stops too (`serve_until_parent_exits`).
"""

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from sandbox.config import PROJECT_ROOT


class ChildProcess:
    def __init__(
        self, name: str, module: str, args: list[str], environment: Mapping[str, str], log: Path
    ):
        self.name = name
        self._log = log.open("ab")
        # Our own module, run by our own interpreter: no untrusted input.
        self._process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", module, *args],
            cwd=PROJECT_ROOT,
            env=dict(environment),
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_ready(self, probe_url: str, timeout: float = 60) -> None:
        """Poll `probe_url` until it answers 200; fail if the child exits or takes too long."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited (see {self._log.name})")
            try:
                with urllib.request.urlopen(probe_url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} was not ready within {timeout}s (see {self._log.name})")

    def stop(self, timeout: float = 10) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdin:
            self._process.stdin.close()
        self._log.close()


# How often a server thread looks up from its socket to see whether it is asked to stop
# (socketserver's default, half a second, is what every stop would wait).
SERVE_POLL_SECONDS = 0.05


class StopRequest:
    """Set by SIGINT or SIGTERM, and waited for by the main thread.

    Not a threading.Event: its set() takes a lock, and a signal handler runs on the main thread,
    which may hold that very lock inside wait() when the signal comes: the handler would then
    wait for itself forever (a sandbox that ignored SIGTERM, once, under load). A plain flag
    checked a few times a second takes no lock.
    """

    POLL_SECONDS = 0.05

    def __init__(self) -> None:
        self.requested = False

    def request(self, *_: object) -> None:
        self.requested = True

    def wait(self) -> None:
        while not self.requested:
            time.sleep(self.POLL_SECONDS)


def serve_until_parent_exits(stop: Callable[[], None]) -> None:
    """Block until SIGTERM or SIGINT arrives or the parent closes our stdin, then call `stop`."""
    done = StopRequest()

    def watch_stdin() -> None:
        # The raw descriptor, not sys.stdin: a thread blocked in a buffered read holds its lock
        # and makes interpreter shutdown abort.
        while os.read(0, 4096):
            pass
        done.request()

    threading.Thread(target=watch_stdin, daemon=True).start()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, done.request)
    done.wait()
    stop()
