"""The table reader on each flattened layout seen in the wild, and on cell values."""

from __future__ import annotations

import pytest

from parsers.tables import (
    cells,
    money,
    read_active_disclosure,
    read_applications,
    read_review_litigation,
    to_number,
)

ROW = "一、本年新收政府信息公开申请数量"


@pytest.mark.parametrize(
    "layout",
    [
        f"{ROW} 3 1 0 0 0 0 4\n",  # a row per line, spaces
        "一、本年新收政府信息公开\n申请数量\n3 1 0 0 0 0 4\n",  # label wrapped over lines
        f"{ROW} |\n3 |\n1 |\n0 |\n0 |\n0 |\n0 |\n4 |\n||\n",  # a cell per line ending "|"
        f"{ROW} | 3 | 1 | 0 | 0 | 0 | 0 | 4 | ||\n二、上年结转 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n",
        f"{ROW} | 3 | 1 | 0 | 0 | 0 | 0 | 4\n二、上年结转 | 0 | 0 | 0 | 0 | 0 | 0 | 0\n",  # HTML rows
    ],
)
def test_row_layouts(layout: str) -> None:
    apps = read_applications(layout)
    assert apps is not None
    assert apps["new_received"] == {
        "natural_person": 3,
        "commercial": 1,
        "research": 0,
        "social_welfare": 0,
        "legal_services": 0,
        "other_org": 0,
        "total": 4,
    }


def test_label_glued_to_its_first_number() -> None:
    region = (
        "2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||\n"
        "3.危及“三安全一稳定”2 | 0 | 0 | 0 | 0 | 0 | 2 | ||\n"
    )
    apps = read_applications(region)
    assert apps is not None
    assert apps["denied_security_stability"]["natural_person"] == 2
    assert apps["denied_security_stability"]["total"] == 2


def test_numbers_between_wrapped_label_lines() -> None:
    """A PDF gives the row's numbers between the two halves of its label."""
    region = (
        "（二）部分公开（区分处理的，只计这一情\n447 7 0 0 0 0 454\n形，不计其他情形）\n"
        "1.属于国家秘密 2 0 0 0 0 0 2\n"
        "5.要求行政机关确认或重新出\n1 0 0 0 0 0 1\n具已获取信息\n"
        "3、其他 108 2 0 0 0 0 110\n"
    )
    apps = read_applications(region)
    assert apps is not None
    assert apps["partially_granted"]["total"] == 454
    assert apps["denied_state_secret"]["total"] == 2
    assert apps["not_processed_confirm"]["total"] == 1
    assert apps["other_reasons"]["total"] == 110
    assert "other_handling" not in apps


def test_blank_cells_are_null_not_zero() -> None:
    apps = read_applications("（一）予以公开 | 258 | 12 | 1 | 1 | 0 | 0 | \n")
    assert apps == {
        "granted": {
            "natural_person": 258,
            "commercial": 12,
            "research": 1,
            "social_welfare": 1,
            "legal_services": 0,
            "other_org": 0,
            "total": None,
        }
    }


def test_subtotal_column_is_read_and_dropped() -> None:
    region = f"自然人 | 法人或其他组织 | 小计 | 总计\n{ROW} | 5 | 1 | 0 | 0 | 1 | 0 | 2 | 7\n"
    apps = read_applications(region)
    assert apps is not None
    assert apps["new_received"]["total"] == 7
    assert apps["new_received"]["legal_services"] == 1


def test_review_litigation_fifteen_cells_after_headers() -> None:
    region = (
        "行政复议 行政诉讼\n结果 结果 其他结 尚未\n总计\n维持 纠正 果 审结\n"
        "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20\n"
    )
    review = read_review_litigation(region)
    assert review is not None
    assert review["review"] == {
        "upheld": 72,
        "corrected": 64,
        "other": 178,
        "pending": 37,
        "total": 351,
    }
    assert review["litigation_after_review"]["total"] == 20


def test_review_litigation_as_three_rows_of_five() -> None:
    region = (
        "行政复议 | 1 | 0 | 0 | 0 | 1\n未经复议直接起诉 | 0 | 0 | 2 | 0 | 2\n"
        "复议后起诉 | 0 | 0 | 0 | 1 | 1\n"
    )
    review = read_review_litigation(region)
    assert review is not None
    assert review["review"]["upheld"] == 1
    assert review["litigation_direct"] == {
        "upheld": 0,
        "corrected": 0,
        "other": 2,
        "pending": 0,
        "total": 2,
    }
    assert review["litigation_after_review"]["pending"] == 1


def test_review_litigation_needs_all_fifteen_cells() -> None:
    assert read_review_litigation("行政复议\n1 0 0 0 1\n") is None


