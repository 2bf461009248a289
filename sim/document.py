"""A report as a list of blocks (headings, paragraphs, tables), built from its numbers.

Every output format (HTML tables, flattened text, PDF, DOCX) renders the same blocks, so the
printed labels and values are identical across formats.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from sim import prose
from sim.labels import (
    ACTIVE,
    APP_COLUMNS,
    CARRIED_FORWARD,
    CARRIED_OVER,
    FLOW_NOTE,
    NEW_RECEIVED,
    ORG_COLUMN_LABELS,
    OUTCOME_ROWS,
    RESULTS_GROUP,
    REVIEW_CELL_LABELS,
    REVIEW_CELLS,
    REVIEW_GROUPS,
    SECTION_HEADINGS,
    TOTAL_PROCESSED,
)
from sim.numbers import Numbers

Transform = Callable[[str], str]


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


Grid = list[list[Cell]]
Block = tuple[str, "str | Grid"]  # ("h" | "p", text) or ("table", grid)


@dataclass
class Document:
    title: str
    byline: str  # issuer and date line printed under the title
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Context:
    """What a report's text needs to know about its issuer."""

    title: str
    issuer: str
    region_name: str
    host: str
    year: int
    published: str  # YYYY-MM-DD
    ascii_parens: bool = False
    straight_quotes: bool = False


def _active_grid(nums: Numbers) -> Grid:
    grid: Grid = []
    for header, cols, rows in ACTIVE[nums.template]:
        grid.append([Cell(header, colspan=4)])
        span = 3 // len(cols) if len(cols) in (1, 3) else 1
        head = [Cell("信息内容")] + [Cell(c, colspan=span) for c in cols]
        if len(cols) == 2:
            head[-1].colspan = 2
        grid.append(head)
        for key, label, cells in rows:
            values = [Cell(nums.active_printed[key][c], colspan=span) for c in cells]
            if len(cells) == 2:
                values[-1].colspan = 2
            grid.append([Cell(label), *values])
    return grid


def _apps_grid(nums: Numbers) -> Grid:
    apps = nums.applications
    outcome = OUTCOME_ROWS[nums.template]

    def vals(key: str) -> list[Cell]:
        return [Cell(str(apps[key][c])) for c in APP_COLUMNS]

    grid: Grid = [
        [Cell(FLOW_NOTE, rowspan=3, colspan=3), Cell("申请人情况", colspan=7)],
        [Cell("自然人", rowspan=2), Cell("法人或其他组织", colspan=5), Cell("总计", rowspan=2)],
        [Cell(label) for label in ORG_COLUMN_LABELS],
        [Cell(NEW_RECEIVED[1], colspan=3), *vals(NEW_RECEIVED[0])],
        [Cell(CARRIED_OVER[1], colspan=3), *vals(CARRIED_OVER[0])],
    ]
    group_sizes: dict[str, int] = {}
    for _key, group, _label in outcome:
        if group:
            group_sizes[group] = group_sizes.get(group, 0) + 1
    seen: set[str] = set()
    for i, (key, group, label) in enumerate(outcome):
        row: list[Cell] = []
        if i == 0:
            row.append(Cell(RESULTS_GROUP, rowspan=len(outcome) + 1))
        if group is None:
            row.append(Cell(label, colspan=2))
        else:
            if group not in seen:
                seen.add(group)
                row.append(Cell(group, rowspan=group_sizes[group]))
            row.append(Cell(label))
        grid.append(row + vals(key))
    grid.append([Cell(TOTAL_PROCESSED[1], colspan=2), *vals(TOTAL_PROCESSED[0])])
    grid.append([Cell(CARRIED_FORWARD[1], colspan=3), *vals(CARRIED_FORWARD[0])])
    return grid


