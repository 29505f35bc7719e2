"""A demo edition of the evaluation framework, written for the demo (演示版，非官方文本).

Nothing here is the official text of the 全国文明城市测评体系 or copied from it: the projects, indicators,
contents and clauses below are plausible wording made up for the demo city, with the shape DOMAIN.md describes
(测评项目 → 指标 → 测评内容 → numbered 测评标准 with 测评方法; 9 fields holding 40 negative-list items and 41
evaluation-opinion items). Two years are offered so the comparison page has something to show: the 2026 demo
edition, and a 2023 one that lacks some contents, words some clauses differently and has a content 2026 dropped.

``demo_edition_sheets(year)`` gives the workbook's rows by sheet (``services.imports.SHEETS``); the demo and the
import page's "download the demo edition" write it with ``services.workbook`` and load it through the import.
"""

from __future__ import annotations

YEARS = (2023, 2026)
R, M, Q, NET, F, W = "听取汇报", "材料审核", "问卷调查", "网络调查", "实地考察", "整体观察"

# (code, project, weight, [(indicator, [(content, [(clause, [methods], method note)])])])
PROJECTS = [
    ("P1", "廉洁高效的政务环境", 12, [
        ("政务服务", [
            ("政务服务大厅规范运行", [("设立综合受理窗口，落实首问负责和一次性告知", [F, M], ""),
                                      ("办事指南公开，群众可在网上查询办理进度", [NET], ""),
                                      ("窗口人员文明用语、着装规范、态度热情", [F], "实景模拟")]),
            ("政务服务评价", [("建立政务服务好差评制度，差评有回访、有整改", [M], ""),
                              ("群众对政务服务效率满意", [Q], "街访")]),
        ]),
        ("依法行政", [
            ("行政执法公示", [("行政执法结果按规定向社会公开", [NET, M], ""),
                              ("执法人员持证上岗、文明执法", [F], "")]),
            ("领导干部学法用法", [("制定年度学法计划，学法记录齐全", [M, R], "")]),
        ]),
    ]),
    ("P2", "公正公平的法治环境", 12, [
        ("社会治安", [
            ("群众安全感", [("群众对社会治安状况满意", [Q], "入户"),
                            ("重点公共场所视频监控全覆盖", [F], "")]),
            ("矛盾纠纷化解", [("街道、社区设立调解组织并正常运转", [F, M], "")]),
        ]),
        ("普法宣传", [
            ("法治宣传阵地", [("社区设有法治宣传栏，内容定期更新", [F], ""),
                              ("开展宪法宣传周等主题活动", [M], "")]),
        ]),
    ]),
    ("P3", "诚实守信的市场环境", 12, [
        ("诚信建设", [
            ("信用信息公示", [("按规定公开行政许可和行政处罚信息", [NET], ""),
                              ("失信联合惩戒措施落实到位", [M], "")]),
            ("诚信经营", [("农贸市场设置公平秤并定期校验", [F], ""),
                          ("经营者明码标价、亮照经营", [F], "")]),
        ]),
        ("消费环境", [
            ("食品安全", [("餐饮单位公示许可证和量化分级等级", [F], ""),
                          ("群众对食品安全状况满意", [Q], "入户")]),
        ]),
    ]),
    ("P4", "健康向上的人文环境", 16, [
        ("思想道德", [
            ("公益广告", [("主次干道、公共场所公益广告数量充足、内容规范", [F], "沿主干道步行300米计数"),
                          ("公益广告设施无破损、无褪色", [W], "")]),
            ("道德模范宣传", [("开展身边好人评选并广泛宣传", [M, NET], "")]),
        ]),
        ("志愿服务", [
            ("志愿服务站点", [("公共场所设立志愿服务站并有人值守", [F], ""),
                              ("注册志愿者占城市常住人口比例达到要求", [M], "")]),
            ("新时代文明实践", [("实践站有场所、有队伍、有活动、有制度", [F, M], "")]),
        ]),
    ]),
    ("P5", "安居乐业的生活环境", 20, [
        ("市容环境", [
            ("主次干道", [("路面整洁，无暴露垃圾、无卫生死角", [F, W], ""),
                          ("无占道经营、店外经营", [F], ""),
                          ("无乱贴乱画、乱拉乱挂", [F], "")]),
            ("背街小巷", [("路面平整、路灯完好", [F], ""),
                          ("垃圾收集清运及时", [F], "")]),
            ("农贸市场", [("划行归市，地面干净无积水", [F], ""),
                          ("市场周边无马路市场", [F], "")]),
        ]),
        ("交通秩序", [
            ("文明交通", [("机动车礼让斑马线", [F], "实地观察"),
                          ("非机动车有序停放", [F, W], "")]),
            ("公共交通", [("公交站亭完好整洁", [F], ""),
                          ("群众对公共交通满意", [Q], "街访")]),
        ]),
        ("社区环境", [
            ("住宅小区", [("小区环境整洁，楼道无杂物堆放", [F], ""),
                          ("物业管理覆盖，无物业小区有人管理", [M], "")]),
            ("公共厕所", [("公厕干净无异味、设施完好", [F], "")]),
        ]),
    ]),
    ("P6", "可持续发展的生态环境", 10, [
        ("生态环境", [
            ("空气质量", [("空气质量优良天数达到年度目标", [M, R], "")]),
            ("垃圾分类", [("居民小区设置分类收集设施", [F], ""),
                          ("群众知晓并参与垃圾分类", [Q], "入户")]),
        ]),
        ("城市绿化", [
            ("绿地养护", [("公园绿地无黄土裸露，设施完好", [F], "")]),
        ]),
    ]),
    ("P7", "未成年人思想道德建设", 18, [
        ("校园及周边", [
            ("校园周边环境", [("学校周边200米内无网吧、游戏厅等经营场所", [F], ""),
                              ("上下学时段校门口交通秩序良好", [F], "实地观察"),
                              ("校园周边无销售三无食品和不良文具", [F], "")]),
            ("未成年人活动阵地", [("少年宫等活动场所正常开放", [F, M], "")]),
        ]),
        ("家庭教育", [
            ("家长学校", [("中小学建有家长学校并定期开展活动", [M], "")]),
        ]),
    ]),
]

