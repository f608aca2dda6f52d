"""The synthetic city: Ganzhou's member units, its 18 county-level governments, internal bodies and
non-member units with their staff, and the request categories with their deadlines (the policy table).

Unit ids of the small scripted demo (``U-ENV``, ``U-URBAN``, ``N-WATERCO``...) are part of it, so the
demo's scripts play on the same registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate
from random import Random

from cases.policy import CategoryRule, PolicyTable
from cases.units import UnitKind
from foundation.actors import Actor

CENTER_UNIT = "GZ-CENTER"
CITY_GOVERNMENT = "GZ-GOV"
COUNTY = "*county"
"""In a category's units: one of the county-level governments, by their weight."""
OTHER = "*other"
"""In a category's units: one of the departments without a category of their own."""


@dataclass(frozen=True)
class UnitSpec:
    id: str
    name: str
    kind: UnitKind = "member"
    weight: float = 1.0
    """For a county: its share of the cases that go to a county (about its population)."""
    parent_id: str | None = None
    superior_id: str | None = None
    late_rate: float = 0.03
    """How often the unit replies after its handling deadline (a few units are chronically late)."""


@dataclass(frozen=True)
class Category:
    name: str
    weight: float
    rule: CategoryRule
    units: tuple[tuple[str, float], ...]
    issues: tuple[str, ...]


CHRONIC = 0.22
"""The late rate of the chronically late units (so Art. 11(1) and 11(2) findings arise)."""

COUNTIES = (
    UnitSpec("U-ZG", "章贡区人民政府", weight=1.0),
    UnitSpec("U-NK", "南康区人民政府", weight=0.9, late_rate=CHRONIC),
    UnitSpec("U-GX", "赣县区人民政府", weight=0.6),
    UnitSpec("U-XF", "信丰县人民政府", weight=0.6),
    UnitSpec("U-DY", "大余县人民政府", weight=0.3),
    UnitSpec("U-SY", "上犹县人民政府", weight=0.3),
    UnitSpec("U-CY", "崇义县人民政府", weight=0.2),
    UnitSpec("U-AY", "安远县人民政府", weight=0.35),
    UnitSpec("U-DN", "定南县人民政府", weight=0.2),
    UnitSpec("U-QN", "全南县人民政府", weight=0.2),
    UnitSpec("U-ND", "宁都县人民政府", weight=0.7),
    UnitSpec("U-YD", "于都县人民政府", weight=0.9, late_rate=CHRONIC),
    UnitSpec("U-XG", "兴国县人民政府", weight=0.7),
    UnitSpec("U-HC", "会昌县人民政府", weight=0.5),
    UnitSpec("U-XW", "寻乌县人民政府", weight=0.3),
    UnitSpec("U-SC", "石城县人民政府", weight=0.3),
    UnitSpec("U-RJ", "瑞金市人民政府", weight=0.6),
    UnitSpec("U-LN", "龙南市人民政府", weight=0.4),
)

