"""Item pipelines, one job each, in order: ingest → dedupe → store.

`ingest` (parsers.ingest, in the worker pool) sniffs the format, decides the encoding,
extracts the text, computes its identity and parses the record; `dedupe` decides what the
text is to the archive; `store` queues the rows into the crawl's write batch. A stage that
fails sets `item.error` and later stages skip the work, so the store stage still records the
capture (with its error) and the run report counts it.
"""
