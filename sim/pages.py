"""HTML for the pages of a simulated site: chrome, navigation, list pages, articles."""

from __future__ import annotations

from html import escape

from sim.site import SiteConfig

# Where each CMS puts the article body, so pages carry the right fingerprints (domain.md §2.2).
BODY_WRAPPERS = {
    "trs": ('<div class="TRS_Editor"><div class="Custom_UnionStyle">', "</div></div>"),
    "hanweb": (
        '<div id="zoom"><!--<$[信息内容]>begin-->',
        "<!--<$[信息内容]>end--></div>",
    ),
    "vsb": (
        '<!--#begineditable name="正文内容" viewid="156345"--><div class="v_news_content">',
        "</div><!--#endeditable-->",
    ),
    "generic": ('<div class="article-content">', "</div>"),
    "hanweb_xxgk": ('<div id="zoom"><!--<$[信息内容]>begin-->', "<!--<$[信息内容]>end--></div>"),
    "openness": ('<div class="wzcon j-fontContent">', "</div>"),
    "gkmlpt": ('<div class="article-content" id="zoomcon">', "</div>"),
    "idpage": ('<div class="article-con" id="zoom">', "</div>"),
}


def head_meta(cfg: SiteConfig, charset: str | None) -> str:
    if not charset:
        return ""
    return f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'


def page(
    cfg: SiteConfig,
    title: str,
    body: str,
    crumbs: list[tuple[str, str]] | None = None,
    charset: str | None = None,
    extra_head: str = "",
    site_name: str | None = None,
) -> str:
    site = site_name or f"{cfg.name}人民政府"
    trail = ""
    if crumbs:
        links = " &gt; ".join(f'<a href="{escape(u)}">{escape(t)}</a>' for t, u in crumbs)
        trail = f'<div class="crumb">当前位置：{links}</div>'
    return (
        "<!DOCTYPE html>\n<html>\n<head>"
        f"{head_meta(cfg, charset)}<title>{escape(title)}</title>{extra_head}</head>\n<body>\n"
        f'<div class="header"><a href="/">{escape(site)}</a></div>\n{trail}\n'
        f'<div class="main">\n{body}\n</div>\n'
        f'<div class="footer">主办单位：{escape(site)}办公室　'
        f"网站标识码：{cfg.code}0001</div>\n</body>\n</html>\n"
    )


def link_list(items: list[tuple[str, str]], date_col: list[str] | None = None) -> str:
    rows = []
    for i, (text, url) in enumerate(items):
        date = f"<span>{date_col[i]}</span>" if date_col else ""
        rows.append(f'<li><a href="{escape(url)}" target="_blank">{escape(text)}</a>{date}</li>')
    return "<ul>\n" + "\n".join(rows) + "\n</ul>"


def article(cfg: SiteConfig, title: str, meta: str, content: str) -> str:
    start, end = BODY_WRAPPERS[cfg.cms]
    return (
        f'<h1 class="title">{escape(title)}</h1>\n<div class="info">{escape(meta)}</div>\n'
        f"{start}\n{content}\n{end}"
    )


def trs_pager(pages: int, current: int) -> str:
    return (
        '<div class="p_next"><script type="text/javascript">'
        f'createPageHTML({pages}, {current}, "index", "html");</script></div>'
    )


def vsb_pager(total: int, pages: int, index: int, base_name: str) -> str:
    """VSB paging: first page `<col>.htm`, later pages `<col>/N.htm` counting down."""
    parts = [
        f'<span class="p_t">共{total}条</span>',
        f'<span class="p_t">{index + 1}/{pages}</span>',
    ]
    if index + 1 < pages:
        nxt = pages - index - 1
        href = f"{base_name}/{nxt}.htm" if index == 0 else f"{nxt}.htm"
        parts.append(f'<span class="p_next p_fun"><a href="{href}">下页</a></span>')
        last = f"{base_name}/1.htm" if index == 0 else "1.htm"
        parts.append(f'<span class="p_last p_fun"><a href="{last}">尾页</a></span>')
    if index > 0:
        prev = f"../{base_name}.htm" if index == 1 else f"{pages - index + 1}.htm"
        parts.append(f'<span class="p_prev p_fun"><a href="{prev}">上页</a></span>')
    return '<div class="pb_sys_common">' + "".join(parts) + "</div>"


def simple_pager(prev: str | None, nxt: str | None, index: int, pages: int) -> str:
    parts = [f"<span>第{index + 1}页/共{pages}页</span>"]
    if prev:
        parts.append(f'<a href="{escape(prev)}">上一页</a>')
    if nxt:
        parts.append(f'<a href="{escape(nxt)}">下一页</a>')
    return '<div class="page">' + " ".join(parts) + "</div>"


def shell(kind: str, target: str) -> str:
    """A redirect shell: a near-empty page that sends the browser on by script or meta-refresh."""
    if kind == "meta":
        return (
            f'<html><head><meta http-equiv="refresh" content="0;url={target}"></head>'
            "<body></body></html>"
        )
    call = f'location.replace("{target}")' if kind == "js-replace" else f"location.href='{target}'"
    return f'<html><head><script type="text/javascript">{call};</script></head><body></body></html>'