_DEPARTMENTS = (
    ("U-DRC", "市发展和改革委员会"), ("U-EDU", "市教育局"), ("U-SCI", "市科学技术局"), ("U-MIIT", "市工业和信息化局"),
    ("U-PSB", "市公安局"), ("U-CIVIL", "市民政局"), ("U-JUSTICE", "市司法局"), ("U-FINANCE", "市财政局"),
    ("U-HRSS", "市人力资源和社会保障局"), ("U-NATRES", "市自然资源局"), ("U-ENV", "市生态环境局"),
    ("U-HOUSING", "市住房和城乡建设局"), ("U-URBAN", "市城市管理局"), ("U-TRANSPORT", "市交通运输局"),
    ("U-WATER", "市水利局"), ("U-AGRI", "市农业农村局"), ("U-COMMERCE", "市商务局"),
    ("U-CULTURE", "市文化广电新闻出版旅游局"), ("U-HEALTH", "市卫生健康委员会"), ("U-VETERANS", "市退役军人事务局"),
    ("U-EMERGENCY", "市应急管理局"), ("U-AUDIT", "市审计局"), ("U-MARKET", "市市场监督管理局"), ("U-SPORTS", "市体育局"),
    ("U-STATS", "市统计局"), ("U-MEDICARE", "市医疗保障局"), ("U-FORESTRY", "市林业局"), ("U-RURAL", "市乡村振兴局"),
    ("U-APPROVAL", "市行政审批局"), ("U-PETITION", "市信访局"), ("U-HPF", "市住房公积金管理中心"),
    ("U-TAX", "国家税务总局赣州市税务局"), ("U-COOP", "市供销合作社"), ("U-WEATHER", "市气象局"), ("U-POST", "市邮政管理局"),
    ("U-TOBACCO", "市烟草专卖局"), ("U-FIRE", "市消防救援支队"), ("U-TRAFFIC", "市公安局交通警察支队"),
    ("U-CIVILDEF", "市人民防空办公室"), ("U-AFFAIRS", "市机关事务管理局"), ("U-SASAC", "市国有资产监督管理委员会"),
    ("U-ETHNIC", "市民族宗教事务局"), ("U-GRAIN", "市粮食和物资储备局"), ("U-DISABLED", "市残疾人联合会"),
    ("U-WOMEN", "市妇女联合会"), ("U-UNION", "市总工会"), ("U-YOUTH", "共青团赣州市委员会"),
    ("U-REALESTATE", "市不动产登记中心"), ("U-SOCSEC", "市社会保险服务中心"), ("U-DATA", "市大数据发展管理局"),
    ("U-ECODEV", "赣州经济技术开发区管委会"), ("U-RONGJIANG", "赣州蓉江新区管委会"), ("U-PORT", "赣州国际陆港管委会"),
    ("U-HIGHWAY", "市公路发展中心"), ("U-CDC", "市疾病预防控制中心"), ("U-INVEST", "市投资促进局"),
    ("U-FINREG", "市金融工作局"), ("U-ARCHIVES", "市档案馆"), ("U-GARDEN", "市园林绿化管理中心"),
    ("U-EXPROPRIATION", "市房屋征收与补偿中心"), ("U-MARKETS", "市农贸市场管理中心"), ("U-LEGAL-AID", "市法律援助中心"),
)
DEPARTMENTS = tuple(
    UnitSpec(unit_id, name, late_rate=CHRONIC if unit_id == "U-HOUSING" else 0.03) for unit_id, name in _DEPARTMENTS
)
INTERNALS = (
    UnitSpec("U-ENV-LAW", "市生态环境局执法支队", "internal", parent_id="U-ENV"),
    UnitSpec("U-URBAN-LAW", "市城市管理综合行政执法支队", "internal", parent_id="U-URBAN"),
    UnitSpec("U-MARKET-LAW", "市市场监管综合行政执法支队", "internal", parent_id="U-MARKET"),
    UnitSpec("U-ZG-JF", "章贡区解放街道办事处", "internal", parent_id="U-ZG"),
    UnitSpec("U-ZG-NW", "章贡区南外街道办事处", "internal", parent_id="U-ZG"),
    UnitSpec("U-NK-DS", "南康区东山街道办事处", "internal", parent_id="U-NK"),
)
NON_MEMBERS = (
    UnitSpec("N-POWER", "国网赣州供电公司", "non_member", superior_id="U-DRC"),
    UnitSpec("N-WATERCO", "赣州水务集团", "non_member", superior_id="U-WATER", late_rate=0.06),
    UnitSpec("N-GAS", "赣州燃气集团", "non_member", superior_id="U-URBAN"),
    UnitSpec("N-TELECOM", "中国电信赣州分公司", "non_member", superior_id="U-MIIT"),
    UnitSpec("N-MOBILE", "中国移动赣州分公司", "non_member", superior_id="U-MIIT"),
    UnitSpec("N-UNICOM", "中国联通赣州分公司", "non_member", superior_id="U-MIIT"),
    UnitSpec("N-BUS", "赣州公交集团", "non_member", superior_id="U-TRANSPORT"),
)

