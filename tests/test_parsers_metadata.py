"""Metadata rules: sections, titles, years, dates, issuers, regions, spam and notices."""

from __future__ import annotations

import pytest

from parsers.hazards import find_spam
from parsers.metadata import (
    chinese_number,
    find_issuer,
    find_title,
    issuer_kind,
    published_at,
    report_year,
)
from parsers.registry import resolve_region
from parsers.sections import split_sections
from parsers.vocabulary import is_notice_title


def test_sections_skip_item_lists_and_split_inline_headings() -> None:
    text = (
        "标题\n一、总体情况。2020年，我县认真贯彻。\n二、加强组织领导\n"
        "二、主动公开政府信息情况\n表\n三、收到和处理政府信息公开申请情况：见下表\n"
    )
    sections = split_sections(text, canonical=True)
    assert [(s.number, s.heading) for s in sections] == [
        (1, "总体情况"),
        (2, "主动公开政府信息情况"),
        (3, "收到和处理政府信息公开申请情况"),
    ]
    assert sections[0].text == "2020年，我县认真贯彻。\n二、加强组织领导"
    assert sections[2].text == "见下表"


def test_table_row_labels_are_not_section_headings() -> None:
    text = (
        "一、总体情况\n好\n二、主动公开政府信息情况\n无\n三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 0\n"
        "四、结转下年度继续办理 0\n四、政府信息公开行政复议、行政诉讼情况\n0\n"
    )
    assert [s.number for s in split_sections(text, canonical=True)] == [1, 2, 3, 4]


def test_title_is_found_below_page_menus() -> None:
    lines = ["首页 政务公开", "政府信息公开年报", "平江县2022年政府信息公开工作年度报告", "正文"]
    assert find_title(lines, None) == "平江县2022年政府信息公开工作年度报告"
    assert (
        find_title(["淮安市人民政府", "2024 年政府信息公开工作年度报告"], None)
        == "淮安市人民政府2024年政府信息公开工作年度报告"
    )
    assert find_title(["根据《条例》，现将2019年政府信息公开报告如下："], None) is None
    assert (
        find_title([], "某县2020年政府信息公开工作年度报告_某县人民政府")
        == "某县2020年政府信息公开工作年度报告"
    )


@pytest.mark.parametrize(
    ("title", "text", "year"),
    [
        ("某县2019年政府信息公开工作年度报告", "", 2019),
        ("某县二〇二〇年政府信息公开工作年度报告", "", 2020),
        (None, "本报告中所列数据统计期限为2021年1月1日至2021年12月31日。", 2021),
        (None, "现将2023年度政府信息公开工作的主要做法汇报如下。", 2023),
        (None, "一、总体情况\n2020年，在区委领导下。", 2020),
        (None, "发布时间：2021-03-30", None),  # a publication date alone says nothing
        # the period broken over lines, with 年 and 月 lost, or only its end
        (None, "统计期限为\n2011\n年\n1\n月\n1\n日至\n2011\n年", 2011),
        (None, "本报告数据统计期限从202111日到20211231日止。", 2021),
        (None, "截至2016年12月31日，我乡主动公开政府信息93条。", 2016),
        # the year's work beats a mention of last year's report
        (None, "公开了2018年度信息公开工作报告。\n2019年度我局共收到14件依申请公开。", 2019),
        # the period beats an intro that names the wrong year
        (
            None,
            "《某镇2020年政府信息公开工作年度报告》。本报告统计期限为2021年1月1日至12月31日。",
            2021,
        ),
    ],
)
def test_report_year(title: str | None, text: str, year: int | None) -> None:
    assert report_year(title, text) == year


def test_publication_dates() -> None:
    assert published_at(["发布时间:2020-04-01 11:11:28 索引号:"], 2019) == "2020-04-01"
    assert published_at(["正文", "某县人民政府", "2021年1月29日"], 2020) == "2021-01-29"
    assert published_at(["领导小组办公室", "二O一五年三月十三日"], 2014) == "2015-03-13"
    assert published_at(["统计时间:2019年1月1日"], 2019) is None
    assert chinese_number("二〇一五") == 2015 and chinese_number("十三") == 13


