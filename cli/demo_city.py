"""The city the demo loads: Zhengzhou (郑州), its union, its industry chains with their trades and
employers, its counties, and the names of its people. Shared by the competitions and the studios
of `demo-data`.
"""
CITY = "郑州市"
UNIT = "zhengzhou-ftu"
UNION_NAME = "郑州市总工会"  # the unit: the city's federation of trade unions

# Industry chain -> (slug for ids, trades (工种) of its competition, employers of its workers).
# The trades are occupations of the national classification; the employers are made up.
CHAINS = {
    "超硬材料": ("superhard", ["磨料制造工", "磨具制造工", "工具钳工"], [
        "郑州华钻超硬材料有限公司", "郑州中原磨料磨具有限公司", "新郑金刚石工具有限公司",
        "荥阳立方氮化硼制品有限公司", "郑州三磨超硬刀具有限公司"]),
    "汽车制造": ("auto", ["汽车维修工", "汽车装调工", "涂装工", "电焊工"], [
        "郑州豫龙客车股份有限公司", "中牟汽车零部件有限公司", "郑州东风专用车有限公司",
        "郑州经开区汽车装配有限公司", "郑州宏达汽车服务有限公司"]),
    "智能传感器": ("sensor", ["半导体芯片制造工", "电子仪器仪表装配工", "仪器仪表维修工"], [
        "郑州中原传感技术有限公司", "郑州高新区智感电子有限公司", "金水区精测仪表有限公司",
        "郑州汉芯微电子有限公司"]),
    "机器人": ("robot", ["工业机器人系统操作员", "工业机器人系统运维员", "电工", "机修钳工"], [
        "郑州智造机器人有限公司", "郑州中原自动化装备有限公司", "二七区协作机器人有限公司",
        "郑州嵩山智能科技有限公司"]),
    "装备制造": ("equipment", ["数控车工", "数控铣工", "加工中心操作工", "钳工"], [
        "郑州重型机械有限公司", "郑州中原数控机床有限公司", "上街区精密机械厂",
        "巩义市阀门制造有限公司", "郑州矿山装备有限公司"]),
    "无人机": ("uav", ["无人机驾驶员", "无人机装调检修工", "电子设备装接工"], [
        "郑州航空港无人机有限公司", "郑州翔宇飞控科技有限公司", "新郑航空科技有限公司"]),
    "铝加工制品": ("aluminium", ["铝电解工", "金属轧制工", "热处理工"], [
        "巩义市恒泰铝板带有限公司", "郑州豫铝精深加工有限公司", "登封市铝型材有限公司",
        "上街区铝合金制品有限公司"]),
    "软件": ("software", ["计算机程序设计员", "计算机软件测试员", "网络与信息安全管理员"], [
        "郑州中原云软件有限公司", "郑州金水数字科技有限公司", "郑东新区信创软件有限公司",
        "郑州智慧城市信息技术有限公司"]),
    "人工智能": ("ai", ["人工智能训练师", "工业视觉系统运维员", "智能硬件装调员"], [
        "郑州中原人工智能研究院有限公司", "郑东新区数智科技有限公司", "郑州视觉智能科技有限公司"]),
}

# County-level codes of Zhengzhou for the first six digits of ID numbers.
REGIONS = ["410102", "410103", "410104", "410105", "410106", "410108", "410122", "410181",
           "410182", "410183", "410184", "410185"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
            "龚邵万钱严武戴孔汤")
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳振国建文志海东晨亮博豪"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲桂兰萍红梅琳燕洁颖雪慧倩婷琴云莉月晶欣悦佳蕾"


# An employer's county, by the place its name starts with; the others are in the city's districts.
_PLACES = {"巩义": "410181", "荥阳": "410182", "新郑": "410184", "登封": "410185", "中牟": "410122",
           "上街区": "410106", "二七区": "410103", "金水区": "410105", "郑东新区": "410105",
           "郑州航空港": "410184", "郑州经开区": "410104", "郑州高新区": "410108"}
_DISTRICTS = ("410102", "410103", "410104", "410105", "410108")


def region_of(employer):
    """The 6-digit administrative code of the county or district an employer is in."""
    for place, code in _PLACES.items():
        if employer.startswith(place):
            return code
    return _DISTRICTS[sum(map(ord, employer)) % len(_DISTRICTS)]


def person_name(rnd, male):
    given = GIVEN_MALE if male else GIVEN_FEMALE
    length = 2 if rnd.random() < 0.7 else 1
    return rnd.choice(SURNAMES) + "".join(rnd.choice(given) for _ in range(length))
