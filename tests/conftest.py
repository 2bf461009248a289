"""Fixtures shared by several test modules."""

from tests.web_archive import web_archive

__all__ = ["web_archive"]
