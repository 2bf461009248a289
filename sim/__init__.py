"""A deterministic simulated county-government web, served on loopback, with an answer key."""
