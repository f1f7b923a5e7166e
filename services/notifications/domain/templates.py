"""What a message says: a subject and a text per kind of message, in Chinese (zh-CN, the default)
and English.

A message of a topic is rendered from the facts its event gives (``message_facts``: flat texts
and numbers, instants in Beijing time). A language without the template falls back to zh-CN, and
a fact an event lacks shows as "—": a subscriber never reads a raw key or a placeholder. The
templates name no personal ID number: events carry none in full, and the facts take only names.
"""
import datetime

from common.clock import BEIJING

DEFAULT_LANGUAGE = "zh-CN"
LANGUAGES = ("zh-CN", "en")
MISSING = "—"
ENDPOINT_DISABLED = "endpoint.disabled"
DIGEST = "digest"

TEMPLATES = {
    "competition.results_published": {
        "zh-CN": ("{competition_name}成绩公布", "{competition_name}（{year}年）{correction_zh}成绩已公布，"
                  "共{trade_events}个竞赛项目。公布时间：{published_at}（北京时间）。"),
        "en": ("Results published: {competition_name}", "The results of {competition_name} ({year}) "
               "are {correction_en}published: {trade_events} trade events. Published at {published_at} "
               "(Beijing time)."),
    },
    "competition.contestant_awarded": {
        "zh-CN": ("{name}获{competition_name}{prize_name}", "{employer}的{name}在{competition_name}"
                  "{trade}项目中获得{prize_name}，名次第{rank}名（共{finalists}名）。"),
        "en": ("{name} awarded in {competition_name}", "{name} of {employer} won {prize_name} in the "
               "{trade} event of {competition_name}: rank {rank} of {finalists}."),
    },
    "talent.admitted": {
        "zh-CN": ("{name}入选高技能人才库", "{employer}的{name}已入选高技能人才库，技能等级：{skill_level}。"),
        "en": ("{name} admitted to the talent pool", "{name} of {employer} has been admitted to the "
               "high-skill talent pool, skill level {skill_level}."),
    },
    "talent.updated": {
        "zh-CN": ("{name}的人才信息已更新", "高技能人才库中{employer}的{name}的信息已更新：{action}。"),
        "en": ("{name}'s talent record updated", "The talent record of {name} of {employer} was "
               "updated: {action}."),
    },
    "studio.rated": {
        "zh-CN": ("{studio_name}评定为{stars}星级", "{studio_name}在{round_name}中评定为{stars}星级"
                  "（{points}分），自{effective_at}（北京时间）起生效。"),
        "en": ("{studio_name} rated {stars} stars", "{studio_name} was rated {stars} stars ({points} "
               "points) in {round_name}, in effect from {effective_at} (Beijing time)."),
    },
    "studio.rating_revoked": {
        "zh-CN": ("{studio_name}星级被撤销", "{studio_name}原{stars_before}星级已被撤销，原因：{reason}。"
                  "撤销时间：{revoked_at}（北京时间）。"),
        "en": ("{studio_name}'s stars revoked", "The {stars_before} stars of {studio_name} were "
               "revoked: {reason}. Revoked at {revoked_at} (Beijing time)."),
    },
    "result.verified": {
        "zh-CN": ("{studio_name}的成果已核实", "{studio_name}的{kind_name}成果“{title}”已通过核实，"
                  "核实时间：{verified_at}（北京时间）。"),
        "en": ("{studio_name}: a result verified", "The result \"{title}\" of {studio_name} was "
               "verified at {verified_at} (Beijing time)."),
    },
    ENDPOINT_DISABLED: {
        "zh-CN": ("Webhook 地址已停用：{url}", "您的 webhook 地址 {url} 已于{disabled_at}（北京时间）停用，"
                  "原因：{reason}。停用期间的消息已保留，可在{enable_after}（北京时间）后重新启用并重放。"),
        "en": ("Webhook endpoint disabled: {url}", "Your webhook endpoint {url} was disabled at "
               "{disabled_at} (Beijing time): {reason}. Messages meanwhile are kept; it may be "
               "enabled again and they replayed after {enable_after} (Beijing time)."),
    },
    DIGEST: {
        "zh-CN": ("消息摘要（{date}）：{count}条", "截至{date}（北京时间），您订阅的主题共有{count}条新消息：\n{lines}"),
        "en": ("Digest ({date}): {count} messages", "{count} new messages on the topics you subscribed "
               "to, up to {date} (Beijing time):\n{lines}"),
    },
}
_INSTANTS = ("published_at", "effective_at", "revoked_at", "verified_at", "disabled_at", "enable_after")
_PASSED = ("competition_name", "year", "name", "employer", "trade", "prize_name", "rank",
           "finalists", "skill_level", "action", "studio_name", "round_name", "stars", "points",
           "stars_before", "reason", "kind_name", "title", "url")


class _Facts(dict):
    def __missing__(self, key):
        return MISSING


def beijing_time(value):
    """An ISO instant (or an aware datetime) as people in China read it: ``2026-06-09 00:00``."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return MISSING
    if not isinstance(value, datetime.datetime) or value.tzinfo is None:
        return MISSING
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def message_facts(data):
    """The facts the templates read of an event's data (or of an endpoint, for its notice)."""
    facts = {key: data[key] for key in _PASSED if data.get(key) is not None}
    facts.update({key: beijing_time(data[key]) for key in _INSTANTS if data.get(key) is not None})
    if isinstance(data.get("events"), list):
        facts["trade_events"] = len(data["events"])
    correction = bool(data.get("correction"))
    facts["correction_zh"] = "更正后的" if correction else ""
    facts["correction_en"] = "corrected and re" if correction else ""
    return facts


def digest_facts(entries, due_at):
    """The facts of a digest telling ``entries`` (each its ``occurred_at`` and ``subject``, in
    order), due at ``due_at``: one line per message, its time in Beijing time."""
    lines = "\n".join(f"· {beijing_time(e['occurred_at'])} {e['subject']}" for e in entries)
    return {"count": len(entries), "date": beijing_time(due_at)[:10], "lines": lines}


def render(kind, language, facts):
    """``{"subject", "text", "language"}`` of a message of ``kind`` in ``language`` (zh-CN when
    there is no template in it)."""
    templates = TEMPLATES[kind]
    if language not in templates:
        language = DEFAULT_LANGUAGE
    subject, text = templates[language]
    shown = _Facts(facts)
    return {"subject": subject.format_map(shown), "text": text.format_map(shown), "language": language}
