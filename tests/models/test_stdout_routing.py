"""litellm prints help banners to stdout; relevo sends them to stderr per thread, so overlapping calls in two
threads (a turn's model triage beside the background handoff summary) never leave stdout pointing at stderr."""

from __future__ import annotations

import io
import sys
import threading

import pytest

from relevo.models import _litellm


def test_overlapping_calls_in_two_threads_leave_stdout_where_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    first_inside, second_done = threading.Event(), threading.Event()

    def first() -> None:
        with _litellm._prints_to_stderr():  # pyright: ignore[reportPrivateUsage]
            first_inside.set()
            print("banner from the first call")
            assert second_done.wait(10)

    def second() -> None:
        assert first_inside.wait(10)
        with _litellm._prints_to_stderr():  # pyright: ignore[reportPrivateUsage]
            print("banner from the second call")
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_inside.wait(10)
    print("the command's own output, printed while a call is in flight")
    for thread in threads:
        thread.join(10)
    print("the command's JSON")
    assert out.getvalue().splitlines() == [
        "the command's own output, printed while a call is in flight",
        "the command's JSON",
    ]
    assert sorted(err.getvalue().splitlines()) == ["banner from the first call", "banner from the second call"]
