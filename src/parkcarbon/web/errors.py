"""Console texts of the stable error codes (错误代码) and how an error is shown (toasts, form errors).

Every code a service, the request validation or the accounting engine reports
(:data:`parkcarbon.services.errors.ERROR_CODES`, :data:`parkcarbon.core.errors.CALC_ERROR_CODES`) has a
zh-CN and an English text here; ``tests/foundation/test_error_codes.py`` fails on a missing one.  The
console shows the text of the code, never the service's English message, except beside a generic code
(``input.invalid`` …) where the message is the only specific reason there is.
"""

from __future__ import annotations

from typing import Any

from parkcarbon.services.errors import ServiceError, validation_code
from parkcarbon.web.i18n import language

#: code → (zh-CN, en)
ERROR_TEXTS: dict[str, tuple[str, str]] = {
    # problems
    "bad_request": ("请求无法处理", "The request cannot be handled"),
    "unauthenticated": ("请先登录", "Please sign in"),
    "forbidden": ("您没有权限执行此操作", "You may not do this"),
    "not_found": ("对象不存在或无权查看", "Not found or not visible to you"),
    "conflict": ("与当前状态冲突", "Conflicts with the current state"),
    "invalid_input": ("输入有误", "Invalid input"),
    "too_many_attempts": ("失败次数过多，请稍后再试", "Too many failed attempts; try again later"),
    "rate_limited": ("此地址的尝试过于频繁，请稍后再试", "Too many attempts from this address; try again later"),
    "login_failed": ("邮箱或密码错误（多次失败后须稍候几分钟再试）", "Wrong e-mail or password (after repeated failures, wait a few minutes)"),
    "service_busy": ("服务繁忙，请稍后重试", "The service is busy; try again shortly"),
    "payload_too_large": ("文件过大", "The file is too large"),
    "method_not_allowed": ("不支持此操作", "This operation is not supported"),
    "unsupported_media_type": ("不支持的文件类型", "Unsupported file type"),
    "report_unavailable": ("报告暂时无法生成", "The report cannot be produced now"),
    "internal_error": ("系统内部错误，已记录", "Internal error; it has been logged"),
    "mail.not_configured": ("未配置发信服务器（PARKCARBON_SMTP_URL），无法发送邮件", "No outgoing mail server is configured (PARKCARBON_SMTP_URL); mail cannot be sent"),
    "mail.send_failed": ("邮件服务器未接受该邮件", "The mail server did not accept the message"),
    # service field errors
    "state.not_allowed": ("当前状态下不能执行此操作", "Not possible in the current state"),
    "value.duplicate": ("该值已存在", "This value exists already"),
    "value.unknown_reference": ("引用的对象在本园区不存在", "The referenced object does not exist in this park"),
    "archive.has_evidence": ("该对象仍保存证据数据，不能删除，请改为归档", "It still holds evidence; archive it instead of deleting it"),
    "mrv.no_sources": ("监测计划尚无排放源，请先添加排放源", "The monitoring plan has no emission source; add one first"),
    "mrv.months_not_reviewed": ("仍有已结束的月份未复核", "Some ended months have not been reviewed"),
    "mrv.months_not_ended": ("所选月份尚未结束", "The months have not ended yet"),
    "mrv.no_verifier": ("请先指定核查机构", "Assign a verifier first"),
    "mrv.no_proposed_verifier": ("没有待企业确认的核查机构", "No verifier is waiting for the enterprise's acceptance"),
    "mrv.verifier_not_accepted": ("企业尚未接受提议的核查机构", "The enterprise has not accepted the proposed verifier yet"),
    "membership.invite_instead": ("企业成员只能由企业管理员添加，请发送邀请", "An enterprise's members are added by its own admins; send an invitation"),
    "log.inconsistent": ("日志存储与上一个已签名检查点不一致，已拒绝签名", "The stored log is not an extension of its last signed checkpoint; nothing was signed"),
    "log.not_shared": ("企业未向您共享此日志条目", "The enterprise has not shared this log entry with you"),
    "log.no_checkpoint": ("日志尚未签发检查点", "The log has not signed a checkpoint yet"),
    "log.size_out_of_range": ("树大小超出日志范围", "The tree sizes are outside the log"),
    "invitation.invalid_code": ("邀请码无效", "The invitation code is not valid"),
    "invitation.used": ("邀请码已被使用", "The invitation code has been used"),
    "invitation.expired": ("邀请已过期", "The invitation has expired"),
    "invitation.awaiting_enterprise": ("企业管理员尚未接受该邀请", "The enterprise's admin has not accepted the invitation yet"),
    "invitation.park_side_account": ("园区或平台账号不能通过邀请加入企业", "A park-side or platform account cannot join an enterprise by invitation"),
    "invitation.self": ("不能邀请自己", "You cannot invite yourself"),
    "invitation.password": ("密码与已有账号不符", "The password is not the existing account's password"),
    "invitation.revoked": ("邀请已被撤回", "The invitation has been revoked"),
    "archive.code_taken": ("该编码或名称属于已归档的对象，请恢复该对象而不是新建", "The code or name belongs to an archived object; restore it instead of creating a new one"),
    "mrv.open_corrections": ("仍有未答复的整改要求", "Correction requests remain open"),
    "mrv.no_corrections": ("请先在明细行上提出整改要求", "Add a correction request on a line first"),
    "mrv.inventory_not_submitted": ("盘查结果须先提交（冻结）", "The inventory must be submitted (frozen) first"),
    "mrv.inventory_required": ("请选择本年度已提交的盘查结果", "Choose the submitted inventory of the year"),
    "mrv.inventory_mismatch": ("该盘查结果不属于本企业本年度", "The inventory is not this enterprise's for the case year"),
    "mrv.not_verifier_body": ("该机构不是本园区的核查机构", "Not a verification body of this park"),
    "market.sealed": ("投标在截止时间前密封，任何人不可查看", "Bids are sealed until the deadline"),
    "market.credit_code": ("统一社会信用代码无效（GB 32100-2015 校验）", "The unified social credit code is not valid (GB 32100-2015)"),
    "market.reason_required": ("此决定须说明理由", "This decision needs a reason"),
    "market.qualification_expired": ("资质已过期", "The qualification has expired"),
    "market.provider_not_approved": ("服务商尚未通过入驻审核", "The provider is not approved in this park"),
    "market.unknown_category": ("不是货架上的服务类别", "Not a service category of the shelves"),
    "market.price_required": ("该计价方式须填写价格（按量计价须填写计价单位）", "This price model needs a price (and a unit for per-unit prices)"),
    "market.amount_precision": ("金额最多保留两位小数（分）", "Amounts in CNY have at most 2 decimals"),
    "market.deadline_passed": ("截止时间须晚于当前时间", "The deadline must be in the future"),
    "market.invalid_rule": ("评审规则参数不合规（权重之和须为1，价格权重不得低于下限）", "The award rule's parameters are not allowed (weights sum to 1, price-weight floor)"),
    "market.too_few_invited": ("邀请的服务商少于规则要求的有效报价数", "Fewer providers invited than the rule's minimum of valid bids"),
    "market.bidding_closed": ("投标已截止", "Bidding has closed"),
    "market.not_winner": ("所选报价不是评审规则确定的中选报价", "The bid is not the one the award rule names"),
    "market.already_rated": ("该订单已评价", "The order has been rated already"),
    "mrv.line_required": ("整改要求须指明明细行", "A correction request names the line to correct"),
    "mrv.line_unknown": ("该明细行不属于本案的盘查结果", "Not a line of this case's inventory"),
    "mrv.needs_enterprise_admin": ("此步骤须由企业管理员操作", "Only the enterprise's admin takes this step"),
    # carbon assets (碳资产台账)
    "assets.invalid_lot": ("该品种的属性不完整或不一致", "The instrument's attributes are incomplete or inconsistent for its kind"),
    "assets.invalid_transaction": ("该交易无法按所填内容记录", "The transaction cannot be recorded as stated"),
    "assets.insufficient": ("该日期账户持有量不足", "The account does not hold that quantity on that date"),
    "assets.serial_not_held": ("账户未持有这些序列号", "The account does not hold these serial numbers"),
    "assets.serial_duplicate": ("这些序列号已在本园区台账中登记", "These serial numbers are already recorded in this park"),
    "assets.double_claim": ("这些序列号已被声明、清缴或注销，不能重复使用", "These serial numbers were already claimed, surrendered or retired"),
    "assets.double_sale": ("该绿证已交易过一次，不能再次交易", "This green certificate has been traded once and cannot be traded again"),
    "assets.not_tradable": ("该绿证为不可交易绿证", "This green certificate is of the non-tradable kind"),
    "assets.expired": ("该日期已超过有效期", "Past its validity on that date"),
    "assets.ccer_cap": ("CCER 抵销将超过应清缴配额的比例上限", "CCER would exceed the offset cap of the obligation"),
    "assets.borrowing": ("不得使用以后年度的配额清缴本年度", "Allowances of a later vintage cannot be surrendered for an earlier year"),
    "assets.banking": ("以前年度配额不得结转至本年度", "Allowances of an earlier vintage cannot be carried into this year"),
    "assets.obligation_unknown": ("该履约年度的应清缴量尚未确定（须先完成核查）", "The year's obligation is not known yet (verify the MRV case first)"),
    "assets.over_surrender": ("清缴量将超过本年度应清缴量", "The surrender would exceed the year's obligation"),
    "assets.out_of_order": ("交易日期早于最近一笔已记录交易", "Dated before the last recorded transaction"),
    "assets.no_rule": ("该日期没有生效的相关规则，无法校验", "No version of the rule is in force on that date; it cannot be checked"),
    # request validation and the accounting engine (parkcarbon.core.errors.CALC_ERROR_CODES)
    "input.request": ("请求格式有误（须为 JSON 对象）", "The request is not a JSON object"),
    "input.required": ("必填", "Required"),
    "input.type": ("类型有误", "Wrong type"),
    "input.range": ("超出允许范围", "Out of the allowed range"),
    "input.choice": ("不是可选值之一", "Not one of the allowed values"),
    "input.format": ("格式有误", "Wrong format"),
    "input.activity_kind": (
        "活动须且只能指定能源品种、工艺、气体或碳捕集之一",
        "An activity needs exactly one of carrier, process, gas or capture",
    ),
    "input.duplicate_id": ("活动编号重复", "Two activities have the same id"),
    "input.invalid": ("取值无效", "Invalid value"),
    "quantity.negative": ("数量不能为负；上网电量请用“外送”用途填报", "Negative quantity; report exports with use “exported”"),
    "hot_water.below_reference": ("热水温度低于 20 °C 基准温度，不含可计热量", "Hot water below the 20 °C reference carries no heat"),
    "steam.saturated_with_temperature": (
        "饱和蒸汽的温度与其饱和温度不符（过热或已冷凝）",
        "Saturated steam with a temperature that is not its saturation temperature",
    ),
    "steam.enthalpy_below_feedwater": (
        "蒸汽焓值不高于 20 °C 给水的 83.74 kJ/kg",
        "Steam enthalpy not above the 83.74 kJ/kg of 20 °C feedwater",
    ),
    "steam.state": ("蒸汽状态超出物性表范围或不完整", "Steam state outside the tables or incomplete"),
    "unit.unknown": ("未知计量单位", "Unknown unit"),
    "unit.mismatch": ("计量单位的量纲与该活动不符", "A unit of the wrong dimension for this activity"),
    "factor.missing": ("因子库中无此默认因子", "No default factor in the library"),
    "factor.ambiguous": ("数据来源不一致，请指定选项", "The sources disagree; choose with an option"),
    "process.invalid": ("工艺过程的输入无效", "The input of the process method is invalid"),
    # branch archive2 (issue 12 §3): a reading row of an archived meter
    # branch energy (issue 17): energy balance, tariffs, dispatch, sizing
    "energy.input": ("能源系统模型的输入无效", "An input of the energy model is invalid"),
    "energy.hierarchy": ("计量器具层级有环，或上级表计的能源品种不同", "The meter hierarchy has a cycle or a parent of another carrier"),
    "energy.unit": ("该表计读数无法折算为标准煤或 GJ", "A meter quantity cannot be converted to tce or GJ"),
    "energy.tariff_missing": ("该省份或日期无分时电价数据，请直接提供电价", "No TOU tariff held for the province and date; supply the tariff"),
    "energy.infeasible": ("在所给限值内无可行调度方案", "No schedule satisfies the limits"),
    "energy.solver": ("优化求解未得到最优解", "The solver did not return an optimal solution"),
    "meter.archived": ("该计量器具已归档，不再接收读数；平台管理员可恢复", "The meter is archived and takes no readings; a platform admin can restore it"),
}  # fmt: skip