FIELDS = [
    ("F1", "政务诚信"), ("F2", "社会治安"), ("F3", "安全生产"), ("F4", "生态环境"), ("F5", "食品药品"),
    ("F6", "公共卫生"), ("F7", "市容秩序"), ("F8", "网络舆情"), ("F9", "未成年人保护"),
]
NEGATIVE = {
    "F1": ["发生重大违纪违法案件并造成恶劣影响", "政府部门被列为失信被执行人", "发生重大群体性上访事件",
           "政务服务严重违规被上级通报", "测评材料弄虚作假"],
    "F2": ["发生重大刑事案件造成恶劣影响", "发生涉黑涉恶重大案件", "发生严重暴力袭警事件", "发生重大电信网络诈骗案件",
           "发生影响恶劣的个人极端事件"],
    "F3": ["发生重大安全生产事故", "发生重大火灾事故", "发生重大道路交通事故", "发生建筑施工重大事故",
           "发生危险化学品重大事故"],
    "F4": ["发生重大环境污染事件", "空气质量排名靠后被上级通报", "环保督察发现重大问题未整改", "发生饮用水水源地污染事件"],
    "F5": ["发生重大食品安全事故", "发生重大药品安全事件", "发生学校群体性食物中毒", "发生制售假冒伪劣重大案件"],
    "F6": ["重大公共卫生事件处置不力", "医疗机构发生重大医疗事故", "发生严重伤医事件", "发生传染病疫情瞒报漏报"],
    "F7": ["城市内涝造成人员伤亡", "发生窨井伤人事故", "城市管理重大问题被媒体曝光", "发生严重暴力执法事件",
           "测评期间大面积环境脏乱被曝光"],
    "F8": ["发生重大负面网络舆情", "主要媒体负面报道造成恶劣影响", "发生严重损害城市形象的网络事件",
           "网络谣言引发群体性事件"],
    "F9": ["发生严重侵害未成年人权益案件", "发生校园欺凌恶性事件", "发生学生溺水等安全事故", "校外培训机构发生重大违规事件"],
}
OPINION = {
    "F1": ["群众对政务服务效率的评价", "群众对干部作风的评价", "群众对政务公开的评价", "企业对营商环境的评价",
           "群众对热线诉求办理的评价"],
    "F2": ["群众对社会治安的评价", "群众对矛盾纠纷化解的评价", "群众对执法公正的评价", "群众对社区警务的评价"],
    "F3": ["群众对安全隐患整治的评价", "群众对消防设施的评价", "群众对道路交通安全的评价", "群众对电动车充电安全的评价",
           "群众对燃气使用安全的评价"],
    "F4": ["群众对空气质量的评价", "群众对水环境的评价", "群众对噪声治理的评价", "群众对垃圾分类的评价"],
    "F5": ["群众对食品安全的评价", "群众对农贸市场管理的评价", "群众对餐饮卫生的评价", "群众对药品安全的评价",
           "群众对价格秩序的评价"],
    "F6": ["群众对看病就医的评价", "群众对公共卫生服务的评价", "群众对公厕管理的评价", "群众对健身设施的评价"],
    "F7": ["群众对市容市貌的评价", "群众对背街小巷的评价", "群众对交通秩序的评价", "群众对停车管理的评价",
           "群众对城市绿化的评价"],
    "F8": ["网民对城市形象的评价", "群众对文明宣传的评价", "群众对志愿服务的评价", "群众对公益广告的评价",
           "群众对文明实践活动的评价"],
    "F9": ["家长对校园周边环境的评价", "群众对未成年人活动场所的评价", "学生对校园文化的评价",
           "家长对家庭教育指导的评价"],
}

