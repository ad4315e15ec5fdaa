"""A corpus read from a pipe that sends nothing (a FIFO, stdin) is waited on in short looks:
a stop requested meanwhile ends the wait, even where the signal's own exception was lost (a
handler's exception raised inside a finaliser is only printed, and the read would go on
waiting for a writer that never writes). Regular files are read as they are."""

from __future__ import annotations

import os
import threading

import pytest

from bptt_trace.core import interrupt
from bptt_trace.files.inputs import read_capped, waited_fd


@pytest.fixture(autouse=True)
def no_stop_left():
    interrupt.reset()
    yield
    interrupt.reset()


def test_a_stop_requested_while_a_pipe_sends_nothing_ends_the_read() -> None:
    read, write = os.pipe()
    closed = threading.Event()

    def end_of_input() -> None:  # a safety net only: without the stop, a read that waits
        closed.set()  # for the writer ends here (and the test fails, rather than hangs)
        os.close(write)

    requested = threading.Timer(0.3, interrupt.request)  # as the signal handler does
    safety = threading.Timer(20, end_of_input)
    requested.start()
    safety.start()
    try:
        with os.fdopen(read, "rb") as handle, pytest.raises(KeyboardInterrupt):
            read_capped(handle, "--file -", 1000)
    finally:
        requested.cancel()
        safety.cancel()
        if not closed.is_set():
            os.close(write)


def test_a_pipe_is_read_whole_in_chunks_to_its_end(tmp_path) -> None:
    read, write = os.pipe()
    data = b"the cat sat on the mat\n" * 100

    def send() -> None:
        for i in range(0, len(data), 7):  # a slow writer, a few bytes at a time
            os.write(write, data[i : i + 7])
        os.close(write)

    sender = threading.Thread(target=send)
    sender.start()
    with os.fdopen(read, "rb") as handle:
        assert waited_fd(handle) is not None
        assert read_capped(handle, "--file -", 10_000) == data
    sender.join()
    regular = tmp_path / "c.txt"
    regular.write_bytes(data)
    with regular.open("rb") as handle:
        assert waited_fd(handle) is None  # a regular file never blocks: read as it is
        assert read_capped(handle, "--file c.txt", 10_000) == data
