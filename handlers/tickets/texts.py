"""The tickets capability's sentences: reports, tickets, members' commands, escalation, ratings, emergencies.

Named constants with {named} fields; shared sentences are re-exported from where they live."""

from __future__ import annotations

from bot.texts import INTENT_DESCRIPTIONS as INTENT_DESCRIPTIONS
from bot.texts import INTENT_FALLBACK_DESCRIPTION as INTENT_FALLBACK_DESCRIPTION
from bot.texts import LIST_SEPARATOR as LIST_SEPARATOR
from bot.texts import NONE as NONE
from bot.texts import NOT_AVAILABLE_YET as NOT_AVAILABLE_YET
from handlers.community.texts import PHONE_UNKNOWN as PHONE_UNKNOWN
from handlers.community.texts import ROLE_STAFF as ROLE_STAFF

# Urgent fast path: what to do right now, per situation (safety.safety_key chooses one), following
# the public guidance of 119 / 120 and the gas and power companies. Numbers are national; 95598 is the
# power companies' line, 96333 the elevator emergency line in many cities; the gas company's own line
# comes from config (emergency.gas_company_phone) in the numbers line below the text.
SAFETY_INSTRUCTIONS = {
    "fire": (
        "发生火情：火小可用灭火器扑救，电器、油锅起火不要用水泼；火大立即撤离，用湿毛巾捂住口鼻、弯腰低姿走楼梯，"
        "不要乘电梯，不要返回取东西；门把手发烫或楼道浓烟时不要开门，用湿布堵住门缝，到窗口呼救。"
        "立即拨打 119，说清地址、起火位置、有没有人被困。"
    ),
    "gas": (
        "闻到燃气味：不要开关电灯和电器，不要在屋里打电话，不要点火或抽烟；轻轻打开门窗通风，关闭燃气阀门；"
        "所有人离开房间，到室外安全处再拨打燃气公司抢修电话或 119。有人头晕、昏迷时把他移到空气新鲜处，拨打 120。"
    ),
    "power": (
        "电线冒火花、电箱打火或电线掉落：远离带电处，不要触碰电线、电箱和泡水的插座，不要用水扑救电器起火；"
        "能安全操作时拉下总闸断电，再拨打供电抢修 95598；已经起火请拨打 119。"
    ),
    "electric_shock": (
        "有人触电：不要直接用手拉触电的人！先拉下电闸或拔掉插头，或用干燥的木棍、塑料等不导电的东西挑开电线；"
        "断电后立即拨打 120；伤者没有反应、没有正常呼吸时，立即做心肺复苏（胸外按压）。"
        "发现漏电不要触碰，远离并断电，再拨打供电抢修 95598。"
    ),
    "flooding": (
        "积水碰到电箱、插座或电线：人不要进入积水，远离电箱和插座，防止触电；能安全操作时在干燥处拉下总闸断电；"
        "有人被困或水位上涨时拨打 119，有人受伤拨打 120。"
    ),
    "elevator": (
        "电梯困人：请保持冷静，按下轿厢内的警铃，或拨打轿厢内张贴的电梯救援电话（多地为 96333）；"
        "不要强行扒门，不要从轿厢顶部爬出，不要在轿厢里跳动；联系不上时拨打 119，在轿厢内等待专业人员救援。"
    ),
    "entrapment": (
        "有人被困屋内：请保持冷静，呼喊或敲击门窗发出求救信号，不要翻窗、攀爬冒险；拨打 119 请求救援开门。"
        "老人或病人独自在屋里、敲门叫不应时可能突发疾病，请立即拨打 120 和 110。"
    ),
    "fall_from_height": (
        "有人从高处坠落：立即拨打 120；除非现场还有危险，不要搬动伤者，尤其不要扶起或转动头颈；"
        "有出血用干净的布用力按压止血；没有反应、没有正常呼吸时立即做心肺复苏。"
        "有人要从高处跳下时立即拨打 110，不要刺激他，尽量陪他说话。"
    ),
    "medical": (
        "有人晕倒或突发急病：立即拨打 120，说清地址和病人情况；拍打双肩、大声呼喊看有无反应，"
        "没有反应、没有正常呼吸时立即做心肺复苏（胸外按压），附近有 AED 请尽快取来；"
        "有呼吸但叫不醒时让他侧躺，防止呕吐物堵住气道；不要喂水喂药。"
    ),
    "stroke": (
        "疑似中风（口角歪斜、一侧手脚无力、说话不清）：立即拨打 120，记下发病时间（或最后一次看到他正常的时间）；"
        "让病人躺下、头偏向一侧，不要喂水、喂食、喂药，不要掐人中或随意搬动；等待急救时留意呼吸。"
    ),
    "heart": (
        "疑似心脏病发作（胸口压榨样疼痛、大汗、喘不上气）：立即拨打 120；让病人停止活动，坐下或半躺休息，"
        "解开衣领，不要让他走动；失去反应、没有正常呼吸时立即做心肺复苏，附近有 AED 请尽快取来。"
    ),
    "seizure": (
        "有人抽搐：请拨打 120；移开身边的硬物，在头下垫软的东西，让他侧躺；不要往嘴里塞任何东西，"
        "不要强行按住手脚；记下抽搐开始的时间，停止后让他侧躺休息，留意呼吸。"
    ),
    "bleeding": (
        "大量出血：立即拨打 120；用干净的布或纱布直接用力按压伤口止血，血浸透了不要揭开，再加一层继续按压；"
        "让伤者躺下，注意保暖。"
    ),
    "violence": (
        "有人持刀或打架见血：不要上前劝架、围观或拍摄，立即远离现场，带着孩子老人躲进屋里锁好门；"
        "立即拨打 110，说清地址、人数、有没有刀具和往哪里跑了；有人受伤时拨打 120，"
        "在安全的地方用干净的布用力按压伤口止血。"
    ),
    "help": "请先确保人身安全，远离危险处；情况紧急请立即拨打下面的电话，说清地址和发生了什么。",
}

