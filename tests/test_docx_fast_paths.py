"""The DOCX extractor's shortcuts give what the plain python-docx reading gives.

`docx._open_document` opens a package as `docx.Document` does, reusing the parse of a styles
part whose bytes it met before; `docx._paragraph_text` finds a paragraph's text elements with
lxml's tag filter. Both are compared with the former code on real, built and simulated
documents, broken styles parts and random paragraphs with text boxes (mc:Fallback).
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import docx as python_docx
import pytest
from docx.oxml.parser import parse_xml

from parsers.errors import ExtractError
from parsers.extract import docx as docx_module
from tests.samples import report_docx, sim_attachments

TEMPLATE = Path(__file__).parent / "fixtures" / "attachments" / "annual-report-template-2021.docx"
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _with_part(data: bytes, name: str, content: bytes) -> bytes:
    """The package with one part's bytes replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = content if info.filename == name else source.read(info.filename)
            target.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """extract_docx as it is, and with python-docx's own `Document` opening the package."""

    def run() -> object:
        try:
            return docx_module.extract_docx(data)
        except ExtractError as exc:
            return ("ExtractError", str(exc))

    found = run()
    with monkeypatch.context() as patch:
        patch.setattr(
            docx_module, "_open_document", lambda body: python_docx.Document(io.BytesIO(body))
        )
        expected = run()
    return found, expected


def test_documents_open_as_python_docx_opens_them(monkeypatch: pytest.MonkeyPatch) -> None:
    documents = [TEMPLATE.read_bytes(), report_docx(), *sim_attachments("docx", 5)]
    for data in documents + documents:  # the second time round, every styles part is known
        found, expected = _both(data, monkeypatch)
        assert found == expected
        assert not isinstance(found, tuple)


