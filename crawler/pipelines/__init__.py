"""Item pipelines, one job each, in order: extract → hash → dedupe → parse → store.

A stage that fails sets `item.error` and later stages skip the item, so the store stage still
records the capture (with its error) and the run report counts it.
"""