# -- TICKETS: reporting, residents' side, grid members ------------------------------------
TICKET_STATUS_NAMES = {
    "queued": "待社区工作人员分派",
    "assigned": "已派给网格员，待接单",
    "accepted": "已接单",
    "in_progress": "处理中",
    "done": "已处理完成",
    "cancelled": "已撤销",
    "waiting": "待您补充信息",
    "closed": "已办结",
}
# A ticket passed to a department (转派, 吹哨) whose contact has not accepted it yet.
TICKET_STATUS_ASSIGNED_TO_DEPARTMENT = "已转给{department}，待接单"
# A ticket staff closed without the work being done (关闭 T… 原因: a false alarm, nothing to do).
TICKET_STATUS_CLOSED = "已关闭（未处理）"
TICKET_STATUS_CLOSED_BECAUSE = "已关闭，原因：{reason}"
TICKET_ASK_LOCATION = (
    "收到，您反映的是“{category}”问题。请问具体在哪里？\n"
    "请回复楼栋单元，例如“3栋2单元”，也可以发送位置。回复“取消”可放弃。"
)
TICKET_ASK_IN_ESTATE = (
    "收到，您反映的是“{category}”问题。请问在{estate}的哪里？\n"
    "请回复楼栋单元或地点，例如“3栋2单元”“东门”，整个小区都有就回复“小区里”。回复“取消”可放弃。"
)
TICKET_ASK_ESTATE = "请问是哪个小区？请连同小区名一起回复，例如“{example}”。回复“取消”可放弃。"
TICKET_LOCATION_GIVE_UP = "抱歉，还是没能确定位置，这次先不登记了。您可以重新描述问题和地址，或回复“人工”。"
TICKET_LOCATION_UNKNOWN_FILED = (
    "位置暂时没能确定，已先登记为工单 {number}（{category}，位置未说明），转社区工作人员跟进，"
    "他们可能会联系您核实地点。想到了具体位置可以直接发给我。"
)
TICKET_STILL_ASKING = "（刚才说的“{category}”问题还没登记：请问具体在哪里？回复楼栋单元或发送位置即可。）"
TICKET_NOTED_TOO = "收到，“{category}”问题也记下了。"
TICKET_ASK_PLACE_FOR = "请问“{categories}”具体在哪里？请回复楼栋单元，例如“3栋2单元”，也可以发送位置。"
TICKET_ASK_SAME_PLACE = "刚才说的“{category}”问题也在{location}吗？回复“是”登记在这里，或直接告诉我具体位置。"
CATEGORY_JOINER = "”和“"
# Answers to "也在这里吗？": the first words decide (no before yes: "不是" starts with "不").
SAME_PLACE_NO_PREFIXES = ("不是", "不对", "不在", "不一样", "没有", "否", "不")
SAME_PLACE_YES_PREFIXES = ("对", "是", "嗯", "恩", "没错", "都是", "也是", "也在", "都在", "一样", "好", "行", "ok", "1")
TICKET_CREATED = (
    "已为您登记，工单号 {number}（{category}，{location}）。\n"
    "{handler}，预计 {due} 前接单。处理进展会及时通知您；有照片可以直接发给我。"
)
TICKET_HANDLER_MEMBER = "由{grid}网格员{name}负责"
TICKET_HANDLER_STAFF = "由社区工作人员统一分派"
TICKET_DUPLICATE_JOINED = "已有邻居反映该问题，已为您关联，进展会同时通知您"
TICKET_DUPLICATE_JOINED_NAMED = TICKET_DUPLICATE_JOINED + "（工单 {number}）。"
TICKET_ALREADY_REPORTED = "您已经反映过这个问题了（工单号 {number}，{status}），进展会及时通知您。"
TICKET_MEDIA_ATTACHED = "已把{what}补充到工单 {number}。"
TICKET_MEDIA_WHAT = {"image": "图片", "voice": "语音", "video": "视频", "shortvideo": "视频", "location": "位置"}
TICKET_DETAIL_ADDED = "已把您的补充说明记入工单 {number}，处理人员会看到。"
# Two-character pieces too common to say which ticket a follow-up means ("那个", "一下" …).
TICKET_PICK_IGNORED_PAIRS = ("那个", "一下", "还没", "没人", "怎么", "咋还", "催一", "进展", "进度", "工单", "了吗", "我的",
                             "一步", "到哪", "哪一", "的事", "这个", "现在", "还是", "不了", "了没", "有人")
TICKET_DETAIL_CONFIRM = "是补充到工单 {number} 吗？回复“是”记入工单；不是的话回复“不是”。"
TICKET_DETAIL_NOT_ADDED = "好的，没有记入工单 {number}。有其他问题可以直接说。"
TICKET_DETAIL_WHICH = "请问要补充到哪张工单？当前没有进行中的工单。"
TICKET_NONE_OPEN = "您目前没有进行中的工单。"
TICKET_LIST_EMPTY = "您还没有反映过问题。需要报修请直接说问题和地址，例如“3栋2单元电梯坏了”。"
TICKET_LIST_HEAD = "您的工单（最近{count}张）："
TICKET_LIST_LINE = "{number} {category}·{location}：{status}"
TICKET_LIST_TAIL = "回复“工单号 进展”查看详情，例如“{number} 进展”。"
TICKET_NOT_FOUND = "没有找到工单 {number}，请核对工单号。"
TICKET_STATUS = "工单 {number}（{category}，{location}）：{status}。{assignee}\n最近进展：\n{events}"
# Whom the ticket is assigned to; true before they accept it too (the status says 待接单 then).
TICKET_STATUS_ASSIGNEE = "负责人：{name}。"
TICKET_URGED = "已为您催办工单 {number}，处理人员会尽快处理。"
TICKET_URGE_TOO_SOON = "工单 {number} 刚催办过，{next} 后可以再催。处理人员已经收到提醒了，请耐心等待。"
TICKET_URGE_CLOSED = "工单 {number}：{status}，不需要催办。如问题仍在，请直接重新反映。"

