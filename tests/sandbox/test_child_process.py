"""Stopping on a signal: the wait ends once a stop is requested, from a handler or a thread."""

import os
import signal
import threading

from sandbox.child_process import StopRequest


def test_a_signal_ends_the_wait_without_taking_a_lock() -> None:
    stopping = StopRequest()
    previous = signal.signal(signal.SIGUSR1, stopping.request)
    try:
        # The signal is delivered to this (main) thread while it waits, as SIGTERM is to the
        # sandbox: the handler only sets a flag, so it cannot wait on a lock the wait holds.
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGUSR1)).start()
        stopping.wait()
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert stopping.requested


def test_a_request_from_another_thread_ends_the_wait() -> None:
    stopping = StopRequest()
    threading.Timer(0.05, stopping.request).start()
    stopping.wait()
    assert stopping.requested
