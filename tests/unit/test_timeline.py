"""A case's history as a Chinese timeline: labels, articles, actors and deadlines from the /history items."""

from __future__ import annotations

import re

from replay.timeline import article_zh, describe

CENTER = {"staff": "center-1", "unit": "C", "roles": ["center"]}


def test_articles_in_chinese() -> None:
    assert [article_zh(a) for a in ("7(1)", "11(12)", "6", "16", "x")] == ["第七条第（一）项", "第十一条第（十二）项", "第六条", "第十六条", "x"]


def test_a_line_names_the_event_its_article_actor_and_deadline() -> None:
    supervised = {
        "version": 2, "type": "SupervisionRequired", "recorded_at": "2026-10-16T11:16:00+08:00", "actor": {"staff": "system:timekeeper", "roles": []},
        "data": {"ground": {"ground": "6(3)", "article": "6(3)", "reason": "handling deadline lapsed", "round": 1, "at": "2026-10-17T00:00:00+08:00"}},
    }
    line = describe(supervised)
    assert line.startswith("v2   2026-10-16 11:16  列为督办件  [系统（计时）]")
    assert "依据 第六条第（三）项" in line and "理由 handling deadline lapsed" in line and "{" not in line
    urged = {
        "version": 5, "type": "Urged", "recorded_at": "2026-10-12T10:00:00+08:00", "actor": CENTER,
        "data": {"urging": {"method": "sms", "article": "7(1)", "unit": "U1", "due_date": "2026-10-14", "rule": "2 working days (Art. 7(1))"}},
    }
    assert describe(urged) == (
        "v5   2026-10-12 10:00  督办（催办）  [热线中心 center-1（C）]  方式 短信；条款 第七条第（一）项；单位 U1；时限 2026-10-14；计算依据 2个工作日（第七条第（一）项）"
    )
    accepted = {"version": 1, "type": "Accepted", "recorded_at": "2026-10-12T09:00:00+08:00", "actor": CENTER,
                "data": {"urgency": "urgent", "requester": {"name": "张*", "phone": "138****5678"}}}
    assert describe(accepted).endswith("紧急程度 紧急；诉求人 张*、138****5678")


def test_what_the_system_writes_in_english_reads_in_chinese() -> None:
    """Every text the domain writes into an event (deadline rules, Art. 6 reasons) has its Chinese reading."""
    from datetime import date

    from cases.deadlines import handling_rule
    from cases.grounds import GROUND_TEXT
    from replay.timeline import system_text_zh

    written = [
        handling_rule(5, date(2026, 9, 28), "dispatch", "deadline policy, category 'environment'"),
        handling_rule(3, date(2026, 10, 9), "redo", "set at redo") + "; extended by 2 working days (extension request 1 approved on 2026-10-12)",
        handling_rule(1, date(2026, 9, 30), "dispatch", "deadline policy, category 'fire', urgent"),
        handling_rule(10, date(2026, 9, 30), "dispatch", "deadline policy default"),
        "Art. 7(2): finish within 2 working days of receipt on 2026-09-28",
        "emergency response within 2 hours of dispatch (deadline policy, category 'fire'); Art. 11(3)",
        "handling deadline 2026-10-09 lapsed before the reply",
        "flagged 'hot' at acceptance: " + GROUND_TEXT["6(2)"],
        *GROUND_TEXT.values(),
    ]
    for text in written:
        assert not re.search(r"[A-Za-z]{3,}", system_text_zh(text).replace("environment", "").replace("fire", "")), (text, system_text_zh(text))
    assert system_text_zh(written[1]) == "自2026-10-09发回重办起3个工作日（发回重办时指定）；延长2个工作日（第1次延期申请，2026-10-12批准）"
    assert system_text_zh("请尽快办结 (by phone)") == "请尽快办结 (by phone)"  # what a person wrote stays as written
