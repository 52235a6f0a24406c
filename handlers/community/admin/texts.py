"""Words of the community capability's setup pages."""

MENU_COMMUNITY = "社区设置"
TITLE = "社区设置"

PAGE_TITLES = {
    "communities": "社区",
    "estates": "小区",
    "grids": "网格",
    "buildings": "楼栋",
    "places": "小区内的地点",
    "departments": "部门",
    "persons": "人员",
    "members": "网格员",
    "staff": "工作人员",
    "residents": "居民住址",
}

LABELS = {
    "id": "编号",
    "code": "编码",
    "name": "名称",
    "community": "社区",
    "estate": "小区",
    "grid": "网格",
    "number": "楼号",
    "units": "单元",
    "phone": "电话",
    "categories": "负责的类别",
    "office_address": "办公地址",
    "office_hours": "办公时间",
    "after_hours_phone": "下班后电话",
    "created_at": "创建时间",
    "person": "人员",
    "role": "角色",
    "on_duty": "在岗",
    "public_phone": "对居民公开的工作电话",
    "department": "部门",
    "title": "职务",
    "identities": "微信身份",
    "grids": "所在网格",
    "building": "楼栋",
    "unit": "单元",
    "room": "房号",
    "address": "住址",
    "updated_at": "更新时间",
    "kind": "类型",
    "aliases": "别名",
    "grids.grid": "网格",
    "grids.role": "角色",
    "grids.on_duty": "在岗",
    "identities.kind": "",
    "identities.value": "",
}
IDENTITY_KINDS = {"openid": "公众号", "unionid": "开放平台", "wecom": "企业微信"}

MEMBER_ROLES = {"primary": "主责（值班）", "backup": "备岗"}

# What each kind of named place is called (models.PlaceKind).
PLACE_KINDS = {
    "gate": "大门/出入口",
    "square": "广场",
    "garage": "地下车库",
    "parking": "地面停车场",
    "bins": "垃圾站",
    "parcel_locker": "快递柜",
    "fitness": "健身区",
    "road": "道路",
    "green": "绿地",
    "other": "其他",
}
PLACE_HINTS = {
    "name": "居民平时的叫法，例如：东门、中心广场、地下车库",
    "aliases": "其他叫法，用空格分隔，例如：东大门 东门口",
    "grid": "谁处理这里的问题；不选则用小区的网格",
}

HINTS = {
    "units": "用空格分隔，例如：1 2 3",
    "categories": "类别英文编码，用空格分隔（见“类别与时限”）",
    "identities": "JSON，例如 [{\"kind\": \"openid\", \"value\": \"oXXXX\"}]；kind 为 openid、unionid 或 wecom",
    "code": "稳定的英文编码，其他记录用它引用；创建后不要改",
}

BIND_CODES = "绑定码"
BIND_CODE_ISSUED = "已为 {name} 生成绑定码 {code}，{minutes} 分钟内有效。请让其在公众号或企业微信发送“绑定 {code}”。"
BIND_CODE_PERSON_UNKNOWN = "没有这个人员。"
