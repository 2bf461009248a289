"""Phrase pools for the narrative parts of a report, so no two reports read alike."""

from __future__ import annotations

import random

OPENERS = (
    "根据《中华人民共和国政府信息公开条例》规定，现向社会公布{issuer}{year}年政府信息公开工作年度报告。",
    "本报告由{issuer}根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定编制。",
    "按照《中华人民共和国政府信息公开条例》要求，结合{issuer}工作实际，现将{year}年度政府信息公开工作情况报告如下。",
)
PERIOD = "本报告中所列数据的统计期限为{year}年1月1日至{year}年12月31日。"
CONTACT = (
    "本报告电子版可在{name}人民政府门户网站（{host}）查阅或下载。如对本报告有疑问，请与{issuer}联系（联系电话：{phone}）。",
    "如对本报告有任何疑问，请与{issuer}办公室联系（地址：{name}{street}路{num}号；联系电话：{phone}）。",
)
GUIDANCE = (
    "以习近平新时代中国特色社会主义思想为指导",
    "认真贯彻落实党中央、国务院关于全面推进政务公开的决策部署",
    "紧紧围绕经济社会发展和群众关注关切",
    "严格落实《中华人民共和国政府信息公开条例》各项规定",
    "按照省、市政务公开工作要点的安排部署",
)
ACTIONS = (
    "严格落实政府信息公开审查制度，坚持“先审查、后公开”“一事一审”原则",
    "进一步优化政府信息公开专栏设置，及时更新主动公开目录",
    "规范依申请公开受理、办理、答复流程，确保在法定期限内答复",
    "加强政务新媒体管理，推动政策解读与信息发布同步",
    "组织开展政务公开业务培训，提升工作人员业务能力",
    "定期对政府网站栏目进行巡查，及时整改空白栏目和更新不及时问题",
    "健全政策解读机制，通过图解、问答等形式解读重要政策文件",
    "加强政府信息源头管理，落实公开属性源头认定机制",
    "做好重点领域信息公开，及时公开财政预决算、重大建设项目等信息",
)
SUBHEADS = (
    "（一）主动公开情况",
    "（二）依申请公开情况",
    "（三）政府信息管理情况",
    "（四）政府信息公开平台建设情况",
    "（五）监督保障情况",
)
PROBLEMS = (
    "个别单位政府信息公开意识还不够强，主动公开的深度和广度有待拓展",
    "政策解读形式较为单一，解读质量有待提升",
    "部分栏目信息更新不够及时，内容规范性有待加强",
    "工作人员业务水平参差不齐，培训力度有待加大",
)
IMPROVEMENTS = (
    "进一步加强组织领导，压实政务公开工作责任",
    "进一步拓展公开渠道，提升政府网站和政务新媒体的服务能力",
    "进一步加强业务培训，提高工作人员的业务水平",
    "进一步强化监督考核，推动政务公开工作常态化、规范化",
)
FEES = (
    "本年度未收取信息处理费。",
    "本年度依据《政府信息公开信息处理费管理办法》收取信息处理费{fee}元。",
)
OTHER = (
    "本年度无其他需要报告的事项。",
    "全年共办理人大代表建议{a}件、政协委员提案{b}件，办理结果均已按要求公开。",
)
STREETS = ("人民", "解放", "建设", "文化", "中山", "新华", "胜利", "和平", "迎宾", "府前")


def pick(rng: random.Random, pool: tuple[str, ...], k: int) -> list[str]:
    return rng.sample(pool, k=min(k, len(pool)))


def phone(rng: random.Random) -> str:
    return f"0{rng.randint(310, 999)}-{rng.randint(2000000, 8999999)}"


def paragraph(rng: random.Random, year: int, subject: str) -> str:
    """One paragraph: a guidance clause, then two or three actions."""
    guide = rng.choice(GUIDANCE)
    acts = "；".join(pick(rng, ACTIONS, rng.randint(2, 3)))
    return f"{year}年，{subject}{guide}，{acts}。"