# Plain-words updates to everyone who reported the ticket.
TICKET_NOTE_ACCEPTED = "您反映的问题（工单 {number}）已由{name}接单，正在安排处理。"
TICKET_NOTE_PROGRESS = "您反映的问题（工单 {number}）正在处理：{note}"
TICKET_NOTE_DONE = "您反映的问题（工单 {number}）已处理完成：{note}\n如果问题还在，请回复“{number} 进展”告诉我们。"
TICKET_NOTE_TRANSFERRED = "您反映的问题（工单 {number}）已转交{name}处理。"
TICKET_NOTE_RETURNED = "您反映的问题（工单 {number}）已转由社区工作人员统一协调处理。"
TICKET_NOTE_JOINED = "您反映的问题（工单 {number}）又有邻居反映，已一并处理。"

# Pushed to grid members and staff.
TICKET_TASK = (
    "【新工单】{number}{urgent}\n类别：{category}\n地点：{location}\n描述：{description}\n"
    "报告人：{reporter} {phone}\n请在 {due} 前接单。\n"
    "回复：接单 {number}｜处理中 {number} 说明｜完成 {number} 说明｜转派 {number} 姓名或部门｜"
    "退回 {number} 原因｜详情 {number}｜电话 {number}"
)
TICKET_TASK_URGENT_MARK = "（紧急）"
TICKET_TASK_TRANSFERRED = "（由{name}转派：{note}）\n"
TICKET_TASK_TRANSFERRED_NO_NOTE = "（由{name}转派）\n"
TICKET_TASK_URGE = "【催办】工单 {number}（{category}，{location}）居民催促处理，请尽快跟进。"
TICKET_TASK_DETAIL = "【补充】工单 {number} 报告人补充：{note}"
TICKET_TASK_MEDIA = "【补充】工单 {number} 报告人发来{what}。"
TICKET_TASK_RETURNED = "【退回】工单 {number} 被{name}退回：{note}\n请重新分派（回复“转派 {number} 姓名或部门”）。"

MEMBER_ONLY = "抱歉，这条指令只对已绑定的网格员和社区工作人员开放。如需帮助请回复“帮助”；查询您的报修请回复“我的工单”。"
MEMBER_NOT_YOURS = "工单 {number} 不在您负责的网格内，无法操作。如需协助请联系社区工作人员。"
THANKS_FOR_EARLIER = "不客气，能帮上忙就好！以后有问题随时发消息给我。"
MEMBER_WHICH_TICKET = "请带上工单号，例如“{command} {example}”。您当前的工单：{numbers}"
MEMBER_EXAMPLE_NUMBER = "T20261122-0001"  # when the worker has no ticket to show as the example
MEMBER_COMMAND_HINT = (
    "要办理工单 {number}，请这样回复：\n"
    "· 处理完了：“完成 {number} {note}”\n"
    "· 还在处理：“处理中 {number} 说明”\n"
    "· 查看详情：“详情 {number}”"
)
MEMBER_NOT_MINE = (
    "不归您负责的工单请退回社区工作人员重新派单，回复“退回 {number} 原因”，"
    "例如“退回 {number} 不属于本网格”。"
)
MEMBER_NOT_MINE_WHICH = (
    "不归您负责的工单请退回社区工作人员重新派单，回复“退回 工单号 原因”，"
    "例如“退回 {example} 不属于本网格”。您当前的工单：{numbers}"
)
MEMBER_NOT_MINE_NONE = "您当前没有在办的工单。收到不归您负责的工单时，回复“退回 工单号 原因”退回社区工作人员重新派单。"
MEMBER_HINT_NOTE = "处理说明"  # the note's placeholder when the worker wrote only the number
MEMBER_HINT_NOT_YOURS = "工单 {number} 由其他同事负责，不需要您处理。如有情况要反映，请联系社区工作人员。"
MEMBER_NO_TASKS = "您当前没有进行中的工单。"
MEMBER_TASKS_HEAD = "您的工单（{count}张，紧急的在最前，其余最早的在前）："
MEMBER_TASK_LINE = "{number}{urgent} {category}·{location}：{status}（{age}）"
MEMBER_ACCEPTED = "已接单：{number}。处理中可回复“处理中 {number} 说明”，完成后回复“完成 {number} 说明”，可附照片。"
MEMBER_ALREADY_ACCEPTED = "工单 {number} 已经接单（{status}）。"
MEMBER_PROGRESS_SAVED = "已记录进展并告知居民：{number}。"
MEMBER_DONE = "已办结 {number}，已通知居民。现场照片可以直接发给我，会附在工单里。"
MEMBER_ALREADY_DONE = "工单 {number} 已经办结。"
MEMBER_TICKET_MERGED = "该工单 {number} 已合并到 {into}，请处理 {into}。"
MEMBER_TICKET_CANCELLED = "工单 {number} 已撤销，无需再处理。"
MEMBER_NEED_NOTE = "请说明{what}，例如“{example}”。"
MEMBER_TRANSFERRED = "已把 {number} 转派给{name}。"
LOCATION_UNIT_UNVERIFIED = "{location}（系统里这栋楼没有{unit}单元，请现场核实具体位置）"
MEMBER_TICKET_HANDED_ON = "工单 {number} 已转派给{name}，由对方处理，您无需再操作。需要补充情况请直接联系{name}。"
MEMBER_TRANSFER_UNKNOWN = "没有找到“{target}”。请写网格员姓名或部门名称，例如“转派 {number} 供水”。"
MEMBER_RETURNED = "已把 {number} 退回社区工作人员：{note}"
MEMBER_PHONE = "工单 {number} 报告人电话：{phone}（本次查看已记录）。"
MEMBER_PHONE_LIMIT = "一小时内查看电话次数已达上限，工单 {number} 的电话暂不显示（已记录）。如需联系居民请找社区工作人员。"
MEMBER_DETAIL = (
    "工单 {number}{urgent}：{status}\n类别：{category}\n地点：{location}\n描述：{description}\n"
    "报告人：{reporter} {phone}（共 {reporters} 位居民反映）\n附件：{media} 个\n记录：\n{events}"
)