#: codes too generic to stand alone: the service's message is shown beside their text
GENERIC_CODES = frozenset(
    {"bad_request", "conflict", "invalid_input", "input.invalid", "forbidden", "process.invalid", "energy.input",
     "energy.infeasible"}
)

#: field names of field errors → (zh-CN, en)
FIELD_TEXTS: dict[str, tuple[str, str]] = {
    "action": ("操作", "Action"),
    "months": ("月份", "Months"),
    "year": ("年度", "Year"),
    "inventory_id": ("盘查结果", "Inventory"),
    "verifier_organisation_id": ("核查机构", "Verifier"),
    "line_id": ("明细行", "Line"),
    "kind": ("类型", "Kind"),
    "case_id": ("核查案件", "Case"),
    "comment_id": ("意见", "Remark"),
    "code": ("编码", "Code"),
    "name": ("名称", "Name"),
    "email": ("邮箱", "E-mail"),
    "password": ("密码", "Password"),
    "request": ("请求", "Request"),
    "carrier": ("能源品种", "Energy carrier"),
    "unit": ("计量单位", "Unit"),
    "quantity": ("数量", "Quantity"),
    "file": ("文件", "File"),
}


def _pick(pair: tuple[str, str]) -> str:
    return pair[1] if language() == "en" else pair[0]