def _review_grid(nums: Numbers) -> Grid:
    rl = nums.review_litigation
    return [
        [Cell("行政复议", colspan=5), Cell("行政诉讼", colspan=10)],
        [Cell(label, rowspan=2) for label in REVIEW_CELL_LABELS]
        + [Cell("未经复议直接起诉", colspan=5), Cell("复议后起诉", colspan=5)],
        [Cell(label) for label in REVIEW_CELL_LABELS * 2],
        [Cell(str(rl[g][c])) for g in REVIEW_GROUPS for c in REVIEW_CELLS],
    ]


def _intro(rng: random.Random, ctx: Context) -> list[Block]:
    opener = rng.choice(prose.OPENERS).format(issuer=ctx.issuer, year=ctx.year)
    contact = rng.choice(prose.CONTACT).format(
        issuer=ctx.issuer,
        name=ctx.region_name,
        host=ctx.host,
        phone=prose.phone(rng),
        street=rng.choice(prose.STREETS),
        num=rng.randint(1, 400),
    )
    return [("p", opener + prose.PERIOD.format(year=ctx.year) + contact)]


def _modern(rng: random.Random, ctx: Context, nums: Numbers) -> list[Block]:
    received = nums.applications["new_received"]["total"]
    blocks = _intro(rng, ctx)
    blocks.append(("h", SECTION_HEADINGS[0]))
    blocks.append(("p", prose.paragraph(rng, ctx.year, ctx.issuer)))
    subs = prose.pick(rng, prose.SUBHEADS, rng.randint(2, 5))
    for sub in sorted(subs, key=prose.SUBHEADS.index):
        blocks.append(("p", sub + "。" + prose.paragraph(rng, ctx.year, "我单位")))
    blocks.append(
        ("p", f"全年共主动公开政府信息{nums.proactive_items}条，新收政府信息公开申请{received}件。")
    )
    blocks.append(("h", SECTION_HEADINGS[1]))
    blocks.append(("table", _active_grid(nums)))
    blocks.append(("h", SECTION_HEADINGS[2]))
    blocks.append(("table", _apps_grid(nums)))
    blocks.append(("h", SECTION_HEADINGS[3]))
    blocks.append(("table", _review_grid(nums)))
    blocks.append(("h", SECTION_HEADINGS[4]))
    problems = "；".join(prose.pick(rng, prose.PROBLEMS, 2))
    fixes = "；".join(prose.pick(rng, prose.IMPROVEMENTS, 3))
    blocks.append(("p", f"{ctx.year}年，我单位政府信息公开工作还存在一些不足：{problems}。"))
    blocks.append(("p", f"下一步，我们将{fixes}。"))
    blocks.append(("h", SECTION_HEADINGS[5]))
    fee = rng.choice(prose.FEES).format(fee=rng.randint(20, 900))
    other = rng.choice(prose.OTHER).format(a=rng.randint(1, 90), b=rng.randint(1, 120))
    blocks.append(("p", fee + other))
    return blocks


def _pre2019(rng: random.Random, ctx: Context, nums: Numbers) -> list[Block]:
    received = nums.applications["new_received"]["total"]
    reviews = nums.review_litigation["review"]["total"]
    blocks = _intro(rng, ctx)
    blocks.append(("h", "一、概述"))
    blocks.append(("p", prose.paragraph(rng, ctx.year, ctx.issuer)))
    blocks.append(("h", "二、主动公开政府信息情况"))
    blocks.append(
        (
            "p",
            f"{ctx.year}年，全年共主动公开政府信息{nums.proactive_items}条，"
            f"其中规范性文件{rng.randint(0, 30)}件。" + prose.paragraph(rng, ctx.year, "我们"),
        )
    )
    blocks.append(("h", "三、依申请公开政府信息情况"))
    if received:
        answered = f"已全部按时答复，其中同意公开{max(0, received - rng.randint(0, received))}件。"
        blocks.append(("p", f"{ctx.year}年，共收到政府信息公开申请{received}件，{answered}"))
    else:
        blocks.append(("p", f"{ctx.year}年，未收到政府信息公开申请。"))
    blocks.append(("h", "四、政府信息公开的收费及减免情况"))
    blocks.append(("p", "本年度未收取任何政府信息公开费用，也无减免情况。"))
    blocks.append(("h", "五、因政府信息公开申请行政复议、提起行政诉讼的情况"))
    if reviews:
        blocks.append(("p", f"本年度因政府信息公开申请行政复议{reviews}件。"))
    else:
        blocks.append(("p", "本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。"))
    blocks.append(("h", "六、政府信息公开工作存在的主要问题及改进措施"))
    problems = "；".join(prose.pick(rng, prose.PROBLEMS, 2))
    fixes = "；".join(prose.pick(rng, prose.IMPROVEMENTS, 2))
    blocks.append(("p", f"存在的主要问题：{problems}。下一步，我们将{fixes}。"))
    return blocks