ADDRESS_SAVED = "已记下您的地址：{label}。以后报修不说地址也能找到您家。"
ADDRESS_ASK = "好的，请告诉我您的新地址，例如“幸福里小区3栋2单元501”。回复“取消”可放弃。"
# "我住桂花苑": a home is kept by its building (the report path finds the estate through it), so ask for it.
ADDRESS_ASK_BUILDING = "请告诉我您住{estate}几栋，例如“{estate}3栋1单元101”。知道楼栋，以后报修不说地址也能找到您家。回复“取消”可放弃。"
ADDRESS_NOT_UNDERSTOOD = "没能识别出地址，请按“小区名+楼栋+单元+门牌”回复，例如“幸福里小区3栋2单元501”。"

# Ticket event kinds as admins and members read them.
TICKET_EVENT_NAMES = {
    "merged_into": "合并到",
    "merged_from": "合并自",
    "split": "拆分出",
    "split_from": "拆分自",
    "created": "登记",
    "assigned": "派单",
    "queued": "进入社区待派队列",
    "joined": "邻居关联反映",
    "media": "补充附件",
    "detail": "补充说明",
    "accepted": "接单",
    "progress": "处理中",
    "done": "办结",
    "transferred": "转派",
    "returned": "退回",
    "urged": "催办",
    "phone_viewed": "查看电话",
    "phone_refused": "查看电话超过次数，已拒绝",
    "reminded": "到期提醒",
    "escalated": "超时升级",
    "deescalated": "降级",
    "reported_in": "部门报到",
    "overdue": "超时",
    "waiting": "待居民补充",
    "resumed": "居民已补充",
    "rating_asked": "请居民评价",
    "rated": "居民评价",
    "rating_comment": "评价意见",
    "reopened": "居民不满意，重新办理",
    "closed_default": "默认满意办结",
    "urgent_alert": "紧急通知",
    "rung_skipped": "跳过无人层级",
    "acknowledged": "确认收到",
    "ack_escalated": "无人确认，加急通知",
    "no_danger": "居民回复现在没有危险",
    "withdrawn": "居民撤销",
    "reporter_left": "居民撤回关联反映",
    "unjoined": "居民表示不是同一问题，单独登记",
    "closed": "关闭",
    "place_changed": "位置更正",
}


# -- DEADLINES, 吹哨报到 ESCALATION, URGENT TICKETS, RATING (issue 6) -----------------------
EMERGENCY_NUMBERS = "紧急电话：火警 119｜急救 120｜报警 110{gas}"
EMERGENCY_GAS_LINE = "｜燃气抢修 {phone}"
URGENT_DEFAULT_INSTRUCTIONS = "请先确保人身安全，远离危险处，必要时立即拨打电话求助。"
URGENT_CREATED = (
    "⚠️ 紧急情况请先确保安全！\n{instructions}\n{numbers}\n"
    "已登记紧急工单 {number}（{location}），{notified}，{due} 前响应。"
)
URGENT_CREATED_ASK_LOCATION = (
    "⚠️ 紧急情况请先确保安全！\n{instructions}\n{numbers}\n"
    "已登记紧急工单 {number}，{notified}。请马上告诉我具体位置（如“3栋2单元502”），方便人员赶到。"
)
URGENT_NOTIFIED = "已同时通知{handlers}，有人确认收到会马上告诉您"
URGENT_NOTIFIED_NOBODY = "暂时没能联系到值班人员，请务必先拨打上面的紧急电话"
URGENT_FURTHER_NOTED = "您说的“{categories}”问题也记下了，告诉我位置后一并登记。"
URGENT_LOCATION_SAVED = "已把位置“{location}”补充到紧急工单 {number}，已通知{handlers}。请注意安全！"
URGENT_LOCATION_SAVED_NOBODY = (
    "已把位置“{location}”补充到紧急工单 {number}，但暂时没能联系到处理人员，请务必拨打上面的紧急电话。请注意安全！"
)
URGENT_WHO_MEMBER = "网格员"
URGENT_WHO_STAFF = "社区值班人员"
URGENT_WHO_LAST = "{first}和{last}"
URGENT_ALERT = (
    "【紧急工单】{number}\n类别：{category}\n地点：{location}\n描述：{description}\n"
    "报告人：{reporter} {phone}\n请立即回复“收到 {number}”确认收到，到场处理请回复“接单 {number}”。"
    "{due} 前无人确认将继续加急通知。"
)

