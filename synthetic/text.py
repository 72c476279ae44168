"""Random agency names and narrative Chinese text for synthetic reports."""

from __future__ import annotations

import random

PROVINCES = [
    "山东",
    "江苏",
    "浙江",
    "福建",
    "河南",
    "河北",
    "湖南",
    "湖北",
    "安徽",
    "江西",
    "四川",
    "广东",
    "陕西",
    "山西",
    "辽宁",
    "吉林",
    "云南",
    "贵州",
    "甘肃",
]
# two-character place names are built from these halves
_FIRST = "临东西南北平安永宁昌清丰兴泰长新和宝嘉定德华福阳庆文武金青白龙凤海江河云桂"
_SECOND = "清川河阳安丰宁水城山泽州平江源陵田口林昌沙溪门华台远宁乐康"
DEPARTMENTS = [
    "发展和改革委员会",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康委员会",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "城市管理局",
    "行政审批服务局",
]


def place(rng: random.Random) -> str:
    a, b = rng.choice(_FIRST), rng.choice(_SECOND)
    return a + b if a != b else a + "兴"


def agency_name(rng: random.Random) -> tuple[str, str, str]:
    """(full agency name, short name used in the narrative, portal name of the parent site)."""
    prov, city, county, town = rng.choice(PROVINCES), place(rng), place(rng), place(rng)
    kind = rng.choices(
        ["street", "town", "county", "district", "city", "city_dept", "district_dept", "prov_dept"],
        weights=[3, 3, 3, 2, 1, 3, 3, 1],
    )[0]
    if kind == "street":
        name = f"{city}市{county}区{town}街道办事处"
        return name, f"{town}街道", f"{city}市{county}区人民政府"
    if kind == "town":
        t = rng.choice(["镇", "乡"])
        return f"{county}县{town}{t}人民政府", f"{town}{t}", f"{county}县人民政府"
    if kind == "county":
        return f"{county}县人民政府", f"{county}县", f"{county}县人民政府"
    if kind == "district":
        return f"{city}市{county}区人民政府", f"{county}区", f"{city}市{county}区人民政府"
    if kind == "city":
        return f"{city}市人民政府", f"{city}市", f"{prov}省人民政府"
    dept = rng.choice(DEPARTMENTS)
    if kind == "city_dept":
        return f"{city}市{dept}", f"市{dept}", f"{city}市人民政府"
    if kind == "district_dept":
        return f"{city}市{county}区{dept}", f"区{dept}", f"{city}市{county}区人民政府"
    return f"{prov}省{dept}", f"省{dept}", f"{prov}省人民政府"


_OPENERS = ["一是", "二是", "三是", "四是"]
_VERBS = [
    "进一步加强",
    "持续深化",
    "认真落实",
    "全面推进",
    "不断完善",
    "扎实开展",
    "切实做好",
    "积极探索",
    "稳步推进",
    "严格规范",
]
_OBJECTS = [
    "政务公开标准化规范化建设",
    "政策解读和回应关切工作",
    "政府网站和政务新媒体管理",
    "重点领域信息公开",
    "依申请公开办理流程",
    "公开目录动态更新",
    "政务公开体验区建设",
    "基层政务公开工作",
    "政府信息管理",
    "公开属性源头认定",
    "财政预决算信息公开",
    "政务服务事项公开",
    "政府信息公开工作培训",
    "监督考核机制",
]
_ENDS = [
    "确保公开信息及时准确规范",
    "切实保障人民群众的知情权、参与权和监督权",
    "推动政务公开工作提质增效",
    "不断提升政务公开工作水平",
    "做到应公开尽公开",
    "让权力在阳光下运行",
    "形成了较为完善的工作机制",
    "取得了较好的社会效果",
]
_CHANNELS = [
    "门户网站",
    "政务微信公众号",
    "政务微博",
    "政务服务大厅电子屏",
    "公开栏",
    "村（居）务公开栏",
]

SUBSECTIONS_1 = [
    "（一）主动公开",
    "（二）依申请公开",
    "（三）政府信息管理",
    "（四）政府信息公开平台建设",
    "（五）监督保障",
]


def sentence(rng: random.Random, short: str, year: int) -> str:
    kind = rng.random()
    if kind < 0.35:
        return f"{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}，{rng.choice(_ENDS)}。"
    if kind < 0.6:
        n = rng.randint(12, 2400)
        return (
            f"{year}年，{short}通过{rng.choice(_CHANNELS)}发布各类政府信息{n}条，"
            f"其中{rng.choice(_OBJECTS)}相关信息{rng.randint(1, max(1, n // 3))}条。"
        )
    if kind < 0.8:
        return (
            f"{rng.choice(_OPENERS)}{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}。"
            f"结合工作实际，{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}，{rng.choice(_ENDS)}。"
        )
    if kind < 0.88:
        return (
            f"与{year - 1}年相比，{rng.choice(_OBJECTS)}相关信息{rng.choice(['增加', '减少'])}"
            f"{rng.randint(1, 60)}%，{rng.choice(_ENDS)}。"
        )
    m = rng.randint(1, 12)
    return (
        f"{year}年{m}月，{short}组织召开{rng.choice(['专题会议', '工作推进会', '业务培训会'])}，"
        f"部署{rng.choice(_OBJECTS)}，{rng.choice(_ENDS)}。"
    )


def paragraph(rng: random.Random, short: str, year: int, chars: int = 200) -> str:
    out = ""
    while len(out) < chars:
        out += sentence(rng, short, year)
    return out


def narrative(rng: random.Random, short: str, year: int, budget: int) -> dict[str, list[str]]:
    """Paragraphs for the narrative sections, about `budget` characters in all."""
    per = max(60, budget // 9)
    return {
        "intro": [
            f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。"
            f"全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
            f"政府信息公开行政复议、行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
            f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        ],
        "overview": [(h, paragraph(rng, short, year, per)) for h in SUBSECTIONS_1],
        "problems": [
            paragraph(rng, short, year, per),
            f"下一步，{short}将{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}，"
            + paragraph(rng, short, year, per // 2),
        ],
        "other": [
            f"本年度{short}未收取政府信息公开信息处理费。" + paragraph(rng, short, year, per // 3)
        ],
    }
