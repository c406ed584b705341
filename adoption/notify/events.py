"""The events Uptake tells of, who each is for, and their messages: one catalog keyed by locale.

A message is rendered once, when the delivery is written (`adoption.notify.outbox.emit`), and
stored with it: a retry sends what was owed, even after a template changed. Templates are plain
`str.format` text over the event's context (`context`), so a translator edits words, not code.
English and Simplified Chinese ("zh") have every template (a test checks that each locale has
every template with the same placeholders); `render` falls back to English for a locale it does
not know. A subscription's messages are in its language (`adoption.notify.outbox.emit`).
"""

from __future__ import annotations

from dataclasses import dataclass

MONTH_READY = "month.ready"
MONTH_CLOSED = "month.closed"
SITE_BEHIND = "site.behind"
READINESS_FAILED = "readiness.failed"
QUARANTINE_GROWING = "quarantine.growing"
PERSON_BADGE = "person.badge"


@dataclass(frozen=True)
class EventKind:
    name: str
    summary: str
    audience: tuple[str, ...]  # the roles it is meant for (docs/integrations.md)
    personal: bool  # a person may subscribe to it for themselves (only their own occurrences)


EVENTS: dict[str, EventKind] = {
    e.name: e
    for e in (
        EventKind(MONTH_READY, "A month can be closed: HR reviews and closes it.", ("hr",), False),
        EventKind(
            MONTH_CLOSED,
            "A month was closed and its champions named.",
            ("hr", "manager", "employee"),
            True,
        ),
        EventKind(
            SITE_BEHIND,
            "A site's adoption trails its wave's median.",
            ("rollout_lead",),
            False,
        ),
        EventKind(
            READINESS_FAILED,
            "A planned wave fails its readiness gate.",
            ("rollout_lead",),
            False,
        ),
        EventKind(
            QUARANTINE_GROWING,
            "The open quarantine passed an alert threshold.",
            ("admin",),
            False,
        ),
        EventKind(PERSON_BADGE, "A person earned a badge or reached a level.", ("employee",), True),
    )
}
EVENT_NAMES = tuple(EVENTS)
DEFAULT_LOCALE = "en"

# locale → template name → text. Every event has a "<event>.subject" and "<event>.body"; parts
# of a body that repeat have their own templates.
CATALOG: dict[str, dict[str, str]] = {
    "en": {
        "month.ready.subject": "Uptake: {month} can be closed",
        "month.ready.body": (
            "{month} has ended at every store and its points are final.\n"
            "Review the champions and close the month in Uptake (Champions, {month})."
        ),
        "month.closed.subject": "Uptake: {month} closed, champions named",
        "month.closed.body": (
            "{month} was closed (version {version}) by {closed_by}.\n\n"
            "Champions:\n{champion_lines}\n"
        ),
        # To a store's managers when the store named no champion that month (`unnamed_site_part`).
        "month.closed.subject.no_champion": (
            "Uptake: {month} closed, no champion at {no_champion_at}"
        ),
        "month.closed.body.no_champion": (
            "{month} was closed (version {version}) by {closed_by}.\n\n"
            "No champion was named at store {no_champion_at} this month.\n"
        ),
        "month.closed.line": "- {site_id}: {display_name} ({points} points)",
        "month.closed.none": "- {site_id}: no champion this month",
        "month.closed.empty": "- none",
        "site.behind.subject": "Uptake: store {site_id} is behind wave {wave}",
        "site.behind.body": (
            "Store {site_id} adopted {adoption_rate:.0%} in week {week} since go-live, "
            "{gap:.0%} below the median of wave {wave} ({wave_median:.0%}); "
            "{population} people were rostered that week."
        ),
        "readiness.failed.subject": "Uptake: wave {wave} is not ready (no go)",
        "readiness.failed.body": (
            "The readiness gate of wave {wave} says no go on {day}: {reason}\n"
            "Failing rules: {failed_rules}"
        ),
        "quarantine.growing.subject": "Uptake: {open} events in quarantine",
        "quarantine.growing.body": (
            "The quarantine holds {open} open items, past the alert threshold of {threshold}.\n"
            "Events there are not counted: review, fix the master data and replay them."
        ),
        "person.badge.subject": "Uptake: {title}",
        "person.badge.body": "Well done, {display_name}: {what}.",
        "person.badge.badge": "you earned the badge {badge_title}",
        "person.badge.level": "you reached the level {level}",
        "person.badge.title.badge": "a new badge",
        "person.badge.title.level": "a new level",
        "test.subject": "Uptake: test message",
        "test.body": (
            "This is a test of the subscription to {event} (#{subscription}). "
            "If you read this, the channel works."
        ),
    },
    # Simplified Chinese, in the words the pages use (api/translations/zh: 门店 store, 批次
    # wave, 上线 go-live, 积分 points, 月度冠军 champion, 徽章 badge, 隔离区 quarantine).
    "zh": {
        "month.ready.subject": "Uptake：{month} 可以结账了",
        "month.ready.body": (
            "{month} 已在所有门店结束，积分已确定。\n"
            "请在 Uptake 中审核冠军并结账（冠军，{month}）。"
        ),
        "month.closed.subject": "Uptake：{month} 已结账，冠军已公布",
        "month.closed.body": (
            "{month} 已由 {closed_by} 结账（第 {version} 版）。\n\n冠军：\n{champion_lines}\n"
        ),
        "month.closed.subject.no_champion": "Uptake：{month} 已结账，{no_champion_at} 本月无冠军",
        "month.closed.body.no_champion": (
            "{month} 已由 {closed_by} 结账（第 {version} 版）。\n\n"
            "门店 {no_champion_at} 本月没有评出冠军。\n"
        ),
        "month.closed.line": "- {site_id}：{display_name}（{points} 积分）",
        "month.closed.none": "- {site_id}：本月无冠军",
        "month.closed.empty": "- 无",
        "site.behind.subject": "Uptake：门店 {site_id} 落后于第 {wave} 批次",
        "site.behind.body": (
            "门店 {site_id} 上线后第 {week} 周的使用率为 {adoption_rate:.0%}，"
            "比第 {wave} 批次的中位数（{wave_median:.0%}）低 {gap:.0%}；"
            "该周在册人数 {population} 人。"
        ),
        "readiness.failed.subject": "Uptake：第 {wave} 批次尚未就绪（不可推进）",
        "readiness.failed.body": (
            "第 {wave} 批次的就绪检查在 {day} 的结论为不可推进：{reason}\n"
            "未通过的规则：{failed_rules}"
        ),
        "quarantine.growing.subject": "Uptake：隔离区中有 {open} 条事件",
        "quarantine.growing.body": (
            "隔离区中有 {open} 条待处理事件，已超过提醒阈值 {threshold}。\n"
            "隔离区中的事件不会被统计：请检查、修正主数据后重新导入。"
        ),
        "person.badge.subject": "Uptake：{title}",
        "person.badge.body": "干得好，{display_name}：{what}。",
        "person.badge.badge": "你获得了徽章「{badge_title}」",
        "person.badge.level": "你达到了「{level}」等级",
        "person.badge.title.badge": "新徽章",
        "person.badge.title.level": "新等级",
        "level.Novice": "新手",
        "level.Developing": "进阶中",
        "level.Proficient": "熟练",
        "level.Expert": "专家",
        "test.subject": "Uptake：测试消息",
        "test.body": (
            "这是对 {event} 订阅（#{subscription}）的测试。如果你看到这条消息，说明通道正常。"
        ),
    },
}


