"""The garbage-collector pause is counted across nested and concurrent users and always restored."""

from __future__ import annotations

import gc

import pytest

from parkcarbon.ingest.gcpause import gc_paused


def test_pause_is_nested_and_restored() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with gc_paused(enabled=False):
        assert gc.isenabled()


def test_pause_is_restored_after_an_error() -> None:
    with pytest.raises(ValueError, match="boom"), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()