def code_text(code: str | None, fallback: str = "") -> str:
    """The text of a stable error code in the user's language (``fallback`` for an unknown code)."""
    pair = ERROR_TEXTS.get(code or "")
    return _pick(pair) if pair else fallback


def field_text(name: str | None) -> str:
    if not name:
        return ""
    pair = FIELD_TEXTS.get(name) or FIELD_TEXTS.get(name.rsplit(".", 1)[-1])
    return _pick(pair) if pair else name


def field_error_text(error: dict[str, Any]) -> str:
    """One field error as ``field: text of its code`` (the message added for a generic code)."""
    code = error.get("code")
    reason = str(error.get("reason") or "")
    text = code_text(code, reason)
    if code in GENERIC_CODES and reason and reason != text:
        text = f"{text}（{reason}）" if language() != "en" else f"{text} ({reason})"
    where = field_text(error.get("field"))
    row = error.get("row")
    prefix = f"#{row} " if row is not None else ""
    return f"{prefix}{where}: {text}" if where else f"{prefix}{text}"


def error_text(exc: ServiceError) -> str:
    """A service error for a toast or a form: the problem's text, then each field error's."""
    title = code_text(exc.code, exc.title)
    if exc.errors:
        return f"{title}: " + "; ".join(field_error_text(e) for e in exc.errors[:5])
    if exc.code in GENERIC_CODES or exc.code not in ERROR_TEXTS:
        return f"{title}: {exc.detail}" if exc.detail and exc.detail != title else title
    return title


def validation_text(errors: list[Any]) -> str:
    """pydantic's errors of a console form, each as ``field: text of its code``."""
    return "; ".join(
        field_error_text(
            {
                "field": ".".join(str(x) for x in e.get("loc", ())),
                "reason": str(e.get("msg", "")).removeprefix("Value error, "),
                "code": validation_code(str(e.get("type", "")), str(e.get("msg", ""))),
            }
        )
        for e in errors
    )