REMINDER = "【即将超时】工单 {number}（{category}，{location}）须在 {due} 前{what}，请尽快处理。"
REMINDER_WHAT = {"accept": "接单", "resolve": "办结", "report_in": "报到"}
ESCALATION_RUNGS = {1: "社区工作人员", 2: "{department}", 3: "街道"}
ESCALATION_REASONS = {
    "accept": "超过接单时限未接单",
    "resolve": "超过办结时限未办结",
    "report_in": "部门超过报到时限未报到",
    "unsatisfied": "居民表示问题未解决",
    "admin": "管理员升级",
}
ESCALATED = (
    "【{title}】工单 {number}{urgent}：{reason}，现由{rung}督办。\n类别：{category}\n地点：{location}\n"
    "描述：{description}\n报告人：{reporter} {phone}\n处理记录：\n{history}\n{action}"
)
ESCALATED_TITLES = {1: "超时升级", 2: "社区吹哨", 3: "街道督办"}
ESCALATED_TITLE_MANUAL = "人工升级"  # level 1 by an admin: nothing was overdue
# An escalation's name in histories, by its reason when it was not a missed deadline.
ESCALATION_EVENT_NAMES = {"admin": "人工升级", "unsatisfied": "居民不满意升级"}
# A missed deadline's escalation in histories, by the rung it reached (吹哨 to the department, the street).
ESCALATION_LEVEL_EVENT_NAMES = {1: "超时升级", 2: "社区吹哨", 3: "街道督办"}
ESCALATED_ACTIONS = {
    1: "请在 {due} 前处理：回复“接单 {number}”或“转派 {number} 部门”。",
    2: "请在 {due} 前回复“报到 {number}”确认接手。",
    3: "请督促责任部门尽快办结，回复“详情 {number}”查看工单。",
}
TICKET_NOTE_ESCALATED = "您反映的问题（工单 {number}）已升级由{rung}督办，我们会继续跟进。"
TICKET_NOTE_REPORTED_IN = "您反映的问题（工单 {number}）已由{department}报到接手处理。"

REPORT_IN_DONE = "已报到：{number}。请在 {due} 前办结，完成后回复“完成 {number} 说明”。"
REPORT_IN_NOT_NEEDED = "工单 {number} 没有吹哨到部门，不需要报到。需要接手请回复“接单 {number}”。"
REPORT_IN_ALREADY = "工单 {number} 已经报到过了（{at}）。"
TRANSFER_NO_CONTACTS = (
    "{department}目前没有可联系的工作人员，工单 {number} 未转派。"
    "可改转其他部门，或回复“退回 {number} 原因”交社区工作人员处理。"
)
REPORT_IN_NOT_YOURS = "工单 {number} 现由{rung}督办，需由{rung}的工作人员回复“报到 {number}”。您这边无需报到，如需协助请联系社区工作人员。"

MEMBER_WAITING = "已请居民补充：{number}。居民回复前，时限暂停计算。"
TICKET_NOTE_WAITING = "处理人员需要您补充信息（工单 {number}）：{note}\n请直接回复文字或发送照片。"
TICKET_WAITING_ANSWERED = "已把您的补充记入工单 {number}，处理人员会继续办理。"

RATING_QUESTION = "问题解决了吗？（工单 {number}，{category}·{location}）"
RATING_OPTIONS = {"1": "满意", "2": "基本满意", "3": "不满意"}
RATING_TAIL = "点选一项，或回复 1 / 2 / 3。"
RATING_TEXT = "问题解决了吗？（工单 {number}，{category}·{location}）\n请回复：1 满意｜2 基本满意｜3 不满意"
RATING_TEMPLATE_REMARK = "请在公众号聊天中回复：1 满意｜2 基本满意｜3 不满意"
RATING_THANKS = {
    "satisfied": "感谢您的评价（满意）！工单 {number} 已办结。",
    "basic": "感谢您的评价（基本满意）！工单 {number} 已办结，我们会继续改进。",
}
# A bare rating ("1", a menu tap) opens a comment window (handlers/tickets/chat.py): the thanks says so.
RATING_COMMENT_INVITE = "如果愿意，可以直接回复一句话说说哪里好、哪里需要改进。"
RATING_THANKS_INVITE = {value: thanks + RATING_COMMENT_INVITE for value, thanks in RATING_THANKS.items()}
RATING_REOPENED = "抱歉问题还没解决！工单 {number} 已重新办理，并升级由{rung}督办。"
RATING_REOPENED_INVITE = RATING_REOPENED + "如果愿意，可以直接回复一句话说说哪里还没解决，我们会转告处理人员。"
RATING_ALREADY = "工单 {number} 已经评价过了，谢谢！如问题仍在，请回复“没修好”。"
RATING_ALREADY_REOPENED = "工单 {number} 已经重新办理，正由{rung}督办，进展会通知您。"
RATING_NOTHING = "您目前没有待评价的工单。如有新问题，请直接描述问题和地址。"
TICKET_CLOSED_DISPUTED = (
    "工单 {number} 是社区工作人员核实后关闭的：{status}。\n"
    "如果问题其实还在，请直接重新描述问题和地址（例如“3栋2单元楼道灯不亮”），我们会重新登记；也可以回复“人工”联系工作人员。"
)
RATING_WORDS = {
    "1": "satisfied", "满意": "satisfied", "非常满意": "satisfied", "很满意": "satisfied",
    "2": "basic", "基本满意": "basic", "还行": "basic", "一般": "basic",
    "3": "unsatisfied", "不满意": "unsatisfied", "没修好": "unsatisfied", "没解决": "unsatisfied",
    "还没修好": "unsatisfied", "还没解决": "unsatisfied", "还是坏的": "unsatisfied", "没有修好": "unsatisfied",
}
RATING_NAMES = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意", "default": "默认满意"}
LOCATION_UNKNOWN = "未说明"
ROLE_MEMBER = "网格员"
ACTOR_SYSTEM = "系统"
ACTOR_ADMIN = "管理员{name}"
LOCAL_TIME_FORMAT = "%m月%d日 %H:%M"


