"""Real portal platforms (issue 16), one module per family, each with its real URL shapes.

- `hanweb_xxgk`: Hanweb's information-disclosure module; reports only at
  `/module/xxgk/xxgkAnnualReport.jsp?area=<unit>&fbtime=<year>`, listed nowhere.
- `openness`: the `OpennessAnnualReport` / `XxgkAnnualReport` platform (Anhui, Inner Mongolia).
- `gkmlpt`: Guangdong's catalogue: a script shell, a JSON API, server-rendered `post_<id>.html`.
- `idpage`: pages named by a 32-hex id (Jiangxi, Jiangsu) or a 19-digit id (Shaanxi), lists
  paged only by script.

A site gets one only when `SimWeb(platforms=RATE)` is above 0; walls (`challenge`) likewise.
"""

from __future__ import annotations

from types import ModuleType

from sim.families import gkmlpt, hanweb_xxgk, idpage, openness
from sim.rng import rng_for
from sim.site import SiteConfig

FAMILIES: dict[str, ModuleType] = {m.NAME: m for m in (hanweb_xxgk, openness, gkmlpt, idpage)}
# Where each platform is seen (issue 16); a site elsewhere gets one at random.
PROVINCE_FAMILY = {
    "山东省": "hanweb_xxgk",
    "浙江省": "hanweb_xxgk",
    "安徽省": "openness",
    "内蒙古自治区": "openness",
    "广东省": "gkmlpt",
    "江西省": "idpage",
    "江苏省": "idpage",
    "陕西省": "idpage",
}
CHALLENGES = ("412", "jsl", "521")
CHALLENGE_SHARE = 0.12


def family(cfg: SiteConfig) -> ModuleType | None:
    return FAMILIES.get(cfg.cms)


def assign(cfg: SiteConfig, rate: float) -> None:
    """Give `cfg` a platform family with probability `rate`, and (12%) an anti-bot wall.

    Drawn from its own stream, so the classic choices of the site stay what they were.
    """
    rng = rng_for(cfg.seed, "platform", cfg.host)
    wall = rng.random() < CHALLENGE_SHARE
    kind = rng.choice(CHALLENGES)
    if wall:
        cfg.challenge = kind
    if rng.random() >= rate:
        return
    name = PROVINCE_FAMILY.get(cfg.row.get("province_name", "")) or rng.choice(sorted(FAMILIES))
    cfg.cms = name
    cfg.platform_style = rng.choice(FAMILIES[name].STYLES)
    if cfg.robots_kind == "year":  # year folders do not exist on these platforms
        cfg.robots_kind = "backup"
    if name == "gkmlpt":  # the Guangdong platform is UTF-8 throughout
        cfg.charset, cfg.charset_declared = "utf-8", True
