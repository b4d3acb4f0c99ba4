"""Identifiers of an enterprise: the unified social credit code and the GB/T 4754-2017 industry code.

References
----------
.. [1] GB 32100-2015 法人和其他组织统一社会信用代码编码规则 (coding rules for the unified social
   credit code), §4 (structure) and §5 (check character).
.. [2] GB/T 4754-2017 国民经济行业分类 (industrial classification for national economic activities),
   sections A–T and their divisions 01–97 (amendment No. 1, 2019, changed no division).
"""

from __future__ import annotations

import re

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "CREDIT_CODE_WEIGHTS",
    "INDUSTRY_DIVISIONS",
    "INDUSTRY_SECTIONS",
    "credit_code_check_character",
    "credit_code_error",
    "industry_division",
    "industry_error",
]

#: The 31 characters of the code (GB 32100-2015 §5: digits and capitals without I, O, Z, S, V);
#: a character's value is its position.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of positions 1–17 (GB 32100-2015 §5: W_i = 3^(i-1) mod 31).
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
#: Registration authority codes (登记管理部门码), position 1 (GB 32100-2015 Table 1).
_AUTHORITIES = frozenset("123456789ANY")


def credit_code_check_character(first17: str) -> str:
    """The check character (校验码) of a credit code: C18 = 31 − (Σ Ci × Wi mod 31), 31 → 0.

    Parameters
    ----------
    first17
        Positions 1–17 of the code, upper case.

    Returns
    -------
    str
        The 18th character.

    References
    ----------
    .. [1] GB 32100-2015 §5 (check character computed with the ISO 7064 style modulus 31).
    """
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or ``None`` when it is."""
    if len(code) != 18:
        return f"must have 18 characters; got {len(code)}"
    bad = sorted({c for c in code if c not in CREDIT_CODE_ALPHABET})
    if bad:
        return f"has characters outside the GB 32100 alphabet (no I, O, Z, S, V, lower case): {''.join(bad)}"
    if code[0] not in _AUTHORITIES:
        return (
            f"position 1 (registration authority) {code[0]!r} is not one of {''.join(sorted(_AUTHORITIES))}"
        )
    if not code[2:8].isdigit():
        return "positions 3–8 must be the administrative division code (6 digits)"
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r}, but positions 1–17 give {expected!r} (GB 32100-2015 §5)"
    return None


#: GB/T 4754-2017 sections (门类) and the division range (大类) of each.
INDUSTRY_SECTIONS: dict[str, tuple[str, str, range]] = {
    "A": ("农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery", range(1, 6)),
    "B": ("采矿业", "Mining", range(6, 13)),
    "C": ("制造业", "Manufacturing", range(13, 44)),
    "D": ("电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water supply", range(44, 47)),
    "E": ("建筑业", "Construction", range(47, 51)),
    "F": ("批发和零售业", "Wholesale and retail trade", range(51, 53)),
    "G": ("交通运输、仓储和邮政业", "Transport, storage and postal services", range(53, 61)),
    "H": ("住宿和餐饮业", "Accommodation and catering", range(61, 63)),
    "I": ("信息传输、软件和信息技术服务业", "Information, software and IT services", range(63, 66)),
    "J": ("金融业", "Finance", range(66, 70)),
    "K": ("房地产业", "Real estate", range(70, 71)),
    "L": ("租赁和商务服务业", "Leasing and business services", range(71, 73)),
    "M": ("科学研究和技术服务业", "Scientific research and technical services", range(73, 76)),
    "N": ("水利、环境和公共设施管理业", "Water, environment and public facilities", range(76, 80)),
    "O": ("居民服务、修理和其他服务业", "Resident, repair and other services", range(80, 83)),
    "P": ("教育", "Education", range(83, 84)),
    "Q": ("卫生和社会工作", "Health and social work", range(84, 86)),
    "R": ("文化、体育和娱乐业", "Culture, sports and entertainment", range(86, 91)),
    "S": ("公共管理、社会保障和社会组织", "Public administration and social organisations", range(91, 97)),
    "T": ("国际组织", "International organisations", range(97, 98)),
}  # fmt: skip

#: GB/T 4754-2017 divisions (大类), code → Chinese name.
INDUSTRY_DIVISIONS: dict[str, str] = {
    "01": "农业", "02": "林业", "03": "畜牧业", "04": "渔业", "05": "农、林、牧、渔专业及辅助性活动",
    "06": "煤炭开采和洗选业", "07": "石油和天然气开采业", "08": "黑色金属矿采选业", "09": "有色金属矿采选业",
    "10": "非金属矿采选业", "11": "开采专业及辅助性活动", "12": "其他采矿业",
    "13": "农副食品加工业", "14": "食品制造业", "15": "酒、饮料和精制茶制造业", "16": "烟草制品业",
    "17": "纺织业", "18": "纺织服装、服饰业", "19": "皮革、毛皮、羽毛及其制品和制鞋业",
    "20": "木材加工和木、竹、藤、棕、草制品业", "21": "家具制造业", "22": "造纸和纸制品业",
    "23": "印刷和记录媒介复制业", "24": "文教、工美、体育和娱乐用品制造业",
    "25": "石油、煤炭及其他燃料加工业", "26": "化学原料和化学制品制造业", "27": "医药制造业",
    "28": "化学纤维制造业", "29": "橡胶和塑料制品业", "30": "非金属矿物制品业",
    "31": "黑色金属冶炼和压延加工业", "32": "有色金属冶炼和压延加工业", "33": "金属制品业",
    "34": "通用设备制造业", "35": "专用设备制造业", "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业", "38": "电气机械和器材制造业",
    "39": "计算机、通信和其他电子设备制造业", "40": "仪器仪表制造业", "41": "其他制造业",
    "42": "废弃资源综合利用业", "43": "金属制品、机械和设备修理业",
    "44": "电力、热力生产和供应业", "45": "燃气生产和供应业", "46": "水的生产和供应业",
    "47": "房屋建筑业", "48": "土木工程建筑业", "49": "建筑安装业", "50": "建筑装饰、装修和其他建筑业",
    "51": "批发业", "52": "零售业",
    "53": "铁路运输业", "54": "道路运输业", "55": "水上运输业", "56": "航空运输业", "57": "管道运输业",
    "58": "多式联运和运输代理业", "59": "装卸搬运和仓储业", "60": "邮政业",
    "61": "住宿业", "62": "餐饮业",
    "63": "电信、广播电视和卫星传输服务", "64": "互联网和相关服务", "65": "软件和信息技术服务业",
    "66": "货币金融服务", "67": "资本市场服务", "68": "保险业", "69": "其他金融业",
    "70": "房地产业", "71": "租赁业", "72": "商务服务业",
    "73": "研究和试验发展", "74": "专业技术服务业", "75": "科技推广和应用服务业",
    "76": "水利管理业", "77": "生态保护和环境治理业", "78": "公共设施管理业", "79": "土地管理业",
    "80": "居民服务业", "81": "机动车、电子产品和日用产品修理业", "82": "其他服务业",
    "83": "教育", "84": "卫生", "85": "社会工作",
    "86": "新闻和出版业", "87": "广播、电视、电影和录音制作业", "88": "文化艺术业", "89": "体育",
    "90": "娱乐业",
    "91": "中国共产党机关", "92": "国家机构", "93": "人民政协、民主党派", "94": "社会保障",
    "95": "群众团体、社会团体和其他成员组织", "96": "基层群众自治组织及其他组织", "97": "国际组织",
}  # fmt: skip

_INDUSTRY = re.compile(r"^([A-T])?([0-9]{2})([0-9]{1,2})?$")


def _section_of(division: int) -> str:
    return next(letter for letter, (_zh, _en, rng) in INDUSTRY_SECTIONS.items() if division in rng)


def industry_error(code: str) -> str | None:
    """Why ``code`` is not a GB/T 4754-2017 code (``C3130``, ``3130``, ``313`` or ``31``), or ``None``.

    The division (first two digits) must exist and agree with the section letter when one is given;
    group and class digits are checked for form only (the full class table is not transcribed).
    """
    m = _INDUSTRY.match(code)
    if m is None:
        return "must be a GB/T 4754-2017 code: optional section letter A–T, then 2–4 digits (e.g. C3130)"
    letter, division = m.group(1), m.group(2)
    if division not in INDUSTRY_DIVISIONS:
        return f"division {division} does not exist in GB/T 4754-2017 (divisions are 01–97)"
    section = _section_of(int(division))
    if letter is not None and letter != section:
        return f"division {division} belongs to section {section}, not {letter}"
    return None


def industry_division(code: str | None) -> tuple[str, str, str] | None:
    """``(section letter, division code, division name)`` of a valid industry code, else ``None``."""
    if not code or industry_error(code) is not None:
        return None
    m = _INDUSTRY.match(code)
    if m is None:  # pragma: no cover - industry_error checked the form
        return None
    division = m.group(2)
    return _section_of(int(division)), division, INDUSTRY_DIVISIONS[division]