# -- TICKETS: notes written into the ticket history, labels built in code --------------------
EVENT_NOTE_QUEUED = "无网格或网格员不在岗"
WORKER_TITLE = "{role}{name}"


# -- ESCALATION: the ladder's words and history notes ----------------------------------------
ESCALATION_DEPARTMENT_FALLBACK = "责任部门"
EVENT_NOTE_ESCALATED = "{reason}，升级至{rung}"
EVENT_NOTE_DEESCALATED = "降至{rung}"
EVENT_NOTE_RUNG_NO_DEPARTMENT = "该类别没有责任部门，不吹哨，直接升级"
EVENT_NOTE_RUNG_IS_STREET = "该类别的责任部门就是街道，直接由街道督办"
EVENT_NOTE_RUNG_NOBODY = "{rung}没有可通知的联系人，跳过此级"
EVENT_NOTE_RUNG_FALLBACK = "{rung}没有可通知的联系人，改为通知社区工作人员"


# -- TICKETS, residents' side: fallbacks and history notes built in handlers ------------------
LOCATION_PIN_UNNAMED = "位置消息"
MEDIA_WHAT_FALLBACK = "附件"
ESTATE_EXAMPLE_FALLBACK = "幸福里小区"
ESTATE_EXAMPLE_ADDRESS = "{estate}3栋2单元"
TICKET_DESCRIPTION_WITH_DETAIL = "{description}\n补充：{note}"


# -- URGENT tickets: handler-built words ------------------------------------------------------
URGENT_LOCATION_ASKING = "未说明（正在询问居民）"
EVENT_NOTE_LOCATION = "位置：{label}"


# -- URGENT tickets: an ambiguous one is confirmed with one tap (issue 11) -------------------------
URGENT_CONFIRM_QUESTION = "现在是否正在发生危险？回复 1 是 / 2 否"
URGENT_CONFIRM_ASK = "⚠️ 请先确保安全！\n{instructions}\n{numbers}\n" + URGENT_CONFIRM_QUESTION
URGENT_CONFIRM_WILL_ESCALATE = "\n{minutes}分钟内没有回复，我们会按紧急情况通知值班人员。"
URGENT_CONFIRM_OPTIONS = {"1": "是，正在发生", "2": "否，没有危险"}
URGENT_CONFIRM_TAIL = "点选一项，或回复 1 / 2。情况紧急请直接拨打 119 / 120 / 110。"
URGENT_CONFIRM_TEMPLATE_REMARK = "请在公众号聊天中回复：1 是｜2 否"
# The answers, after dropping spaces and punctuation (a menu tap sends the option's words; the
# first part before a comma counts too: "是，正在冒烟", "没有，谢谢").
URGENT_CONFIRM_WORDS = {
    "1": "yes", "1是": "yes", "是": "yes", "是的": "yes", "是啊": "yes", "对": "yes", "对的": "yes", "对啊": "yes",
    "嗯": "yes", "嗯嗯": "yes", "正在": "yes", "正在发生": "yes", "是正在发生": "yes", "还在": "yes", "有": "yes",
    "有危险": "yes", "危险": "yes", "快来": "yes", "快来人": "yes",
    "2": "no", "2否": "no", "否": "no", "不是": "no", "不是的": "no", "没有": "no", "没有了": "no", "没": "no",
    "没事": "no", "没事了": "no", "没危险": "no", "没有危险": "no", "否没有危险": "no", "不危险": "no",
    "好了": "no", "已经好了": "no", "不用": "no", "不用了": "no", "误报": "no", "虚惊一场": "no",
}
URGENT_CONFIRM_AGAIN = "请先回答：" + URGENT_CONFIRM_QUESTION + "。\n情况紧急请直接拨打：{numbers}"
URGENT_CONFIRM_PLACE_NOTED = "已记下位置：{location}。"
URGENT_CONFIRM_STILL_OPEN = "（刚才的问题还在：" + URGENT_CONFIRM_QUESTION + "）"
URGENT_CONFIRM_NO = "好的，没有危险就好。"
URGENT_CONFIRM_NO_NOTHING = "好的，没有危险就好。如需报修或咨询，请直接告诉我具体问题。"
URGENT_CONFIRM_LATE_YES = "已经按紧急情况处理：紧急工单 {number}。{status}"
URGENT_CONFIRM_LATE_NO = "好的，已告诉处理人员您说现在没有危险（紧急工单 {number}）。"
URGENT_CONFIRM_TIMEOUT = (
    "您刚才说“{text}”，{minutes}分钟内没有收到您的回复。为了安全，已按紧急情况登记紧急工单 {number}，{notified}。\n"
    "{instructions}\n{numbers}"
)
URGENT_CONFIRM_TIMEOUT_ASK_LOCATION = "\n请马上告诉我具体位置（如“3栋2单元502”），方便人员赶到。"
URGENT_TASK_NO_DANGER = "【紧急工单】{number} 报告人回复：现在没有危险。请核实后处理。"

# -- URGENT tickets: a report that joins one already open, and where its alert stands ----------------
URGENT_JOINED = (
    "⚠️ 紧急情况请先确保安全！\n{instructions}\n{numbers}\n"
    "附近刚刚已有人报告同一紧急情况，已把您的报告并入紧急工单 {number}（{location}）。{status}"
)
URGENT_REPEAT = "⚠️ 请先确保安全！\n{instructions}\n{numbers}\n您刚才已报告过（紧急工单 {number}）。{status}"
URGENT_STATUS_ACKED = "{who}已确认收到。"
URGENT_STATUS_WAITING = "已通知{handlers}，还没有人确认收到，我们正在继续加急通知。"
URGENT_STATUS_NOBODY = "暂时还没有工作人员确认收到，请务必先拨打上面的紧急电话。"

