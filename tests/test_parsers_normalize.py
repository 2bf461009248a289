"""One test per normalization rule (parsers/normalize.py)."""

from __future__ import annotations

import unicodedata

import pytest

from parsers.normalize import (
    fold_width,
    normalize,
    repair_mojibake,
    strip_chrome,
    strip_pinyin,
    to_simplified,
)


def test_nfc_composes_decomposed_characters() -> None:
    decomposed = unicodedata.normalize("NFD", "tǒng计")
    assert decomposed != "tǒng计"
    assert normalize(decomposed).text == "tǒng计"


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("２０１９年", "2019年"),
        ("（一）予以公开", "(一)予以公开"),
        ("行政许可，１２３", "行政许可,123"),
        ("㈠加强组织领导", "(一)加强组织领导"),
        ("⑵重复申请", "(2)重复申请"),
        ("第一\u3000二", "第一 二"),
    ],
)
def test_fold_width(raw: str, folded: str) -> None:
    assert fold_width(raw) == folded


def test_chinese_sentence_punctuation_stays() -> None:
    assert fold_width("现将。“三安全一稳定”、《条例》") == "现将。“三安全一稳定”、《条例》"


def test_traditional_to_simplified() -> None:
    assert (
        to_simplified("貫徹執行《中華人民共和國政府信息公開條例》")
        == "贯彻执行《中华人民共和国政府信息公开条例》"
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("統(tǒng)一部署", "統一部署"),
        ("貫徹執(zhí)行", "貫徹執行"),
        ("開(kai)展", "開展"),
        ("政(zheng)(zheng)府(fu)(fu)", "政府"),
    ],
)
def test_pinyin_glosses_are_removed(raw: str, clean: str) -> None:
    assert strip_pinyin(raw) == (clean, True)


@pytest.mark.parametrize("kept", ["条例(试行)", "附件(1)", "网站(www)", "abc(tǒng)", "共(ab1)件"])
def test_parentheses_that_are_not_glosses_stay(kept: str) -> None:
    assert strip_pinyin(kept) == (kept, False)


def test_mirror_mojibake_is_repaired_from_its_gloss() -> None:
    text, garbled = repair_mojibake("工作?,F(xiàn)將2023年度")
    assert garbled
    assert text == "工作。現(xiàn)將2023年度"
    assert (
        normalize("規範開展工作?,F(xiàn)將2023年度工作匯報如下").text
        == "规范开展工作。现将2023年度工作汇报如下"
    )


def test_replacement_characters_count_as_mojibake() -> None:
    assert repair_mojibake("政府信息\ufffd公开")[1]
    assert not repair_mojibake("政府信息公开?")[1]


@pytest.mark.parametrize(
    "chrome",
    [
        "上一条:开云2015年度政府信息公开工作报告",
        "下一篇：关于印发某某的通知",
        "【打印本页】【关闭窗口】",
        "打印 关闭",
        "字号：大 中 小",
        "分享到：微信 微博",
        "当前位置：首页 > 政务公开",
    ],
)
def test_page_chrome_lines_are_removed_and_tagged(chrome: str) -> None:
    assert strip_chrome(f"一、总体情况\n{chrome}\n正文") == ("一、总体情况\n正文", True)


def test_pdf_page_numbers_are_removed_without_a_tag() -> None:
    assert strip_chrome("营商环境\n- 1 -\n高质量\n第 2 页\n结束") == (
        "营商环境\n高质量\n结束",
        False,
    )


@pytest.mark.parametrize(
    "prose",
    [
        "全年打印并关闭了过时的公开栏目3个。",
        "主办了3场政务公开培训会。",
        "字体规范、格式统一。",
        "承办人大代表建议127件。",
    ],
)
def test_prose_is_not_chrome(prose: str) -> None:
    assert strip_chrome(prose) == (prose, False)


def test_script_detection() -> None:
    assert normalize("我辦認真貫徹執行《中華人民共和國政府信息公開條例》").script == "traditional"
    # One stray traditional character in a simplified report does not make it traditional.
    simplified = normalize("我镇认真贯彻落实条例，廉政建设情況良好，全面推进政务公开工作。")
    assert simplified.script == "simplified"
    assert "traditional-script" not in simplified.hazards