@pytest.mark.parametrize(
    ("issuer", "text", "kind"),
    [
        ("某县人民政府", "", "government"),
        ("某县人民政府办公室", "", "government_office"),
        ("某县财政局", "", "department"),
        ("某某镇人民政府", "", "township"),
        ("某县某某街道办事处", "", "township"),
        (None, "我区认真落实，全区政务公开工作有序开展。", "government"),
        (None, "我镇成立领导小组，全镇公开信息。全县推进。", "township"),
        (None, "我局高度重视，全县统一部署。", "department"),
        (None, "天气晴朗。", "unknown"),
    ],
)
def test_issuer_kind(issuer: str | None, text: str, kind: str) -> None:
    assert issuer_kind(issuer, text) == kind


def test_issuer_from_a_bare_place_name_prefers_the_government() -> None:
    text = "如需咨询请联系富源县人民政府办公室。现向社会公布富源县人民政府2019年报告。"
    assert find_issuer("富源县2019年政府信息公开工作年度报告", text, []) == "富源县人民政府"


def test_region_resolution() -> None:
    region = resolve_region(title=None, issuer=None, text="石家庄市栾城区2020年考核", year=2020)
    assert region.as_dict() == {
        "name": "栾城区",
        "code": "130111",
        "prefecture": "石家庄市",
        "province": "河北省",
    }
    # A name several provinces share is settled by the province the text mentions.
    beijing = resolve_region(title="朝阳区2020年报告", issuer=None, text="北京市朝阳区", year=2020)
    changchun = resolve_region(
        title="朝阳区2020年报告", issuer=None, text="长春市朝阳区", year=2020
    )
    assert beijing.province == "北京市" and changchun.prefecture == "长春市"
    # Weak two-character names need strong context.
    assert (
        resolve_region(title=None, issuer=None, text="省、市和县三级联动", year=2020).code is None
    )
    # No county: the prefecture, or the province of a provincial document number.
    assert (
        resolve_region(
            title=None, issuer=None, text="根据辽政发【2014】14号文件", year=2014
        ).province
        == "辽宁省"
    )


def test_spam_names_and_everyday_words() -> None:
    text = (
        "全县体育公共服务平台建设。开云手机官网入口·(中国)官方网站高度重视。"
        "威廉希尔体育(中国)官方网站。拨开云雾见天日。福利彩票发行稳定。"
    )
    assert sorted(find_spam(text)) == [
        "威廉希尔体育(中国)官方网站",
        "开云手机官网入口·(中国)官方网站",
    ]


def test_notices_about_reports() -> None:
    assert is_notice_title("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知")
    assert not is_notice_title("某县2023年政府信息公开工作年度报告")


def test_a_report_under_an_announcement_title_is_a_report() -> None:
    from pathlib import Path

    from parsers import parse_text

    seed = Path(__file__).parent / "fixtures" / "golden" / "seed_000_6042ec2c999cb952" / "input.txt"
    body = seed.read_text("utf-8").split("\n", 1)[1]
    record = parse_text("关于富源县2019年政府信息公开工作年度报告的公告\n" + body)
    assert "not-a-report" not in record["hazards"]
    assert record["template"] == "2019"
    assert record["applications"]["new_received"]["total"] == 0


@pytest.mark.parametrize(
    ("sentence", "received"),
    [
        ("2014年，我县共收到政府信息公开申请1件。", 1),
        ("2014年，我局收到12起政府信息依申请公开，均按时办理。", 12),
        ("2014年度我镇共收到4件信息公开申请。", 4),
        ("本年度政府信息公开申请共计5件，均已办结。", 5),
        ("2014年，我局未收到政府信息公开申请。", 0),
        ("本年度没有申请公开政府信息和不予公开政府信息的情况。", 0),
        ("本年度主动公开信息86条。", None),
        # handled is not received; other applications; a sub-unit; another year; a fee clause
        ("全年共办理依申请公开事项3件。", None),
        ("行政审批服务中心全年受理申请121510件。", None),
        ("其中县民政局收到政府信息公开申请2件。", None),
        ("2013年收到政府信息公开申请3件。", None),
        ("无一例因政府信息公开申请提起行政复议。", None),
        # sentences that disagree: unknown
        ("全年共收到政府信息公开申请6件。全年受理政府信息公开申请8件。", None),
    ],
)
def test_pre2019_prose_applications(sentence: str, received: int | None) -> None:
    from parsers.prose import prose_applications

    found = prose_applications([("", sentence)], 2014)  # a report on 2014
    assert (found["new_received"]["total"] if found else None) == received


