"""Every recommendation and threshold link comes from the sourced knowledge base."""

from __future__ import annotations

import re

from tests.conftest import CORPUS, ROOT


def test_links_are_sourced():
    import pytest

    rules = (CORPUS.parent / "docs" / "platform-rules.md")
    if not rules.exists():
        pytest.skip("../shared/docs/platform-rules.md is absent in this checkout")
    known = set(re.findall(r"https?://[^\s)>\]]+", rules.read_text(encoding="utf-8")))
    toml = (ROOT / "analyzer" / "knowledge" / "recommendations.toml").read_text(encoding="utf-8")
    links = set(re.findall(r'"(https?://[^"]+)"', toml))
    assert links, "no links found"
    assert sorted(links - known) == []
