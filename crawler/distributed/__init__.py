"""Distributed crawling: one crawl run shared by worker processes on several machines.

scrapy-redis keeps the run's request queue and fingerprint set in Redis; every worker stores
into one PostgreSQL archive and writes its own WARC files. What this package adds around it:

- `keys`: every Redis key of a run, under one prefix, and their removal when the run ends;
- `ratelimit`: a per-site request interval that holds across all workers (Redis SET NX PX);
- `run`: the run's published configuration, worker heartbeats and busy marks, the run's
  counters summed over workers, and the rule that says the run is over;
- `extension`: the Scrapy extension that plugs all this into a crawl (coordinator or worker);
- `worker`: what `gov-reports worker` runs.

See docs/crawl.md ("Distributed crawling") for the operator's view.
"""
