"""What the sweep tells residents about their tickets (joined updates, the 默认满意 close)."""

TICKET_UPDATES_JOINED = "您的工单有以下进展：\n{lines}"
TICKET_CLOSED_DEFAULT = (
    "工单 {number} 已办结：{days}天内没有收到您的评价，按“默认满意”处理。"
    "如问题还没解决，请直接重新反映，我们会重新办理。"
)