def build(rng: random.Random, ctx: Context, nums: Numbers) -> Document:
    blocks = _pre2019(rng, ctx, nums) if nums.template == "pre2019" else _modern(rng, ctx, nums)
    doc = Document(title=ctx.title, byline=f"{ctx.issuer}　{ctx.published}", blocks=blocks)
    if ctx.ascii_parens or ctx.straight_quotes:
        table = {}
        if ctx.ascii_parens:
            table.update({ord("（"): "(", ord("）"): ")"})
        if ctx.straight_quotes:
            table.update({ord("“"): '"', ord("”"): '"'})
        doc = map_text(doc, lambda s: s.translate(table))
    return doc


def map_text(doc: Document, tx: Transform) -> Document:
    """A copy of `doc` with `tx` applied to every string (mirrors rewrite text this way)."""
    blocks: list[Block] = []
    for kind, value in doc.blocks:
        if isinstance(value, str):
            blocks.append((kind, tx(value)))
        else:
            blocks.append(
                (kind, [[Cell(tx(c.text), c.rowspan, c.colspan) for c in r] for r in value])
            )
    return Document(title=tx(doc.title), byline=tx(doc.byline), blocks=blocks)


# --- HTML -------------------------------------------------------------------------------------


def html_fragment(doc: Document) -> str:
    out: list[str] = []
    for kind, value in doc.blocks:
        if not isinstance(value, str):
            out.append(_html_table(value))
        elif kind == "h":
            out.append(f'<p style="text-indent:2em"><strong>{escape(value)}</strong></p>')
        else:
            out.append(f'<p style="text-indent:2em">{escape(value)}</p>')
    return "\n".join(out)


def _html_table(grid: Grid) -> str:
    rows = []
    for row in grid:
        tds = []
        for c in row:
            attrs = ""
            if c.rowspan > 1:
                attrs += f' rowspan="{c.rowspan}"'
            if c.colspan > 1:
                attrs += f' colspan="{c.colspan}"'
            text = escape(c.text).replace("\n", "<br/>")
            tds.append(f'<td{attrs} style="border:1px solid #000;text-align:center">{text}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return (
        '<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">'
        + "".join(rows)
        + "</table>"
    )


# --- flattened text ---------------------------------------------------------------------------

TEXT_LAYOUTS = ("rows", "cells", "pipes")


def text_lines(doc: Document, layout: str) -> list[str]:
    """The report flattened the way copied web pages flatten it (see the seeds):

    - `rows`: a table row per line, cells separated by spaces;
    - `cells`: one cell per line, each ending in " |";
    - `pipes`: a table row per line, cells separated by " | ".
    """
    lines = [doc.title, doc.byline]
    for _kind, value in doc.blocks:
        if isinstance(value, str):
            lines.append(value)
            continue
        for row in value:
            if layout == "cells":
                lines.extend(c.text.replace("\n", " ") + " |" for c in row)
            elif layout == "pipes":
                lines.append(" | ".join(c.text.replace("\n", "") for c in row) + " |")
            else:
                lines.append(" ".join(c.text for c in row))
    return lines