@pytest.mark.parametrize(
    ("text", "garbled"),
    [
        ("海口市人民政府编制了本报告。本报告可在??谑腥嗣裾网站下载。", True),  # a byte out of step
        ("严格落实“三审三?!敝贫?,确保信息准确。", True),  # high bits lost
        ("??根据《中华人民共和国政府信息公开条例》编制本报告。", False),  # lost indents only
        ("海口市人民政府编制了本报告。", False),
    ],
)
def test_gbk_read_out_of_step_is_mojibake(text: str, garbled: bool) -> None:
    from parsers.hazards import garbled_gbk

    assert garbled_gbk(text) is garbled


@pytest.mark.parametrize(
    ("text", "spam"),
    [
        ("认真落实365体育投注、省政府工作要求", ["365体育投注"]),
        ("本报告可在县政府门户网站(http://www.ab-lucky88.com)下载", ["http://www.ab-lucky88.com"]),
        ("puroview.com沙头镇2008年政府信息公开工作年度报告", ["puroview.com"]),
        ("本报告可在县政府门户网站(http://www.ab.gov.cn)下载", []),
        ("全市体育彩票投注站开展诚信经营培训", []),
        ("依法打击赌场和非法集资", []),
        ("金沙城区道路改造项目信息已公开", []),
        ("坚持久久为功，持续推进政务公开", []),
    ],
)
def test_spam_names_and_fake_portal_addresses(text: str, spam: list[str]) -> None:
    assert find_spam(text) == spam


@pytest.mark.parametrize(
    ("text", "title", "issuer"),
    [
        # a title run into the first paragraph on one line
        (
            "云岭县体育局2024年政府信息公开工作年度报告，根据《条例》编制。",
            "云岭县体育局2024年政府信息公开工作年度报告",
            "云岭县体育局",
        ),
        # a metadata table's label before the title; a title broken after the year
        (
            "标 题 | 云岭县人民政府办公室2021年政府信息公开工作年度报告 | ||",
            "云岭县人民政府办公室2021年政府信息公开工作年度报告",
            "云岭县人民政府办公室",
        ),
        (
            "云岭县人民政府2021年度\n信息公开年度报告\n（2022年1月）",
            "云岭县人民政府2021年度信息公开年度报告",
            "云岭县人民政府",
        ),
        # 关于 between the issuer and the year
        (
            "云岭县人民政府关于2019年度政府信息公开工作年度报告",
            "云岭县人民政府关于2019年度政府信息公开工作年度报告",
            "云岭县人民政府",
        ),
        # no title: the intro names the issuer
        (
            "根据《条例》有关要求，现将云岭县人民政府2024年政府信息公开工作年度报告予以公开。",
            None,
            "云岭县人民政府",
        ),
        (
            "本报告是根据《条例》要求，由云岭县信访办编制的2009年度政府信息公开年度报告。",
            None,
            "云岭县信访办",
        ),
        (
            "2016年青石镇政府信息公开年度报告\n云岭县青石镇人民政府2016年政府信息公开年度报告 本年报是按照…",
            "2016年青石镇政府信息公开年度报告",
            "云岭县青石镇人民政府",
        ),
        # a breadcrumb and a sentence are not titles
        ("首页/ 政府信息公开 / 政府信息公开年报 / 2021年 / 正文", None, None),
    ],
)
def test_titles_and_issuers_as_printed(text: str, title: str | None, issuer: str | None) -> None:
    lines = text.split("\n")
    found = find_title(lines, None)
    assert found == title
    assert find_issuer(found, text, lines) == issuer
