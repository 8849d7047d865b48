"""wakescope's analysis: attribute parsed tables to background APIs, find problems, report.

Layers, each importing only those below it (docs/packages.md):
`cli/` → `batch/` → `pipeline` → `report/` → `analysis` → `passes/`, `attribution` →
`model`, `tables`, `knowledge/`, `format`.
"""
