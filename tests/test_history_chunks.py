"""The battery history is parsed in chunks of lines (memory, issue 19 item 8): cutting it
anywhere gives the same rows, in the same order, with the same diagnostics as one chunk."""

from __future__ import annotations

import pytest

from tests.conftest import BUGREPORTS, corpus_path
from wakescope import parsers
from wakescope.parsers.batterystats import checkin_history, human_history

# Both history forms (sailfish 8.1: checkin and human), 14+ ext lines (Xiaomi 15),
# a checkin-only dump with XC/XE items (Pixel 7 15).
INPUTS = [BUGREPORTS["sailfish_8_1"], "batterystats/xiaomi-miro-android15.txt",
          "checkin/pixel7-lynx-android15-checkin.txt"]


@pytest.mark.corpus
@pytest.mark.parametrize("rel", INPUTS)
def test_small_chunks_give_the_same_history(rel, monkeypatch):
    path = corpus_path(rel)
    whole = parsers.load(path)
    # 331 lines (a prime): boundaries fall inside records' detail and ext lines.
    monkeypatch.setattr(checkin_history, "CHUNK_LINES", 331)
    monkeypatch.setattr(human_history, "CHUNK_LINES", 331)
    cut = parsers.load(path)
    h = whole.table("batterystats_history")
    assert h.height > 3 * 331  # the history really spans several chunks
    assert cut.table("batterystats_history").equals(h, null_equal=True)
    assert cut.table("batterystats_summary").equals(whole.table("batterystats_summary"),
                                                    null_equal=True)
    assert cut.diagnostics.as_list() == whole.diagnostics.as_list()
