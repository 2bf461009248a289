"""What researchers and operators touch: the `gov-reports` CLI (and, later, the API and web pages)."""