CATEGORIES = (
    Category("城市管理", 14, CategoryRule(working_days=5, urgent_working_days=3),
             (("U-URBAN", 25), ("U-URBAN-LAW", 10), ("U-ZG-JF", 5), ("U-ZG-NW", 5), (COUNTY, 55)),
             ("占道经营", "违章搭建", "垃圾清运不及时", "路灯损坏", "井盖缺失", "夜间施工噪音")),
    Category("住房建设", 10, CategoryRule(working_days=10),
             (("U-HOUSING", 35), ("U-EXPROPRIATION", 5), ("U-REALESTATE", 5), (COUNTY, 55)),
             ("物业服务纠纷", "电梯长期停用", "房屋质量问题", "老旧小区改造", "安置房交房延迟")),
    Category("劳动保障", 8, CategoryRule(working_days=10),
             (("U-HRSS", 35), ("U-SOCSEC", 10), ("U-LEGAL-AID", 3), (COUNTY, 52)),
             ("拖欠农民工工资", "社保缴纳", "劳动合同纠纷", "失业金申领")),
    Category("市场监管", 8, CategoryRule(working_days=7),
             (("U-MARKET", 40), ("U-MARKET-LAW", 10), ("U-MARKETS", 5), (COUNTY, 45)),
             ("食品安全", "价格欺诈", "网购消费纠纷", "虚假宣传")),
    Category("环境保护", 6, CategoryRule(working_days=5, emergency_response_hours=2),
             (("U-ENV", 45), ("U-ENV-LAW", 15), (COUNTY, 40)),
             ("企业偷排污水", "餐饮油烟扰民", "化工异味", "河道污染")),
    Category("交通运输", 6, CategoryRule(working_days=5),
             (("U-TRANSPORT", 40), ("U-TRAFFIC", 25), ("U-HIGHWAY", 10), (COUNTY, 25)),
             ("出租车拒载", "道路破损", "违章停车", "客运班线调整")),
    Category("公共交通", 3, CategoryRule(working_days=5), (("N-BUS", 70), ("U-TRANSPORT", 30)),
             ("公交车晚点", "公交线路调整", "司机服务态度")),
    Category("教育", 6, CategoryRule(working_days=7), (("U-EDU", 50), (COUNTY, 50)),
             ("学位申请", "校外培训机构退费", "校车安全", "学校乱收费")),
    Category("医疗卫生", 5, CategoryRule(working_days=5, emergency_response_hours=1),
             (("U-HEALTH", 45), ("U-CDC", 5), (COUNTY, 50)),
             ("就医服务态度", "医疗纠纷", "疫苗接种", "医院收费")),
    Category("医疗保障", 3, CategoryRule(working_days=7), (("U-MEDICARE", 70), (COUNTY, 30)),
             ("医保报销", "异地就医备案", "医保卡办理")),
    Category("水务", 4, CategoryRule(working_days=3, emergency_response_hours=2),
             (("N-WATERCO", 50), ("U-WATER", 20), (COUNTY, 30)),
             ("停水未提前通知", "水压偏低", "主干道水管爆裂", "水费异常偏高")),
    Category("供电", 4, CategoryRule(working_days=3, emergency_response_hours=2), (("N-POWER", 85), ("U-DRC", 15)),
             ("频繁停电", "电压不稳", "电费异常")),
    Category("燃气", 2, CategoryRule(working_days=3, emergency_response_hours=1), (("N-GAS", 80), ("U-URBAN", 20)),
             ("燃气泄漏", "燃气费争议", "燃气开户安装")),
    Category("通信", 3, CategoryRule(working_days=5),
             (("N-TELECOM", 35), ("N-MOBILE", 40), ("N-UNICOM", 20), ("U-MIIT", 5)),
             ("手机信号差", "套餐资费纠纷", "宽带故障")),
    Category("治安", 5, CategoryRule(working_days=3, emergency_response_hours=1), (("U-PSB", 60), (COUNTY, 40)),
             ("邻里纠纷", "夜市噪音扰民", "电信诈骗", "户籍办理")),
    Category("消防安全", 1.5, CategoryRule(working_days=3, emergency_response_hours=1),
             (("U-FIRE", 60), ("U-EMERGENCY", 15), (COUNTY, 25)),
             ("消防通道堵塞", "消防设施损坏", "群租房安全隐患")),
    Category("自然资源", 3, CategoryRule(working_days=10), (("U-NATRES", 40), ("U-FORESTRY", 10), (COUNTY, 50)),
             ("违法占地", "征地补偿", "林地纠纷")),
    Category("农业农村", 3, CategoryRule(working_days=7), (("U-AGRI", 30), ("U-RURAL", 20), (COUNTY, 50)),
             ("农村道路破损", "种粮补贴", "农资质量", "农村饮水")),
    Category("民政", 3, CategoryRule(working_days=7),
             (("U-CIVIL", 40), ("U-DISABLED", 5), ("U-VETERANS", 10), (COUNTY, 45)),
             ("低保申请", "养老服务", "婚姻登记", "殡葬服务")),
    Category("公积金", 2, CategoryRule(working_days=5), (("U-HPF", 100),), ("公积金提取", "公积金贷款")),
    Category("税务", 1.5, CategoryRule(working_days=5), (("U-TAX", 100),), ("发票开具", "个税申报", "退税进度")),
    Category("政务服务", 2, CategoryRule(working_days=5), (("U-APPROVAL", 40), ("U-DATA", 20), (COUNTY, 40)),
             ("办事效率低", "证照办理", "网上办事系统故障")),
    Category("文化旅游", 1.5, CategoryRule(working_days=7), (("U-CULTURE", 50), ("U-SPORTS", 10), (COUNTY, 40)),
             ("景区服务", "文化场馆开放时间", "广场舞噪音")),
    Category("其他", 5, CategoryRule(working_days=5), ((OTHER, 70), (COUNTY, 30)),
             ("政策咨询", "意见建议", "工作人员服务态度")),
)