# -- URGENT tickets: every alert acknowledged (收到 T…) or taken further ------------------------------
TICKET_TASK_ACK = "\n⚠️ 紧急工单：请立即回复“收到 {number}”确认收到，无人确认将继续加急通知。"
ACK_DONE = "已确认收到紧急工单 {number}，已告诉居民。到场处理请回复“接单 {number}”。"
ACK_ALREADY = "您已经确认收到过紧急工单 {number}。"
ACK_NOT_URGENT = "工单 {number} 不是紧急工单，不需要确认收到；接手请回复“接单 {number}”。"
ACK_WHO = {
    "member": "网格员{name}", "staff": "社区工作人员{name}", "department": "{department}{name}", "other": "{name}",
}
URGENT_NOTE_ACK_COMING = "{who}已收到您的紧急求助（工单 {number}），正在赶来。"
URGENT_NOTE_ACK_HANDLING = "{who}已收到您的紧急求助（工单 {number}），正在处理。"
URGENT_ALERT_AGAIN = (
    "【紧急·无人确认】{number}（第{round}次加急）\n类别：{category}\n地点：{location}\n描述：{description}\n"
    "报告人：{reporter} {phone}\n已通知的人员{minutes}分钟内都没有确认收到。"
    "请立即回复“收到 {number}”确认，到场处理请回复“接单 {number}”。"
)
URGENT_NOTE_NO_ACK = "紧急工单 {number}：已通知的工作人员还没有确认收到，已再次加急通知{who}。请务必先拨打紧急电话：\n{numbers}"
URGENT_NOTE_NO_ACK_NOBODY = (
    "紧急工单 {number}：暂时还没有工作人员确认收到，也没能联系到更多人员。请务必立即拨打紧急电话：\n{numbers}"
)
EVENT_NOTE_ACK_ESCALATED = "{minutes}分钟内无人确认收到，第{round}次加急：通知{who}"
EVENT_NOTE_ACK_NOBODY = "{minutes}分钟内无人确认收到，第{round}次加急：没有更多可通知的人员"
ACK_RUNG_WORDS = {"street": "街道", "again": "已通知人员"}


# -- MEMBERS: prompts for a command's note, task ages, defaults --------------------------------
MEMBER_NOTE_PROGRESS = "处理进展"
MEMBER_EXAMPLE_PROGRESS = "处理中 T20261122-0001 已联系物业，明天上午维修"
MEMBER_NOTE_COMPLETE = "处理结果"
MEMBER_EXAMPLE_COMPLETE = "完成 T20261122-0001 已更换灯泡"
MEMBER_NOTE_TRANSFER = "转给谁"
MEMBER_EXAMPLE_TRANSFER = "转派 T20261122-0001 供水"
MEMBER_NOTE_RETURN = "退回原因"
MEMBER_EXAMPLE_RETURN = "退回 T20261122-0001 不属于本网格"
MEMBER_NOTE_WAIT = "需要居民补充什么"
MEMBER_EXAMPLE_WAIT = "待补充 T20261122-0001 请拍一张漏水位置的照片"
MEMBER_DONE_DEFAULT_NOTE = "问题已处理"
MEMBER_NOTE_CLOSE = "关闭原因"
MEMBER_EXAMPLE_CLOSE = "关闭 {number} 误报，现场核实没有这个问题"
MEMBER_CLOSED = "已关闭工单 {number}（{note}），已告知反映的居民。"
MEMBER_CLOSE_STAFF_ONLY = (
    "关闭工单要由社区工作人员核实后操作。如果是误报或不归本网格，请回复“退回 {number} 原因”，"
    "例如“退回 {number} 误报，现场没有这个问题”，社区工作人员会核实处理。"
)
MEMBER_CLOSE_NOT_OPEN = "工单 {number}：{status}，不需要再关闭。"
# "撤销 T…" from a worker: withdrawing is the reporter's; the worker's words for it are these.
MEMBER_WITHDRAW_STAFF = (
    "“撤销”是居民撤回自己报修用的。工单 {number} 如果是误报或不需要处理，请回复“关闭 {number} 原因”，"
    "例如“关闭 {number} 误报，现场核实没有这个问题”；反映的居民会收到通知。"
)
MEMBER_WITHDRAW_MEMBER = (
    "“撤销”是居民撤回自己报修用的。工单 {number} 如果是误报或不归本网格，请回复“退回 {number} 原因”，"
    "社区工作人员会核实处理。"
)
MEMBER_QUEUE_HEAD = "社区待派（{count}张，还没有人接，可回复“接单 工单号”或“转派 工单号 姓名”）："
TICKET_NOTE_CLOSED_BY_WORKER = (
    "您反映的问题（工单 {number}）经{name}核实，已关闭：{note}\n"
    "感谢您的反映！如果问题其实还在，请随时再告诉我们。"
)
TICKET_TASK_CLOSED = "【已关闭】工单 {number}（{category}·{location}）已由{name}关闭：{note}\n无需再处理。"
MEMBER_TASK_AGE_HOURS = "{hours}小时前"
MEMBER_TASK_AGE_NEW = "刚刚"

# -- doctor: the tickets capability's health checks --------------------------------------------
HEALTH_UNOWNED_CATEGORIES = "这些报修类别没有责任部门，超期后“吹哨”无人报到：{categories}。处理：在部门设置中为它们指定责任部门（API /api/v1/departments 的 categories）"
HEALTH_GRIDS_WITHOUT_DUTY = "这些网格没有在岗网格员，新工单无人接收：{grids}。处理：添加网格员或把现有网格员设为在岗（API /api/v1/members）"

