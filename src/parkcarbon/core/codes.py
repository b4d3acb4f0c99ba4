"""Identifiers of an enterprise: the unified social credit code and the GB/T 4754-2017 industry code.

References
----------
.. [1] GB 32100-2015 法人和其他组织统一社会信用代码编码规则 (coding rules for the unified social
   credit code), §4 (structure) and §5 (check character).
.. [2] GB/T 4754-2017 国民经济行业分类 (industrial classification for national economic activities),
   sections A–T and their divisions 01–97 (amendment No. 1, 2019, changed no division); the classes
   (小类) the demo park uses, with amendment No. 1 (2019) applied.
"""

from __future__ import annotations

import re

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "CREDIT_CODE_WEIGHTS",
    "INDUSTRY_CLASSES",
    "INDUSTRY_DIVISIONS",
    "INDUSTRY_DIVISIONS_EN",
    "INDUSTRY_SECTIONS",
    "credit_code_check_character",
    "credit_code_error",
    "industry_codes_matching",
    "industry_division",
    "industry_error",
    "industry_names",
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

#: GB/T 4754-2017 divisions (大类), code → English name. The standard is published in Chinese only; these
#: are the project's renderings after the National Bureau of Statistics' English usage (confidence:
#: medium — for display and search, never for matching a code).
INDUSTRY_DIVISIONS_EN: dict[str, str] = {
    "01": "Agriculture", "02": "Forestry", "03": "Animal husbandry", "04": "Fishery",
    "05": "Support activities for agriculture, forestry, animal husbandry and fishery",
    "06": "Mining and washing of coal", "07": "Extraction of petroleum and natural gas",
    "08": "Mining of ferrous metal ores", "09": "Mining of non-ferrous metal ores",
    "10": "Mining of non-metallic minerals", "11": "Support activities for mining", "12": "Other mining",
    "13": "Processing of food from agricultural products", "14": "Food manufacturing",
    "15": "Manufacture of liquor, beverages and refined tea", "16": "Manufacture of tobacco",
    "17": "Manufacture of textiles", "18": "Manufacture of textile wearing apparel and accessories",
    "19": "Manufacture of leather, fur, feather and related products and footwear",
    "20": "Processing of timber, manufacture of wood, bamboo, rattan, palm and straw products",
    "21": "Manufacture of furniture", "22": "Manufacture of paper and paper products",
    "23": "Printing and reproduction of recording media",
    "24": "Manufacture of articles for culture, education, arts and crafts, sport and entertainment",
    "25": "Processing of petroleum, coal and other fuels",
    "26": "Manufacture of raw chemical materials and chemical products", "27": "Manufacture of medicines",
    "28": "Manufacture of chemical fibres", "29": "Manufacture of rubber and plastics products",
    "30": "Manufacture of non-metallic mineral products",
    "31": "Smelting and pressing of ferrous metals", "32": "Smelting and pressing of non-ferrous metals",
    "33": "Manufacture of metal products", "34": "Manufacture of general-purpose machinery",
    "35": "Manufacture of special-purpose machinery", "36": "Manufacture of automobiles",
    "37": "Manufacture of railway, ship, aerospace and other transport equipment",
    "38": "Manufacture of electrical machinery and equipment",
    "39": "Manufacture of computers, communication and other electronic equipment",
    "40": "Manufacture of measuring instruments and meters", "41": "Other manufacturing",
    "42": "Utilisation of waste resources", "43": "Repair of metal products, machinery and equipment",
    "44": "Production and supply of electricity and heat", "45": "Production and supply of gas",
    "46": "Production and supply of water",
    "47": "Construction of buildings", "48": "Civil engineering", "49": "Construction installation",
    "50": "Building decoration, renovation and other construction",
    "51": "Wholesale trade", "52": "Retail trade",
    "53": "Rail transport", "54": "Road transport", "55": "Water transport", "56": "Air transport",
    "57": "Pipeline transport", "58": "Multimodal transport and transport agency",
    "59": "Loading, unloading, handling and warehousing", "60": "Postal services",
    "61": "Accommodation", "62": "Catering",
    "63": "Telecommunications, radio and television and satellite transmission services",
    "64": "Internet and related services", "65": "Software and information technology services",
    "66": "Monetary and financial services", "67": "Capital market services", "68": "Insurance",
    "69": "Other financial activities",
    "70": "Real estate", "71": "Leasing", "72": "Business services",
    "73": "Research and experimental development", "74": "Professional technical services",
    "75": "Technology promotion and application services",
    "76": "Management of water conservancy", "77": "Ecological protection and environmental governance",
    "78": "Management of public facilities", "79": "Land management",
    "80": "Resident services", "81": "Repair of motor vehicles, electronic products and household goods",
    "82": "Other services",
    "83": "Education", "84": "Health", "85": "Social work",
    "86": "News and publishing", "87": "Radio, television, film and sound recording production",
    "88": "Culture and arts", "89": "Sports", "90": "Entertainment",
    "91": "Organs of the Communist Party of China", "92": "State organs",
    "93": "CPPCC and democratic parties", "94": "Social security",
    "95": "Mass organisations, social organisations and other membership organisations",
    "96": "Grass-roots self-governing organisations and other organisations",
    "97": "International organisations",
}  # fmt: skip