POLICY = PolicyTable(
    default_working_days=5,
    default_emergency_response_hours=2,
    categories={category.name: category.rule for category in CATEGORIES},
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程钟"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志远文斌晓东海燕"
LEADERS = ("王副市长", "李副市长", "刘副市长", "陈常务副市长")
AGENTS = 24
CENTER_STAFF = 8


def unit_handler(unit: str) -> Actor:
    return Actor(staff=f"{unit.lower()}-handler", unit=unit, roles=("unit_handler",))


def agent(n: int) -> Actor:
    return Actor(staff=f"agent-{n % AGENTS + 1:02d}", unit=CENTER_UNIT, roles=("agent",))


def center_clerk(n: int) -> Actor:
    return Actor(staff=f"center-{n % CENTER_STAFF + 1:02d}", unit=CENTER_UNIT, roles=("center",))


ADMIN = Actor(staff="admin-01", unit=CENTER_UNIT, roles=("admin",))
CITY = Actor(staff="gov-01", unit=CITY_GOVERNMENT, roles=("city_gov",))


@dataclass
class World:
    """The catalog, with what a draw needs precomputed (cumulative weights)."""

    units: dict[str, UnitSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for spec in (*COUNTIES, *DEPARTMENTS, *INTERNALS, *NON_MEMBERS):
            self.units[spec.id] = spec
        self.categories = CATEGORIES
        self._category_weights = list(accumulate(c.weight for c in CATEGORIES))
        self._county_ids = [c.id for c in COUNTIES]
        self._county_weights = list(accumulate(c.weight for c in COUNTIES))
        named = {unit for category in CATEGORIES for unit, _ in category.units}
        self._others = [d.id for d in DEPARTMENTS if d.id not in named]
        self._category_units = {
            c.name: ([u for u, _ in c.units], list(accumulate(w for _, w in c.units))) for c in CATEGORIES
        }

    @property
    def members(self) -> list[UnitSpec]:
        return [u for u in self.units.values() if u.kind == "member"]

    def category(self, rng: Random) -> Category:
        return rng.choices(self.categories, cum_weights=self._category_weights)[0]

    def lead_unit(self, category: Category, rng: Random) -> str:
        units, weights = self._category_units[category.name]
        return self.resolve(rng.choices(units, cum_weights=weights)[0], rng)

    def resolve(self, unit: str, rng: Random) -> str:
        if unit == COUNTY:
            return rng.choices(self._county_ids, cum_weights=self._county_weights)[0]
        if unit == OTHER:
            return rng.choice(self._others)
        return unit

    def co_units(self, category: Category, lead: str, rng: Random) -> list[str]:
        """One or two other units for a joint case: another unit of the category, or a county."""
        wanted = 1 if rng.random() < 0.75 else 2
        chosen: list[str] = []
        for _ in range(12):
            if len(chosen) == wanted:
                break
            candidate = self.lead_unit(category, rng) if rng.random() < 0.6 else self.resolve(COUNTY, rng)
            if candidate != lead and candidate not in chosen:
                chosen.append(candidate)
        return chosen