def test_active_disclosure_2019_signed_changes_and_money() -> None:
    region = (
        "信息内容 本年新制作数量 本年新\n公开数量\n规章 0 0 0\n规范性文件 3 3 3\n"
        "行政许可 255 减6 56074\n其他对外管理服务事项 116 增9 7831\n"
        "行政事业性收费 23 0\n政府集中采购 109 7976.14万元\n"
    )
    table = read_active_disclosure(region, "2019")
    assert table is not None
    assert table["licensing"] == {"previous_year": 255, "change": -6, "decisions": 56074}
    assert table["other_services"]["change"] == 9
    assert table["procurement"] == {
        "projects": 109,
        "amount": {"raw": "7976.14万元", "yuan": 79761400.0},
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("增9", 9),
        ("减6", -6),
        ("+1036", 1036),
        ("-8", -8),
        ("1,234", 1234),
        ("96171.6", 96171.6),
    ],
)
def test_cell_numbers(text: str, value: float) -> None:
    assert to_number(text) == value


def test_money_without_unit_has_no_yuan() -> None:
    assert money("125817") == {"raw": "125817", "yuan": None}
    assert money("101973.15万") == {"raw": "101973.15万", "yuan": 1019731500.0}


def test_not_applicable_marks_are_blank_cells() -> None:
    assert [c.kind for c in cells("行政许可 | - | — | / | 3 |")] == [
        "label",
        "blank",
        "blank",
        "blank",
        "value",
        "blank",
    ]


def test_a_row_label_in_prose_before_the_table_does_not_win() -> None:
    region = (
        "本年度共制发规范性文件 3 件，均已公开。\n"
        "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n"
        "规章 | 0 | 0 | 0\n行政规范性文件 | 3 | 1 | 12\n"
    )
    table = read_active_disclosure(region, "2021")
    assert table is not None
    assert table["normative_documents"] == {"issued": 3, "repealed": 1, "in_force": 12}


def test_the_variant_qita_reads_as_qita() -> None:
    region = "（六）其它处理 | 1 | 0 | 0 | 0 | 0 | 0 | 1\n3.其它 | 2 | 0 | 0 | 0 | 0 | 0 | 2\n"
    apps = read_applications(region)
    assert apps is not None
    assert apps["other_handling"]["total"] == 1
    assert apps["other_reasons"]["total"] == 2


# ----- cells run together (a table flattened without separators) ----------------------------

RUN_HEAD = "申请人情况自然人商业企业科研机构社会公益组织法律服务机构其他总计"


def test_a_run_together_row_is_read_through_its_row_total() -> None:
    notes: set[str] = set()
    apps = read_applications(
        f"{RUN_HEAD}{ROW}640020470二、上年结转政府信息公开申请数量0000000", notes
    )
    assert apps is not None and notes == {"cells-run-together"}
    assert list(apps["new_received"].values()) == [64, 0, 0, 2, 0, 4, 70]
    assert list(apps["carried_over"].values()) == [0] * 7


def test_a_run_with_two_readings_is_null_unless_the_flow_decides() -> None:
    # "101000112": 10,1,0,0,0,1,12 and 1,0,10,0,0,1,12 both add up within the row
    alone = read_applications(f"{RUN_HEAD}{ROW}101000112")
    assert alone is not None and list(alone["new_received"].values()) == [None] * 7
    flow = (
        f"{RUN_HEAD}{ROW}101000112二、上年结转政府信息公开申请数量0000000"
        "(七)总计100000111四、结转下年度继续办理0100001"
    )
    apps = read_applications(flow)
    assert apps is not None
    assert list(apps["new_received"].values()) == [10, 1, 0, 0, 0, 1, 12]


def test_a_run_that_no_reading_explains_is_null() -> None:
    apps = read_applications(f"{RUN_HEAD}{ROW}1234567")  # 1+2+3+4+5+6 is not 7
    assert apps is not None and list(apps["new_received"].values()) == [None] * 7


def test_run_together_table_two_and_table_four() -> None:
    notes: set[str] = set()
    region = "信息内容本年新制作数量本年新公开数量对外公开总数量规章555规范性文件141414第二十条"
    table2 = read_active_disclosure(region, "2019", notes)
    assert table2 is not None and notes == {"cells-run-together"}
    assert table2["regulations"] == {"made": 5, "published": 5, "total_published": 5}
    assert set(table2["normative_documents"].values()) == {None}  # 1,41,414 or 14,14,14 or …
    table4 = read_review_litigation("行政复议结果维持结果纠正其他结果尚未审结总计100010100100000")
    assert table4 is not None
    assert list(table4["litigation_direct"].values()) == [0, 1, 0, 0, 1]


def test_prose_numbers_beside_a_flattened_table_are_not_cells() -> None:
    region = "信息内容本年处理决定数量全年行政处罚399条行政许可1288第二十条"
    table2 = read_active_disclosure(region, "2021")
    assert table2 is not None
    assert "punishment" not in table2 and table2["licensing"] == {"decisions": 1288}


def test_a_lone_number_beside_rows_printed_cell_by_cell_is_not_a_run() -> None:
    """ "行政事业性收费 10" where the other rows print each cell: one cell, place unknown."""
    region = "信息内容 上一年项目数量 本年增/减 处理决定数量\n行政许可 12 0 30\n行政事业性收费 10\n"
    notes: set[str] = set()
    table2 = read_active_disclosure(region, "2019", notes)
    assert table2 is not None and notes == set()
    assert table2["licensing"] == {"previous_year": 12, "change": 0, "decisions": 30}
    assert table2["fees"] == {"previous_year": None, "change": None}
