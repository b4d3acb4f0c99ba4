"""Console translations: zh-CN (default) and English. Keys are English ids; a missing key is a bug."""

from __future__ import annotations

from nicegui import app

LANGUAGES = {"zh-CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh-CN"

TEXTS: dict[str, tuple[str, str]] = {
    # (zh-CN, en)
    "app.name": ("园区数字化碳中和服务平台", "Park Carbon-Neutrality Service Platform"),
    "app.short": ("园区碳中和平台", "parkcarbon"),
    "end.park": ("园区监管端", "Park supervision"),
    "end.enterprise": ("企业应用端", "Enterprise"),
    "end.ecosystem": ("服务生态端", "Service ecosystem"),
    "end.admin": ("系统管理", "Administration"),
    "nav.overview": ("园区总览", "Park overview"),
    "nav.organisations": ("组织机构", "Organisations"),
    "nav.areas": ("片区与厂区", "Areas"),
    "nav.meters": ("计量器具", "Meters"),
    "nav.my_enterprise": ("企业档案", "My enterprise"),
    "nav.grants": ("数据授权", "Data sharing"),
    "nav.directory": ("服务机构目录", "Service directory"),
    "nav.users": ("用户与角色", "Users & roles"),
    "nav.api_keys": ("接入密钥", "API keys"),
    "nav.audit": ("审计日志", "Audit log"),
    "nav.account": ("账户安全", "Account"),
    "login.title": ("登录", "Sign in"),
    "login.email": ("邮箱", "E-mail"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("登录失败", "Sign-in failed"),
    "login.tagline": (
        "看得见、看得清、管得住 —— 园区能耗与碳排放双控",
        "See, understand and control park energy and carbon",
    ),
    "logout": ("退出登录", "Sign out"),
    "language": ("语言", "Language"),
    "park": ("园区", "Park"),
    "role": ("角色", "Role"),
    "roles": ("角色", "Roles"),
    "name": ("名称", "Name"),
    "name_en": ("英文名称", "English name"),
    "kind": ("类型", "Kind"),
    "code": ("编码", "Code"),
    "carrier": ("能源品种", "Energy carrier"),
    "unit": ("计量单位", "Unit"),
    "meter_kind": ("计量方式", "Reading kind"),
    "enterprise": ("所属企业", "Enterprise"),
    "area": ("所属片区", "Area"),
    "purpose": ("用途", "Purpose"),
    "multiplier": ("倍率 (CT×PT)", "Multiplier (CT×PT)"),
    "industry": ("行业代码 (GB/T 4754)", "Industry (GB/T 4754)"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "created_at": ("创建时间", "Created"),
    "email": ("邮箱", "E-mail"),
    "display_name": ("姓名", "Display name"),
    "organisation": ("所属机构", "Organisation"),
    "active": ("启用", "Active"),
    "status": ("状态", "Status"),
    "actions": ("操作", "Actions"),
    "create": ("新建", "Create"),
    "save": ("保存", "Save"),
    "cancel": ("取消", "Cancel"),
    "delete": ("删除", "Delete"),
    "revoke": ("撤销", "Revoke"),
    "revoked": ("已撤销", "Revoked"),
    "search": ("搜索", "Search"),
    "none": ("（无）", "(none)"),
    "park_owned": ("园区公共", "Park-owned"),
    "saved": ("已保存", "Saved"),
    "created": ("已创建", "Created"),
    "deleted": ("已删除", "Deleted"),
    "confirm_delete": (
        "确认删除？此操作会记录在审计日志中。",
        "Delete? The action is recorded in the audit log.",
    ),
    "forbidden": ("您没有权限执行此操作", "You may not do this"),
    "overview.enterprises": ("入园企业", "Enterprises"),
    "overview.meters": ("接入计量器具", "Meters connected"),
    "overview.areas": ("片区", "Areas"),
    "overview.providers": ("服务机构", "Service organisations"),
    "overview.province": ("所在省份", "Province"),
    "overview.timezone": ("时区", "Time zone"),
    "overview.welcome": ("欢迎", "Welcome"),
    "overview.your_roles": ("您的角色", "Your roles"),
    "api_keys.issued": (
        "请立即复制并妥善保存此密钥，它只显示这一次。",
        "Copy and store this key now; it is shown only once.",
    ),
    "api_keys.scope": ("适用范围", "Scope"),
    "api_keys.prefix": ("密钥前缀", "Key prefix"),
    "api_keys.last_used": ("最近使用", "Last used"),
    "grants.grantee": ("被授权机构", "Shared with"),
    "grants.scope": ("授权范围", "Scope"),
    "grants.note": ("说明", "Note"),
    "audit.at": ("时间", "Time"),
    "audit.actor": ("操作人", "Actor"),
    "audit.action": ("操作", "Action"),
    "audit.entity": ("对象", "Object"),
    "account.change_password": ("修改密码", "Change password"),
    "account.current_password": ("当前密码", "Current password"),
    "account.new_password": ("新密码（至少10位）", "New password (at least 10 characters)"),
    "account.password_changed": (
        "密码已修改，其他会话已退出",
        "Password changed; other sessions were signed out",
    ),
    "no_park": ("您尚未加入任何园区", "You are not a member of any park yet"),
    "page.forbidden": ("您的角色无权访问此页面", "Your role may not open this page"),
    "page.forbidden.hint": (
        "请从左侧导航进入您可以使用的功能。",
        "Use the navigation on the left for what your role can do.",
    ),
    "page.not_found": ("页面不存在", "Page not found"),
    "page.not_found.hint": ("链接可能已失效或输入有误。", "The link may be outdated or mistyped."),
    "page.back": ("返回上一页", "Back"),
    "page.home": ("返回首页", "Home"),
    # --- console --- (branch console: MRV preconditions, diagnosis order, meter page, lists, overview)
    "console.confirm": ("确认", "Confirm"),
    "mrv.confirm.title": ("确认操作", "Confirm"),
    "mrv.confirm.body": (
        "确定要执行“{action}”吗？此操作将记入流转记录和审计日志。",
        "Do you want to “{action}”? The step is recorded in the history and the audit log.",
    ),
    "mrv.confirm.submit": (
        "提交后报送的盘查版本将锁定，核查机构开始可以查看。",
        "After submission the inventory version is locked and the verifier can open it.",
    ),
    "mrv.blocked": ("暂不可用", "Not yet possible"),
    "mrv.submitted_inventory": ("报送的盘查结果", "Submitted inventory"),
    "mrv.evidence": ("凭证资料", "Evidence documents"),
    "mrv.open_inventory": ("打开盘查结果", "Open the inventory"),
    "mrv.download": ("下载", "Download"),
    "mrv.no_documents": ("暂无凭证资料", "No documents"),
    "dg.order_by": ("排序依据", "Order by"),
    "dg.order.cny": ("年节约金额 (元)", "Saving (CNY)"),
    "dg.order.kwh": ("年节电 (kWh)", "Saving (kWh)"),
    "dg.order.tco2e": ("年减排 (tCO2e)", "Reduction (tCO2e)"),
    "dg.unit.cny": ("元", "CNY"),
    "dg.unit.kwh": ("kWh", "kWh"),
    "dg.unit.tco2e": ("tCO2e", "tCO2e"),
    "list.export": ("导出 XLSX", "Export XLSX"),
    "list.edit": ("编辑", "Edit"),
    "list.close": ("关闭", "Close"),
    "list.industry_name": ("行业名称", "Industry"),
    "meter.back": ("返回", "Back"),
    "meter.start": ("开始日期", "From"),
    "meter.end": ("结束日期（含）", "To (inclusive)"),
    "meter.apply": ("查询", "Show"),
    "meter.export": ("导出 XLSX", "Export XLSX"),
    "meter.readings": ("读数", "Readings"),
    "meter.consumption": ("用量", "Consumption"),
    "meter.time": ("时间", "Time"),
    "meter.value": ("示数", "Reading"),
    "meter.delta": ("区间用量", "Interval consumption"),
    "meter.flags": ("质量标记", "Flags"),
    "meter.count": ("共 {n} 条读数", "{n} readings"),
    "meter.truncated": (
        "读数过多，仅显示前 {n} 条；请缩短日期范围",
        "Only the first {n} readings: shorten the range",
    ),
    "meter.bad_range": (
        "日期范围须为 1–92 天，且开始不晚于结束",
        "The range must be 1–92 days, from before to",
    ),
    "meter.no_rights": (
        "企业尚未向您授权其计量数据",
        "The enterprise has not shared its meter data with you",
    ),
    "meter.chart": ("每日用量", "Daily consumption"),
    "meter.chart_hourly": ("每小时用量", "Hourly consumption"),
    "overview.meters_with_data": ("可查看数据的计量器具", "Meters whose data you read"),
    "dev.devices_of": ("{n} 台：{codes}", "{n}: {codes}"),
    "ck.timezone_note": ("（{tz}）", " ({tz})"),
    "inv.confirm_submit": (
        "提交后本版本将冻结，不能再修改（可另建修订版本）。确定提交吗？",
        "Submitting freezes this version: it cannot be changed (a revision can be made). Submit?",
    ),
}

ENUM_TEXTS: dict[str, tuple[str, str]] = {
    "park_operator": ("园区运营方", "Park operator"), "enterprise": ("企业", "Enterprise"),
    "service_provider": ("服务商", "Service provider"), "verifier": ("核查机构", "Verifier"),
    "financier": ("金融机构", "Financier"), "regulator": ("主管部门", "Regulator"),
    "platform_admin": ("平台管理员", "Platform admin"), "park_admin": ("园区管理员", "Park admin"),
    "park_analyst": ("园区分析员", "Park analyst"), "enterprise_admin": ("企业管理员", "Enterprise admin"),
    "enterprise_member": ("企业成员", "Enterprise member"), "provider": ("服务商", "Provider"),
    "register": ("累计示数", "Cumulative register"), "interval": ("区间用量", "Interval consumption"),
    "instant": ("瞬时值", "Instantaneous"), "zone": ("片区", "Zone"), "site": ("厂区", "Site"),
    "building": ("楼宇", "Building"), "other": ("其他", "Other"),
    "meter_data": ("计量数据", "Meter data"), "costs": ("能源成本", "Energy costs"),
    "documents": ("文档资料", "Documents"), "inventory": ("碳盘查结果", "Carbon inventory"),
    "assets": ("碳资产", "Carbon assets"),
    "main": ("总表", "Main"), "sub": ("分表", "Sub-meter"), "process": ("工艺", "Process"),
    "hvac": ("暖通空调", "HVAC"), "lighting": ("照明", "Lighting"), "pv_generation": ("光伏发电", "PV generation"),
    "ev_charging": ("充电桩", "EV charging"), "export": ("上网电量", "Export"),
    "electricity": ("电力", "Electricity"), "natural_gas": ("天然气", "Natural gas"), "steam": ("蒸汽", "Steam"),
    "diesel": ("柴油", "Diesel"), "water": ("水", "Water"), "heat": ("热力", "Heat"),
    "hot_water": ("热水", "Hot water"), "compressed_air": ("压缩空气", "Compressed air"),
    "national_ets": ("全国碳市场", "National ETS"), "provincial_ets": ("地方碳市场", "Provincial ETS"),
    "voluntary": ("自愿减排", "Voluntary"),
    "continuous": ("连续监测", "Continuous"), "daily": ("每日", "Daily"), "monthly": ("每月", "Monthly"),
    "per_delivery": ("每批次", "Per delivery"), "annual": ("每年", "Annual"),
}  # fmt: skip


def register_texts(
    texts: dict[str, tuple[str, str]], enums: dict[str, tuple[str, str]] | None = None
) -> None:
    """Add a page module's texts ``{key: (zh-CN, en)}``; a key defined twice with different texts is a bug."""
    for table, new in ((TEXTS, texts), (ENUM_TEXTS, enums or {})):
        for key, value in new.items():
            if key in table and table[key] != value:
                raise ValueError(f"translation key {key!r} is already defined as {table[key]!r}")
            table[key] = value


def language() -> str:
    try:
        lang = app.storage.user.get("language")
    except (RuntimeError, AssertionError):  # outside a page context
        lang = None
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str) -> str:
    """The text for ``key`` in the current user's language."""
    zh, en = TEXTS[key]
    return en if language() == "en" else zh


def local_name(name: str, name_en: str | None) -> str:
    """A proper name in the user's language: the English name in English where one is recorded."""
    return name_en if language() == "en" and name_en else name


def te(value: str | None) -> str:
    """The label of an enumeration value (role, kind, carrier …); unknown values are shown as they are."""
    if value is None:
        return t("none")
    pair = ENUM_TEXTS.get(str(value))
    if pair is None:
        return str(value)
    return pair[1] if language() == "en" else pair[0]