#: GB/T 4754-2017 (with amendment No. 1, 2019) classes (小类) the demo park uses, code → (中文, English,
#: confidence). Transcribed from the classification's class list; the English is the project's.
INDUSTRY_CLASSES: dict[str, tuple[str, str, str]] = {
    "1361": ("水产品冷冻加工", "Freezing of aquatic products", "high"),
    "1411": ("糕点、面包制造", "Manufacture of pastries and bread", "high"),
    "1431": ("米、面制品制造", "Manufacture of rice and flour products", "high"),
    "1441": ("液体乳制造", "Manufacture of liquid milk", "high"),
    "1469": ("其他调味品、发酵制品制造", "Manufacture of other condiments and fermented products", "high"),
    "1513": ("啤酒制造", "Manufacture of beer", "high"),
    "1523": ("果菜汁及果菜汁饮料制造", "Manufacture of fruit and vegetable juices and juice drinks", "high"),
    "2614": ("有机化学原料制造", "Manufacture of organic chemical raw materials", "high"),
    "2641": ("涂料制造", "Manufacture of coatings", "high"),
    "2651": ("初级形态塑料及合成树脂制造", "Manufacture of primary plastics and synthetic resins", "high"),
    "2661": ("化学试剂和助剂制造", "Manufacture of chemical reagents and auxiliaries", "high"),
    "2662": ("专项化学用品制造", "Manufacture of special-purpose chemicals", "high"),
    "2710": ("化学药品原料药制造", "Manufacture of chemical active pharmaceutical ingredients", "high"),
    "3130": ("钢压延加工", "Steel rolling", "high"),
    "3360": ("金属表面处理及热处理加工", "Metal surface treatment and heat treatment", "high"),
    "3399": ("其他未列明金属制品制造", "Manufacture of other metal products n.e.c.", "high"),
    "3482": ("紧固件制造", "Manufacture of fasteners", "medium"),
    "3912": ("计算机零部件制造", "Manufacture of computer parts", "high"),
    "3922": ("通信终端设备制造", "Manufacture of communication terminal equipment", "medium"),
    "3973": ("集成电路制造", "Manufacture of integrated circuits", "high"),
    "3976": ("光电子器件制造", "Manufacture of optoelectronic devices", "high"),
    "3982": ("电子电路制造", "Manufacture of electronic circuits", "high"),
    "3983": ("敏感元件及传感器制造", "Manufacture of sensitive components and sensors", "high"),
    "3989": ("其他电子元件制造", "Manufacture of other electronic components", "high"),
    "5920": ("通用仓储", "General warehousing", "high"),
    "5930": ("低温仓储", "Cold storage", "high"),
    "5942": ("危险化学品仓储", "Storage of hazardous chemicals", "high"),
    "6513": ("应用软件开发", "Application software development", "high"),
    "6560": ("信息技术咨询服务", "Information technology consulting", "high"),
    "7040": ("房地产租赁经营", "Real estate leasing", "high"),
    "7211": ("企业总部管理", "Corporate headquarters management", "high"),
    "7320": ("工程和技术研究和试验发展", "Research and development in engineering and technology", "high"),
    "7514": ("节能技术推广服务", "Promotion of energy-saving technology", "high"),
    "7810": ("市政设施管理", "Management of municipal facilities", "high"),
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


def _valid_industry_match(code: str | None) -> re.Match[str] | None:
    """The parts of a valid, non-empty industry code; ``None`` for an empty or invalid one."""
    if not code or industry_error(code) is not None:
        return None
    return _INDUSTRY.match(code)


def industry_names(code: str | None) -> tuple[str, str] | None:
    """``(中文, English)`` name of an industry code: its class (小类) when :data:`INDUSTRY_CLASSES` holds
    it, else its division (大类); ``None`` for an empty or invalid code."""
    m = _valid_industry_match(code)
    if m is None:
        return None
    digits = m.group(2) + (m.group(3) or "")
    known = INDUSTRY_CLASSES.get(digits)
    if known is not None:
        return known[0], known[1]
    division = m.group(2)
    return INDUSTRY_DIVISIONS[division], INDUSTRY_DIVISIONS_EN[division]


def industry_codes_matching(text: str) -> list[str]:
    """The code prefixes whose division (大类) or class (小类) name, Chinese or English, contains
    ``text`` (case-insensitive), each with and without its section letter (``C31``, ``31``): what a
    search for an industry name finds by ``code LIKE prefix%``."""
    needle = text.strip().casefold()
    if not needle:
        return []
    digits = [
        d
        for d in INDUSTRY_DIVISIONS
        if needle in INDUSTRY_DIVISIONS[d].casefold() or needle in INDUSTRY_DIVISIONS_EN[d].casefold()
    ]
    digits += [
        c
        for c, (zh, en, _conf) in INDUSTRY_CLASSES.items()
        if needle in zh.casefold() or needle in en.casefold()
    ]
    return [form for d in digits for form in (_section_of(int(d[:2])) + d, d)]


def industry_division(code: str | None) -> tuple[str, str, str] | None:
    """``(section letter, division code, division name)`` of a valid industry code, else ``None``."""
    m = _valid_industry_match(code)
    if m is None:
        return None
    division = m.group(2)
    return _section_of(int(division)), division, INDUSTRY_DIVISIONS[division]