# -- FOLLOW-UPS (issue 10, point 5): ratings in plain language, withdrawal, "不是一回事" ----------
# A reply to "问题解决了吗？" in the resident's own words: the first list holding one of its words decides
# (unsatisfied before partly before satisfied: "没修好" holds 修好, "修好了 就是还有点响" is partly).
RATING_CUES = {
    "unsatisfied": ("不太满意", "没修", "没弄好", "没弄", "没好", "没整好", "没解决", "没处理", "没人来", "没来人",
                    "还是不", "还是漏", "还是湿", "还是坏", "还是一样", "跟没修", "根本", "太差", "很差", "差劲", "差评",
                    "不行", "白修", "又坏", "又漏", "糊弄", "敷衍"),
    "basic": ("基本", "还行", "凑合", "一般般", "马马虎虎", "差不多", "还可以", "就是还", "就是有点", "还有点", "还有些"),
    "satisfied": ("修好了", "修好啦", "弄好了", "已经好了", "好了", "点赞", "挺快", "很快", "真快", "及时", "不错", "挺好",
                  "很好", "给力", "辛苦", "谢谢", "感谢", "棒"),
}
# Words that say the thing just fixed is still (or again) broken: the just-finished ticket, reopened.
STILL_BROKEN_CUES = ("还是不行", "还是坏", "还是没反应", "还是不好", "还是不亮", "还是不通", "还是没修好", "还是老样子",
                     "又坏了", "又不行", "又不亮", "又没反应", "又出问题", "还没修好", "没修好")
RATING_COMMENT_NOTE = "{rating}：{comment}"
RATING_COMMENT_KEPT = "您的意见已记在工单 {number} 上，会转告处理人员。谢谢！"
RATING_COMMENT_KEPT_SATISFIED = "您的意见已记在工单 {number} 上，谢谢！"
TICKET_TASK_RATING_COMMENT = "居民对工单 {number} 的评价（{rating}）：{comment}"

TICKET_PENDING_DROPPED = "好的，刚才说的“{category}”问题不登记了。以后有问题随时发消息给我。"
WITHDRAW_ASK = "要撤销工单 {number}（{category}·{location}）吗？回复“是”撤销；回复“不”继续办理。"
WITHDRAW_ASK_AFTER_CANCEL = ("工单 {number}（{category}·{location}）已经登记，会照常处理。\n"
                             "要撤销这张工单吗？回复“是”撤销；回复“不”继续办理。")
WITHDRAW_DONE = "好的，工单 {number} 已撤销。以后有问题随时发消息给我。"
WITHDRAW_LEFT = "好的，已不再为您跟进工单 {number}（其他邻居反映的问题还会继续处理）。"
WITHDRAW_KEPT = "好的，工单 {number} 继续办理，进展会及时通知您。"
WITHDRAW_NOT_OPEN = "工单 {number}：{status}，不需要撤销。"
WITHDRAW_NO_PREFIXES = ("不撤", "别撤", "不要撤", "不用撤", "先不", "留着", "还是留", "算了还是", "不是", "不", "别", "否", "没有")
WITHDRAW_YES_PREFIXES = ("是", "对", "嗯", "恩", "撤", "确定", "确认", "好", "行", "可以", "ok", "1", "要")
EVENT_NOTE_WITHDRAWN = "居民撤销：{reason}"
EVENT_NOTE_REPORTER_LEFT = "{name}撤回了关联的反映：{reason}"
TICKET_TASK_WITHDRAWN = "居民已撤销工单 {number}（{category}·{location}）：{reason}\n无需再处理。"

SPLIT_NOTHING = "没有找到您被关联的工单。如有新问题，请直接描述问题和地址。"
EVENT_NOTE_UNJOINED = "{name}表示不是同一个问题，已单独登记为工单 {number}"
SPLIT_DONE = "好的，不是同一个问题：已从工单 {old} 分开，{created}"

# -- a report's address that is not in the community's list; a report waiting for its place -------------
TICKET_ADDRESS_NOT_FOUND = "（系统里没有找到“{label}”这个地址，已照常登记，社区工作人员会核实具体位置。）"
TICKET_PENDING_NOT_FILED = ("您刚才说的“{category}”问题还没登记，所以还没有人上门：请先告诉我具体在哪里"
                            "（回复楼栋单元，例如“3栋2单元”，或发送位置），登记后会马上派给网格员。")
TICKET_PENDING_NOT_FILED_TOO = "（刚才说的“{category}”问题还没登记，还没有人上门：请先告诉我具体在哪里。）"
# The same, while "也在…吗？" awaits its yes or no: that question, again.
TICKET_PENDING_SAME_PLACE_TOO = ("（刚才说的“{category}”问题还没登记，还没有人上门：也在{location}吗？"
                                 "回复“是”登记在这里，或直接告诉我具体位置。）")

# -- "桂花苑" right after an urgent report placed by a bare building number: the place corrected --------
EVENT_NOTE_PLACE_CORRECTED = "居民更正位置：{old} → {new}"
URGENT_PLACE_CORRECTED = "已把紧急工单 {number} 的位置更正为“{location}”，已通知{handlers}。请注意安全！"
URGENT_PLACE_CORRECTED_NOBODY = ("已把紧急工单 {number} 的位置更正为“{location}”，但暂时没能联系到处理人员，"
                                 "请务必拨打 119 / 120 / 110。请注意安全！")
TICKET_TASK_PLACE_CORRECTED = "【位置更正】紧急工单 {number}（{category}）的位置是“{location}”（原登记为“{old}”）。"

CLAUSE_JOINER = "，"  # the report's own clauses, put back together for a ticket's description
MEMBER_REASON_LABELS = ("原因", "理由")  # typed along from the help text ("关闭 T… 原因"): not part of the reason
