"""The table reference in docs/ is generated from the schemas and must match them."""

from __future__ import annotations

from tests.conftest import ROOT
from wakescope.analyzer.cli.tables import all_schemas, markdown


def test_tables_md_is_current():
    # Regenerate with: wakescope tables --markdown > docs/tables.md
    assert (ROOT / "docs" / "tables.md").read_text(encoding="utf-8") == markdown()


def test_every_schema_documents_every_column():
    for schema in all_schemas().values():
        assert schema.doc, schema.name
        names = [c.name for c in schema.columns]
        assert len(names) == len(set(names)), schema.name
