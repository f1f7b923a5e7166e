"""Every template renders in both languages from its event's example; nothing raw shows."""
import datetime
import re

import pytest

from common.testing.contracts import EXAMPLES
from services.notifications.domain.templates import (DIGEST, ENDPOINT_DISABLED, LANGUAGES, TEMPLATES,
                                                     beijing_time, digest_facts, message_facts, render)
from services.notifications.domain.topics import TOPICS

ENDPOINT = {"url": "https://hr.example.com/hooks", "reason": "the target answered 410 Gone",
            "disabled_at": datetime.datetime(2026, 12, 3, 10, 0, tzinfo=datetime.timezone.utc),
            "enable_after": datetime.datetime(2026, 12, 3, 11, 0, tzinfo=datetime.timezone.utc)}


DIGESTED = [{"occurred_at": "2026-12-03T02:00:00.000+00:00", "subject": "王建国劳模创新工作室评定为4星级"},
            {"occurred_at": "2026-12-03T05:30:00.000+00:00", "subject": "张伟的人才信息已更新"}]


def example_facts(kind):
    if kind == ENDPOINT_DISABLED:
        return message_facts(ENDPOINT)
    if kind == DIGEST:
        return digest_facts(DIGESTED, "2026-12-03T10:00:00.000+00:00")
    _source, data = EXAMPLES[kind]
    return message_facts(data())


def test_every_topic_has_a_template_in_every_language():
    assert set(TOPICS) <= set(TEMPLATES)
    for kind, languages in TEMPLATES.items():
        assert set(languages) == set(LANGUAGES), kind


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_renders_its_example_with_every_fact_filled(kind, language):
    message = render(kind, language, example_facts(kind))
    assert message["language"] == language
    for text in (message["subject"], message["text"]):
        assert "—" not in text and not re.search(r"[{}]", text), text
    if language == "zh-CN":
        assert re.search(r"[\u4e00-\u9fff]", message["text"])


def test_an_unknown_language_falls_back_to_chinese_and_a_missing_fact_shows_a_dash():
    message = render("studio.rated", "fr", {"studio_name": "王建国劳模创新工作室"})
    assert message["language"] == "zh-CN"
    assert message["subject"] == "王建国劳模创新工作室评定为—星级"
    assert "{" not in message["text"]


def test_a_value_is_shown_as_it_is_never_read_as_a_template():
    message = render("result.verified", "en", {"studio_name": "{title}", "title": "{0.__class__}"})
    assert message["subject"] == "{title}: a result verified"
    assert '"{0.__class__}"' in message["text"]


def test_instants_are_shown_in_beijing_time():
    assert beijing_time("2026-06-08T16:00:00.000+00:00") == "2026-06-09 00:00"
    assert beijing_time("not a time") == "—" and beijing_time("2026-06-08T16:00:00") == "—"
    facts = example_facts("studio.rated")
    assert "2026-06-09 00:00" in render("studio.rated", "zh-CN", facts)["text"]


def test_a_digest_tells_each_message_on_a_line_in_beijing_time():
    message = render(DIGEST, "zh-CN", example_facts(DIGEST))
    assert message["subject"] == "消息摘要（2026-12-03）：2条"
    assert message["text"].splitlines()[1:] == ["· 2026-12-03 10:00 王建国劳模创新工作室评定为4星级",
                                                "· 2026-12-03 13:30 张伟的人才信息已更新"]
