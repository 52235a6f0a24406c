"""Words for places in an estate that are not buildings, and for "the same place as before".

Generic words are understood in any known estate even when it declares no such place
("小区西门", "广场上", "地下车库"); an estate's own names and aliases come from the database.
"""

from __future__ import annotations

ESTATE_PLACE_WORDS: dict[str, tuple[str, ...]] = {
    "gate": ("小区大门", "大门口", "大门", "正门", "东大门", "西大门", "南大门", "北大门", "东门", "西门", "南门", "北门",
             "侧门", "小区门口", "门岗", "保安室", "岗亭"),
    "square": ("广场", "小广场"),
    "garage": ("地下车库", "地下停车场", "地库", "车库"),
    "parking": ("停车场", "露天停车场", "地面停车位"),
    "bins": ("垃圾站", "垃圾房", "垃圾中转站", "垃圾分类亭", "垃圾收集点"),
    "parcel_locker": ("快递柜", "丰巢", "快递驿站", "菜鸟驿站"),
    "fitness": ("健身器材", "健身区", "健身场", "健身角", "健身路径"),
    "road": ("主干道", "小区主路", "主路", "小区道路", "小区路上", "路口", "小路", "人行道"),
    "green": ("绿化带", "草坪", "草地", "花坛", "花园", "绿地", "小树林"),
    "other": ("空地", "篮球场", "羽毛球场", "乒乓球台", "球场", "儿童乐园", "游乐场", "滑梯", "凉亭", "亭子", "长廊",
              "水池", "池塘", "喷泉", "假山", "围墙", "车棚", "自行车棚", "电瓶车棚", "充电桩", "充电棚", "活动室"),
}
"""Generic place words by kind (models.PlaceKind values), found in a message of a known estate."""

NOT_ESTATE_PLACE_BEFORE: tuple[str, ...] = ("单元", "楼", "栋", "幢", "家", "户", "电梯", "房", "屋", "室", "厨", "卫生间",
                                           "窗", "阳台", "家里", "家的", "屋里", "屋的", "房间", "卧室", "店", "铺")
"""A word right after one of these is part of a building or a home ("单元门口", "家门口", "楼花园"), not the estate's."""

PLACE_TOKENS: frozenset[str] = frozenset({"单元门口", "楼门口", "家门口", "大门口", "小区门口", "电梯口", "电梯间"})
"""Tokens that say where, never what: a keyword inside one (单元门 in 单元门口, 大门 in 大门口) is not the problem.

The user dictionary (data/dict/domain.txt) keeps them whole, so "2单元门口的灯坏了" is about the light."""

PROBLEM_STATE_WORDS: tuple[str, ...] = (
    "坏", "堵", "漏", "不亮", "没人", "满", "臭", "吵", "乱", "占", "破", "断", "塌", "掉", "不能", "不了", "没法",
    "故障", "停", "脏", "响", "不通", "积水", "裂", "歪", "倒", "锁", "丢", "偷", "着火", "冒烟", "不好使", "没用",
)
"""Words that tell something is wrong: "快递柜坏了" reports the locker, "桂花苑快递柜旁边" only says where."""

PLACE_TAIL_WORDS: tuple[str, ...] = (
    "那一块", "那一片", "那一带", "那块", "那片", "那边", "这边", "那儿", "那里", "这里", "旁边", "边上", "附近", "周围",
    "对面", "门口", "入口", "出口", "里面", "外面", "上面", "下面", "前面", "后面", "口", "里", "上", "边", "旁", "前",
    "后", "内", "外",
)
"""Words after a place word that still say where ("东门那边", "广场上", "车库入口"), kept with it."""

PLACE_LEAD_WORDS: tuple[str, ...] = (
    "后面那块", "前面那块", "旁边那块", "后面的", "前面的", "旁边的", "对面的", "后面", "前面", "旁边", "对面", "边上",
    "附近", "楼下", "楼前", "楼后", "那块", "那片", "那个", "的",
)
"""Words between a building and a place word ("4栋后面那块空地"): the place is near the building, not in it."""

INSIDE_A_BUILDING: tuple[str, ...] = ("楼道", "楼梯间", "楼梯口", "走廊", "过道", "单元门", "单元里", "电梯", "楼顶", "天台",
                                      "地下室", "家里", "家门口")
"""Where only a building's inside is: with a unit said too ("西门外面…推进楼道里充电 3栋1单元"), the building is the place."""

ESTATE_ANYWHERE: tuple[str, ...] = ("小区里面", "小区里", "院子里", "大院里")
"""Somewhere in the estate, no more precise: used only when no other place word is found."""

ESTATE_WORDS: tuple[str, ...] = ("小区",)
"""Said for "the estate" itself ("小区门口", "小区里"): the resident's own estate when it is known."""

EVERYWHERE_PHRASES: tuple[str, ...] = (
    "到处都是", "到处都有", "哪儿都是", "哪都是", "哪里都是", "哪都有", "整个小区", "全小区", "满小区", "小区到处",
)
"""An answer to "在…的哪里？" that says the whole estate ("到处都是", "整个小区都是")."""

SAME_PLACE_PHRASES: tuple[str, ...] = (
    "跟刚才一样", "和刚才一样", "跟刚才一个地方", "跟刚刚一样", "和刚刚一样", "跟之前一样", "和之前一样", "跟上次一样",
    "和上次一样", "跟刚才同一个", "同一个地方", "一样的地方", "还是那个地方", "还是那里", "还是那儿", "还是那边",
    "还是那个位置", "同一个位置", "同上", "地址同上", "同一地点",
)
"""The resident means the place of their last report ("跟刚才一样的地方", "还是那个地方")."""

ANSWER_FILLERS: tuple[str, ...] = (
    "不知道", "不清楚", "说不清", "忘了", "就在", "就是", "那个", "这个", "小区", "里面", "我们", "俺们", "咱们", "在",
    "是", "的", "啊", "呀", "吧", "呢", "哦", "嗯", "了", "那", "这", "就", "我", "俺", "家",
)
"""Words of an answer to "where is it?" that say no place; what is left after them and the estate is a place."""