def test_styles_parts_broken_or_changed_give_what_python_docx_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = sim_attachments("docx", 1)[0]
    styles = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml")
    docx_module.extract_docx(data)  # its styles part is now known
    variants = [
        styles[: len(styles) // 2],  # cut short: not well-formed
        styles.replace(b"<w:style ", b"<w:style <", 1),
        b"",
        styles.replace(b"Normal", b"Norm", 1),  # another styles part, well-formed
        b'<?xml version="1.0"?><w:styles xmlns:w="%s"/>' % _W_NS.encode(),
    ]
    for variant in variants + variants:
        found, expected = _both(_with_part(data, "word/styles.xml", variant), monkeypatch)
        assert found == expected
    assert isinstance(_both(_with_part(data, "word/styles.xml", b""), monkeypatch)[0], tuple)


def test_a_known_styles_part_is_parsed_once() -> None:
    data = sim_attachments("docx", 1)[0]
    styles = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml")
    docx_module.extract_docx(data)
    first = docx_module._PARSED_STYLES[styles]
    assert docx_module._open_document(data).part.package is not None
    assert docx_module._PARSED_STYLES[styles] is first
    assert len(docx_module._PARSED_STYLES) <= docx_module._PARSED_STYLES_MAX


# ---------------------------------------------------------------------------- paragraph text


def _paragraph_text_before(paragraph) -> str:
    """`_paragraph_text` as it was: every node of the paragraph walked in Python."""
    w = f"{{{_W_NS}}}"
    fallback = f"{{{_MC_NS}}}Fallback"
    parts: list[str] = []
    for node in paragraph.iter():
        if node.tag == fallback:
            continue
        if docx_module._inside_fallback(node, paragraph):
            continue
        if node.tag == f"{w}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{w}tab":
            parts.append(" ")
        elif node.tag in (f"{w}br", f"{w}cr"):
            parts.append("\n")
    return "".join(parts)


def _random_children(rng: random.Random, depth: int) -> str:
    out = []
    for _ in range(rng.randint(0, 4)):
        kind = rng.random()
        if kind < 0.3:
            text = rng.choice(["", "一", "情况", " a b ", "12"])
            out.append(f"<w:t>{text}</w:t>" if text or rng.random() < 0.5 else "<w:t/>")
        elif kind < 0.4:
            out.append(rng.choice(["<w:tab/>", "<w:br/>", "<w:cr/>", "<!-- c -->"]))
        elif kind < 0.55 and depth < 4:
            out.append(f"<w:r>{_random_children(rng, depth + 1)}</w:r>")
        elif kind < 0.7 and depth < 4:
            choice = _random_children(rng, depth + 1)
            fallback = _random_children(rng, depth + 1)
            out.append(
                f"<mc:AlternateContent><mc:Choice>{choice}</mc:Choice>"
                f"<mc:Fallback>{fallback}</mc:Fallback></mc:AlternateContent>"
            )
        elif kind < 0.8 and depth < 4:
            out.append(f"<mc:Fallback>{_random_children(rng, depth + 1)}</mc:Fallback>")
        elif kind < 0.9 and depth < 4:
            out.append(
                f"<w:txbxContent><w:p>{_random_children(rng, depth + 1)}</w:p></w:txbxContent>"
            )
        else:
            out.append("<w:rPr><w:b/></w:rPr>")
    return "".join(out)


def test_paragraph_text_matches_the_former_walk_on_random_paragraphs() -> None:
    rng = random.Random(7)
    texts = set()
    for _ in range(3000):
        xml = (
            f'<w:p xmlns:w="{_W_NS}" xmlns:mc="{_MC_NS}">{_random_children(rng, 0)}</w:p>'
        ).encode()
        paragraph = parse_xml(xml)
        assert docx_module._paragraph_text(paragraph) == _paragraph_text_before(paragraph)
        texts.add(_paragraph_text_before(paragraph))
    assert len(texts) > 500


def test_paragraph_text_matches_the_former_walk_on_documents() -> None:
    for data in [TEMPLATE.read_bytes(), report_docx(), *sim_attachments("docx", 3)]:
        body = python_docx.Document(io.BytesIO(data)).element.body
        paragraphs = list(body.iter(f"{{{_W_NS}}}p"))
        assert paragraphs
        for paragraph in paragraphs:
            assert docx_module._paragraph_text(paragraph) == _paragraph_text_before(paragraph)


def _continues_merge_before(cell) -> bool:
    """The merge test as it was, with lxml's `find`."""
    w = f"{{{_W_NS}}}"
    props = cell.find(f"{w}tcPr")
    return props is not None and any(
        merge is not None and merge.get(f"{w}val", "continue") != "restart"
        for merge in (props.find(f"{w}vMerge"), props.find(f"{w}hMerge"))
    )


def test_merge_test_matches_the_former_finds_on_random_cells() -> None:
    rng = random.Random(11)
    merges = [
        "<w:vMerge/>",
        '<w:vMerge w:val="restart"/>',
        '<w:vMerge w:val="continue"/>',
        "<w:hMerge/>",
        '<w:hMerge w:val="restart"/>',
        '<w:hMerge w:val="x"/>',
        '<w:vMerge val="restart"/>',
        "<w:tcW/>",
        "<!-- c -->",
        "<w:shd/>",
    ]
    seen = {True: 0, False: 0}
    for _ in range(3000):
        children = []
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.7:
                inner = "".join(rng.choice(merges) for _ in range(rng.randint(0, 4)))
                children.append(f"<w:tcPr>{inner}</w:tcPr>")
            else:
                children.append(rng.choice(["<w:p/>", "<!-- c -->", "<w:tbl/>"]))
        rng.shuffle(children)
        cell = parse_xml(f'<w:tc xmlns:w="{_W_NS}">{"".join(children)}</w:tc>'.encode())
        expected = _continues_merge_before(cell)
        assert docx_module._continues_merge(cell) == expected
        seen[expected] += 1
    assert min(seen.values()) > 500