def template(name: str, locale: str = DEFAULT_LOCALE) -> str:
    """The locale's template, else English's."""
    return CATALOG.get(locale, {}).get(name) or CATALOG[DEFAULT_LOCALE][name]


def render(event: str, payload: dict, locale: str = DEFAULT_LOCALE) -> tuple[str, str]:
    """(subject, body) of an event's message in `locale`, from its payload."""
    values = context(event, payload, locale)
    variant = ".no_champion" if event == MONTH_CLOSED and payload.get("no_champion_at") else ""
    subject = template(f"{event}.subject{variant}", locale).format(**values)
    body = template(f"{event}.body{variant}", locale).format(**values)
    return subject[:300], body


def unnamed_site_part(event: str, site_code: str) -> dict | None:
    """A site's subscription's part of an occurrence that concerns some sites but not this one:
    None (it is told nothing), but for month.closed, whose managers are told the month closed
    and that their store named no champion (only that: no other store's champions)."""
    if event == MONTH_CLOSED:
        return {"champions": [], "no_champion_at": site_code}
    return None


def render_test(event: str, subscription_id: int, locale: str = DEFAULT_LOCALE) -> tuple[str, str]:
    values = {"event": event, "subscription": subscription_id}
    return (
        template("test.subject", locale).format(**values),
        template("test.body", locale).format(**values),
    )


def context(event: str, payload: dict, locale: str = DEFAULT_LOCALE) -> dict:
    """The payload plus the parts a template cannot compute itself (lists, choices)."""
    values = dict(payload)
    if event == MONTH_CLOSED:
        lines = [
            template(
                "month.closed.line" if c.get("user_id") else "month.closed.none", locale
            ).format(**{"display_name": "", "points": 0, **c})
            for c in payload.get("champions", [])
        ]
        values["champion_lines"] = "\n".join(lines) or template("month.closed.empty", locale)
        values.setdefault("closed_by", "")
    elif event == READINESS_FAILED:
        values["failed_rules"] = ", ".join(map(str, payload.get("failed_rules", []))) or "-"
    elif event == PERSON_BADGE:
        kind = "level" if payload.get("level") else "badge"
        named = dict(payload)
        if kind == "level":  # the level's name in the reader's language, when it has one
            named["level"] = (
                CATALOG.get(locale, {}).get(f"level.{payload['level']}") or (payload["level"])
            )
        values["what"] = template(f"person.badge.{kind}", locale).format(**named)
        values["title"] = template(f"person.badge.title.{kind}", locale)
    return values