# How the 2023 demo edition differs from 2026 (so the comparison has additions, removals and rewordings).
NEW_IN_2026 = {"P6.1.2", "P4.2.2", "N05"}  # contents and items 2023 lacks
REWORDED_2023 = {  # (criterion code, clause number) → the 2023 wording
    ("P5.1.1", 1): "路面干净，无垃圾",
    ("P7.1.1", 1): "学校周边不得设置网吧、游戏厅",
    ("P1.1.1", 2): "办事指南上墙公开",
    ("P4.1.1", 1): "主要道路设置公益广告",
}
# A content of 2023 that 2026 dropped, under indicator P3.2.
DROPPED_2023 = ("P3.2.2", "价格监管", [("重要商品和服务实行明码标价", [F], "")])


def demo_edition_sheets(year: int = 2026) -> dict[str, list[dict]]:
    """The demo edition of ``year`` as rows by sheet key (see ``services.imports.SHEETS``)."""
    if year not in YEARS:
        raise ValueError(f"the demo has editions for {YEARS}, not {year}")
    old = year == 2023
    sheets: dict[str, list[dict]] = {
        "edition": [{"code": f"DEMO-{year}", "name": f"演示版测评体系（非官方文本）{year}", "year": year, "demo": "是",
                     "note": "为演示编写的示例数据，并非《全国文明城市测评体系》官方文本，不得作为测评依据。"}],
        "projects": [], "indicators": [], "contents": [], "clauses": [], "fields": [], "negative": [], "opinion": [],
    }
    for p_code, p_name, weight, indicators in PROJECTS:
        sheets["projects"].append({"code": p_code, "name": p_name, "weight": weight})
        for i, (i_name, contents) in enumerate(indicators, 1):
            i_code = f"{p_code}.{i}"
            sheets["indicators"].append({"code": i_code, "domain": p_code, "name": i_name})
            listed = [(f"{i_code}.{n}", text, clauses) for n, (text, clauses) in enumerate(contents, 1)]
            if old and i_code == DROPPED_2023[0].rsplit(".", 1)[0]:
                listed.append(DROPPED_2023)
            for c_code, text, clauses in listed:
                if old and c_code in NEW_IN_2026:
                    continue
                points = round(weight / len(indicators) / len(contents), 2)
                sheets["contents"].append({"code": c_code, "indicator": i_code, "text": text, "points": points})
                for number, (clause, methods, note) in enumerate(clauses, 1):
                    wording = REWORDED_2023.get((c_code, number), clause) if old else clause
                    sheets["clauses"].append({"criterion": c_code, "number": number, "text": wording,
                                              "methods": "、".join(methods), "method_note": note})
    sheets["fields"] = [{"code": code, "name": name} for code, name in FIELDS]
    for key, items, prefix in (("negative", NEGATIVE, "N"), ("opinion", OPINION, "E")):
        n = 0
        for field_code, _name in FIELDS:
            for text in items[field_code]:
                n += 1
                code = f"{prefix}{n:02d}"
                if old and code in NEW_IN_2026:
                    continue
                sheets[key].append({"code": code, "domain": field_code, "text": text})
    return sheets
