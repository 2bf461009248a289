"""URL shapes of the four CMS families (domain.md §2.2) for one site."""

from __future__ import annotations

import datetime as dt

from sim.rng import stable_int
from sim.site import DECOY_COLUMNS, SiteConfig

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
SHELL = "/xxgkzl/"
CALENDAR = "/calendar/"
_DECOY_DIRS = {"news": "/xwzx/zwdt", "tzgg": "/zwgk/tzgg", "zbcg": "/zwgk/zbcg"}


class Layout:
    def __init__(self, cfg: SiteConfig) -> None:
        self.cfg = cfg
        self.cms = cfg.cms

    def colid(self, key: str) -> int:
        return stable_int(self.cfg.seed, "col", self.cfg.host, key) % 9000000 + 1000000

    def webid(self) -> int:
        return stable_int(self.cfg.seed, "webid", self.cfg.host) % 900 + 10

    # --- navigation pages ---
    @property
    def zwgk(self) -> str:
        return {"vsb": "/zwgk.htm", "hanweb": f"/col/col{self.colid('zwgk')}/index.html"}.get(
            self.cms, "/zwgk/"
        )

    @property
    def xxgk(self) -> str:
        a = self.cfg.nb_a
        return {"vsb": f"/{a}.htm", "hanweb": f"/col/col{self.colid('xxgk')}/index.html"}.get(
            self.cms, f"/{a}/"
        )

    def _base(self, key: str) -> str:
        if key == "nb":
            return f"/{self.cfg.nb_a}/{self.cfg.nb_b}"
        if key == "fdzdgk":
            return f"/{self.cfg.nb_a}/fdzdgknr"
        return _DECOY_DIRS[key]

    # --- column list pages ---
    def list_page(self, key: str, index: int, pages: int) -> str:
        base = self._base(key)
        if self.cms == "trs":
            return f"{base}/index.html" if index == 0 else f"{base}/index_{index}.html"
        if self.cms == "vsb":
            return f"{base}.htm" if index == 0 else f"{base}/{pages - index}.htm"
        if self.cms == "hanweb":
            return f"/col/col{self.colid(key)}/index.html"
        if self.cfg.generic_style == "list":
            return f"{base}/list_{index + 1}.html"
        return f"{base}/" if index == 0 else f"{base}/?page={index + 1}"

    def column_entry(self, key: str) -> str:
        """The URL navigation links use for a column (a directory URL where the CMS allows)."""
        if self.cms == "trs":
            return f"{self._base(key)}/"
        return self.list_page(key, 0, 1)

    # --- documents ---
    def article(self, key: str, day: dt.date, art: int) -> str:
        if self.cms == "trs":
            return f"{self._base(key)}/{day:%Y%m}/t{day:%Y%m%d}_{art}.html"
        if self.cms == "hanweb":
            return f"/art/{day.year}/{day.month}/{day.day}/art_{self.colid(key)}_{art}.html"
        if self.cms == "vsb":
            return f"/info/{self.colid(key) % 10000}/{art}.htm"
        return f"{self._base(key)}/{day.year}/content_{art}.html"

    def attachment(self, key: str, day: dt.date, art: int, ext: str) -> str:
        if self.cms == "trs":
            return f"{self._base(key)}/{day:%Y%m}/P0{day:%Y%m%d}{art}.{ext}"
        if self.cms == "hanweb":
            return f"/module/download/downfile/{day.year}/{day:%Y%m%d}{art}.{ext}"
        if self.cms == "vsb":
            return f"/__local/{art % 16:X}/{art % 256:02X}/{day:%Y%m%d}{art}.{ext}"
        return f"/uploadfiles/{day.year}/{day:%Y%m%d}{art}.{ext}"

    def robots_year_prefix(self, year: int) -> str:
        if self.cms == "hanweb":
            return f"/art/{year}/"
        if self.cms == "trs":
            return f"{self._base('nb')}/{year}"
        return f"{self._base('nb')}/{year}/"

    @staticmethod
    def decoy_columns() -> tuple[tuple[str, str, str], ...]:
        return DECOY_COLUMNS
