"""The kinds of innovation result a studio submits, and what each kind requires.

Codes are the stored and published values; names are what unions print. A kind's ``required``
fields must be present when the result is submitted (a draft may lack them).
"""
INVENTION_PATENT = "invention_patent"
UTILITY_PATENT = "utility_patent"
DESIGN_PATENT = "design_patent"
FIVE_SMALL = "five_small"
TACKLING = "tackling"
OPERATING_METHOD = "operating_method"
RATIONALISATION = "rationalisation"
STANDARD = "standard"
TRAINING = "training"

KIND_NAMES = {
    INVENTION_PATENT: "发明专利",
    UTILITY_PATENT: "实用新型专利",
    DESIGN_PATENT: "外观设计专利",
    FIVE_SMALL: "五小成果",
    TACKLING: "技术攻关",
    OPERATING_METHOD: "先进操作法",
    RATIONALISATION: "合理化建议",
    STANDARD: "标准制定",
    TRAINING: "名师带徒 / 培训",
}
KINDS = tuple(KIND_NAMES)
PATENT_KINDS = (INVENTION_PATENT, UTILITY_PATENT, DESIGN_PATENT)

# 五小: 小发明 小革新 小改造 小设计 小建议.
FIVE_SMALL_KINDS = {"invention": "小发明", "innovation": "小革新", "retrofit": "小改造",
                    "design": "小设计", "suggestion": "小建议"}
STANDARD_LEVELS = ("enterprise", "group", "industry", "local", "national", "international")
