"""Topics: the events subscribers may hear of, whom each is for, and what they may filter on.

A topic is an event type another service publishes (docs/events.md). Its audience is who may see
the same thing through the gateway (``access.may_hear`` applies it):

- ``PUBLIC``: every subscriber (published results are public news);
- ``UNIT``: the union's reviewers and admins, the unit-scoped roles of the event's own unit, and
  the lead of the event's own studio (an organiser of one unit never hears another unit's news);
- ``TALENT_READERS``: those who read the talent pool (reviewers, admins, organisers).

A filter names a field of the event's data: ``unit`` (the organising unit of a competition, the
union of a studio), ``competition_id``, ``studio_id``, ``industry_chain`` (one chain, or any of a
talent's chains).
"""
from collections import namedtuple

PUBLIC, UNIT, TALENT_READERS = "public", "unit", "talent_readers"

Topic = namedtuple("Topic", "name_zh name_en audience fields")

# Each topic's filters: the field of its data each filter reads.
_COMPETITION = {"unit": "organising_unit", "competition_id": "competition_id",
                "industry_chain": "industry_chain"}
_STUDIO = {"unit": "unit", "studio_id": "studio_id", "industry_chain": "industry_chain"}
_TALENT = {"industry_chain": "industry_chains"}

TOPICS = {
    "competition.results_published": Topic("竞赛结果公布", "Competition results published", PUBLIC, _COMPETITION),
    "competition.contestant_awarded": Topic("选手获奖", "A contestant awarded", UNIT, _COMPETITION),
    "talent.admitted": Topic("入选高技能人才库", "Admitted to the talent pool", TALENT_READERS, _TALENT),
    "talent.updated": Topic("人才信息更新", "A talent updated", TALENT_READERS, _TALENT),
    "studio.rated": Topic("工作室星级评定生效", "A studio rated", UNIT, _STUDIO),
    "studio.rating_revoked": Topic("工作室摘牌", "A studio's rating revoked", UNIT, _STUDIO),
    "result.verified": Topic("创新成果核实", "An innovation result verified", UNIT, _STUDIO),
}
FILTERS = ("unit", "competition_id", "studio_id", "industry_chain")


def field_values(topic, data, name):
    """The values of the filter ``name`` in an event of ``topic`` (a set; empty when it has none)."""
    value = data.get(TOPICS[topic].fields[name])
    if isinstance(value, list):
        return {v for v in value if isinstance(v, str)}
    return {value} if isinstance(value, str) else set()
