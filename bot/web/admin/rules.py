"""The rule studio: rules and dictionary words, 试一试, the re-route preview, version history, unmatched messages.

A change is tried before it is saved: the draft replaces the stored rule in a
router built for the purpose (``NlpEngine.draft``), and the last 500 real
messages are routed by both, so the page shows which change intent and which
become unmatched. Saving goes through ``bot.routing.rulestore`` like the API:
validated, versioned, and picked up by every process on its next message.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import Text, or_, select
from sqlalchemy.orm import Session

from bot.routing import rulestore
from bot.web.admin import audit, texts
from bot.web.admin.access import admin_blueprint, is_htmx, now, services, viewer
from bot.web.admin.explaintext import rule_error
from models import Category, Community, DictionaryWord, InboundMessage, InboundStatus, RuleVersion
from models import Rule as RuleRow
from nlp.rules import MAX_PRIORITY, MIN_PRIORITY, Rule, RuleError

bp = admin_blueprint("admin_rules", __name__)
WORD_AUDIT_FIELDS = ["word", "freq", "tag", "enabled"]  # what the audit log keeps of a dictionary word
PREVIEW_MESSAGES = 500
NEW_RULE_ID = 10**9  # a draft of a new rule is the newest (it loses tie-breaks to older rules)
_WORD_SPLIT = re.compile(r"[\s,，、;；]+")


# -- the form <-> rule data ---------------------------------------------------------------------


def _words(value: str | None) -> list[str]:
    return [w for w in _WORD_SPLIT.split(value or "") if w]


def _synonyms(value: str | None) -> dict[str, str]:
    pairs = {}
    for line in (value or "").splitlines():
        if "=" in line:
            variant, _, canonical = line.partition("=")
            if variant.strip() and canonical.strip():
                pairs[variant.strip()] = canonical.strip()
    return pairs


def form_rule_data(form: Any) -> dict[str, Any]:
    """The rule the studio's form describes (the API's shape); RuleError when a field is unusable."""
    try:
        priority = int(form.get("priority") or 0)
    except ValueError:
        raise RuleError("field 'priority' must be a whole number") from None
    if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise RuleError(f"field 'priority' must be between {MIN_PRIORITY} and {MAX_PRIORITY}")
    params_text = (form.get("params") or "").strip()
    try:
        params = json.loads(params_text) if params_text else {}
    except json.JSONDecodeError:
        raise RuleError("field 'params' must be a JSON object") from None
    if not isinstance(params, dict):
        raise RuleError("field 'params' must be a JSON object")
    return {
        "name": (form.get("name") or "").strip(),
        "intent": (form.get("intent") or "").strip(),
        "category": (form.get("category") or "").strip() or None,
        "any": _words(form.get("any")),
        "all": _words(form.get("all")),
        "none": _words(form.get("none")),
        "synonyms": _synonyms(form.get("synonyms")),
        "priority": priority,
        "reply": (form.get("reply") or "").strip() or None,
        "params": params,
        "enabled": form.get("enabled") in ("on", "1", "true", "y"),
        "community": (form.get("community") or "").strip() or None,
    }


def _form_values(data: dict[str, Any]) -> dict[str, Any]:
    """Rule data as the form shows it."""
    return {
        **data,
        "any": " ".join(data.get("any") or []),
        "all": " ".join(data.get("all") or []),
        "none": " ".join(data.get("none") or []),
        "synonyms": "\n".join(f"{k}={v}" for k, v in (data.get("synonyms") or {}).items()),
        "params": json.dumps(data.get("params") or {}, ensure_ascii=False) if data.get("params") else "",
        "category": data.get("category") or "",
        "community": data.get("community") or "",
        "reply": data.get("reply") or "",
    }


def _choices(s: Session) -> dict[str, Any]:
    return {
        "intents": sorted(rulestore.known_intents(services().registry)),
        "categories": list(s.execute(select(Category.slug, Category.name).order_by(Category.slug)).all()),
        "communities": list(s.scalars(select(Community.code).order_by(Community.code))),
    }


def _draft(s: Session, data: dict[str, Any], rule_id: int | None) -> Rule:
    rule = rulestore.validate_rule(s, data, source="draft")
    return dataclasses.replace(rule, id=rule_id or NEW_RULE_ID)


# -- trying and previewing -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reroute:
    text: str
    received_at: Any
    before: tuple[str | None, str | None]  # (intent, rule)
    after: tuple[str | None, str | None]


def recent_texts(s: Session, limit: int = PREVIEW_MESSAGES) -> list[tuple[str, Any]]:
    """The last real text messages residents and members sent (anonymised ones are gone)."""
    rows = s.execute(select(InboundMessage.content, InboundMessage.received_at).where(
        InboundMessage.content.is_not(None), InboundMessage.anonymised_at.is_(None),
        InboundMessage.msg_type.in_(["text", "voice"])).order_by(InboundMessage.id.desc()).limit(limit)).all()
    return [(text, at) for text, at in rows if text and text.strip()]


def preview(s: Session, draft: Rule | None, replacing: int | None) -> dict[str, Any]:
    """Route the recent messages with the stored rules and with the change; what moves."""
    engine = services().nlp
    rules = [r for r in engine.rules() if r.id != replacing]
    routers = engine.draft([*rules, draft] if draft is not None else rules)
    messages = recent_texts(s)
    moved: list[Reroute] = []
    for text, at in messages:
        old, new = engine.understand(text), engine.understand(text, routers=routers)
        before = (old.intent, old.match.rule.name if old.match else None)
        after = (new.intent, new.match.rule.name if new.match else None)
        if before != after:
            moved.append(Reroute(text, at, before, after))
    return {
        "checked": len(messages),
        "moved": moved,
        "changed_intent": sum(1 for m in moved if m.before[0] != m.after[0]),
        "now_unmatched": sum(1 for m in moved if m.before[0] and not m.after[0]),
        "now_matched": sum(1 for m in moved if not m.before[0] and m.after[0]),
    }


@bp.post("/rules/try")
def try_text() -> Any:
    """试一试: tokens, entities, every candidate and the winner — with the form's draft when there is one."""
    engine = services().nlp
    text = (request.form.get("text") or "").strip()[:500]
    if engine is None:
        return render_template("admin/rules/_explain.html", error=texts.NLP_OFF)
    if not text:
        return render_template("admin/rules/_explain.html", result=None)
    routers, error = None, None
    if request.form.get("intent"):
        rule_id = request.form.get("rule_id", type=int)
        with services().db.session() as s:
            try:
                data = form_rule_data(request.form)
                data["name"] = data["name"] or "draft"
                draft = _draft(s, data, rule_id)
                routers = engine.draft([*(r for r in engine.rules() if r.id != rule_id), draft])
            except RuleError as exc:
                error = texts.RULE_INVALID.format(error=rule_error(exc))
    result = engine.explain(text, routers=routers)
    stored = engine.explain(text) if routers is not None else None
    return render_template("admin/rules/_explain.html", result=result, stored=stored, error=error)


@bp.post("/rules/preview")
def preview_change() -> Any:
    if services().nlp is None:
        return render_template("admin/rules/_preview.html", error=texts.NLP_OFF)
    rule_id = request.form.get("rule_id", type=int)
    with services().db.session() as s:
        try:
            draft = _draft(s, form_rule_data(request.form), rule_id)
        except RuleError as exc:
            return render_template("admin/rules/_preview.html", error=texts.RULE_INVALID.format(error=rule_error(exc)))
        return render_template("admin/rules/_preview.html", result=preview(s, draft, rule_id))


# -- the rules -----------------------------------------------------------------------------------


def hit_counts(s: Session) -> Counter[str]:
    """How many of the last 500 messages each rule wins today (by rule name)."""
    engine = services().nlp
    counts: Counter[str] = Counter()
    if engine is None:
        return counts
    for text, _ in recent_texts(s):
        found = engine.understand(text)
        if found.match is not None:
            counts[found.match.rule.name] += 1
    return counts


@bp.get("/rules")
def rules() -> Any:
    q = (request.args.get("q") or "").strip()
    intent = request.args.get("intent") or ""
    state = request.args.get("state") or ""
    with services().db.session() as s:
        query = select(RuleRow).order_by(RuleRow.intent, RuleRow.priority.desc(), RuleRow.id)
        if q:
            like = f"%{q}%"
            query = query.where(or_(RuleRow.name.like(like), RuleRow.intent.like(like), RuleRow.reply.like(like),
                                    RuleRow.any_words.cast(Text).like(like),
                                    RuleRow.all_words.cast(Text).like(like)))
        if intent:
            query = query.where(RuleRow.intent == intent)
        if state in ("on", "off"):
            query = query.where(RuleRow.enabled.is_(state == "on"))
        rows = list(s.scalars(query))
        intents = sorted(set(s.scalars(select(RuleRow.intent).distinct())))
        hits = hit_counts(s) if request.args.get("hits") else None
        return render_template("admin/rules/list.html", rows=rows, q=q, intent=intent, state=state,
                               intents=intents, hits=hits, preview_size=PREVIEW_MESSAGES)


@bp.get("/rules/new")
def new_rule() -> Any:
    data: dict[str, Any] = {"name": "", "intent": request.args.get("intent", "faq.answer"), "enabled": True,
                            "priority": 0, "any": _words(request.args.get("any")), "all": [], "none": [],
                            "synonyms": {}, "params": {}, "reply": None, "category": None, "community": None}
    if request.args.get("name"):
        data["name"] = request.args["name"]
    with services().db.session() as s:
        return render_template("admin/rules/edit.html", rule=None, values=_form_values(data), errors=None,
                               sample=request.args.get("sample", ""), **_choices(s))


@bp.post("/rules")
def create_rule() -> Any:
    return _save(None)


@bp.get("/rules/<int:rule_id>")
def edit_rule(rule_id: int) -> Any:
    with services().db.session() as s:
        row = s.get(RuleRow, rule_id)
        if row is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        data = rulestore.row_to_dict(row, rulestore.community_codes(s))
        return render_template("admin/rules/edit.html", rule=row, values=_form_values(data), errors=None,
                               sample="", **_choices(s))


@bp.post("/rules/<int:rule_id>")
def save_rule(rule_id: int) -> Any:
    return _save(rule_id)


def _save(rule_id: int | None) -> Any:
    by = f"web:{_username()}"
    with services().db.session() as s:
        row = s.get(RuleRow, rule_id) if rule_id else None
        if rule_id and row is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        codes = rulestore.community_codes(s)
        before = _canonical(row, codes) if row else None
        try:
            with s.begin_nested():
                data = form_rule_data(request.form)
                if row is None:
                    row = rulestore.create_rule(s, data, by=by)
                else:
                    rulestore.update_rule(s, row, data, by=by)
        except RuleError as exc:
            values = _form_values({**request.form.to_dict(), "enabled": request.form.get("enabled") == "on"})
            values.update({k: request.form.get(k, "") for k in ("any", "all", "none", "synonyms", "params")})
            return render_template("admin/rules/edit.html", rule=row if rule_id else None, values=values,
                                   errors=rule_error(exc), sample=request.form.get("text", ""), **_choices(s)), 422
        audit.record(s, "rule.create" if before is None else "rule.update", target_type="rule", target_id=row.id,
                     summary=row.name, before=before, after=_canonical(row, codes))
        flash((texts.RULE_CREATED if before is None else texts.RULE_SAVED).format(name=row.name))
        return redirect(url_for("admin_rules.edit_rule", rule_id=row.id))


def _canonical(row: RuleRow, codes: dict[int, str]) -> dict[str, Any]:
    data = rulestore.row_to_dict(row, codes)
    for key in ("id", "created_at", "updated_at", "updated_by", "source"):
        data.pop(key, None)
    return data


def _username() -> str:
    return viewer().username


@bp.post("/rules/<int:rule_id>/toggle")
def toggle_rule(rule_id: int) -> Any:
    with services().db.session() as s:
        row = s.get(RuleRow, rule_id)
        if row is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        enabled = not row.enabled
        rulestore.update_rule(s, row, {"enabled": enabled}, by=f"web:{_username()}")
        audit.record(s, "rule.enable" if enabled else "rule.disable", target_type="rule", target_id=row.id,
                     summary=row.name, before={"enabled": not enabled}, after={"enabled": enabled})
        message = (texts.RULE_ENABLED if enabled else texts.RULE_DISABLED).format(name=row.name)
        if is_htmx():
            return render_template("admin/rules/_row.html", r=row, hits=None, message=message)
        flash(message)
    return redirect(request.referrer or url_for("admin_rules.rules"))


@bp.post("/rules/<int:rule_id>/delete")
def delete_rule(rule_id: int) -> Any:
    with services().db.session() as s:
        row = s.get(RuleRow, rule_id)
        if row is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        before, name = _canonical(row, rulestore.community_codes(s)), row.name
        rulestore.delete_rule(s, row, by=f"web:{_username()}")
        audit.record(s, "rule.delete", target_type="rule", target_id=rule_id, summary=name, before=before)
        flash(texts.RULE_DELETED.format(name=name))
    return redirect(url_for("admin_rules.rules"))


@bp.get("/rules/<int:rule_id>/history")
def rule_history(rule_id: int) -> Any:
    with services().db.session() as s:
        versions = rulestore.rule_versions(s, rule_id)
        if not versions:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        row = s.get(RuleRow, rule_id)
        current = _canonical(row, rulestore.community_codes(s)) if row else None
        return render_template("admin/rules/history.html", versions=versions, rule=row, rule_id=rule_id,
                               current=current)


@bp.post("/rules/versions/<int:version_id>/restore")
def restore_version(version_id: int) -> Any:
    with services().db.session() as s:
        version = s.get(RuleVersion, version_id)
        if version is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        row = s.get(RuleRow, version.rule_id)
        codes = rulestore.community_codes(s)
        before = _canonical(row, codes) if row else None
        try:
            with s.begin_nested():
                row = rulestore.restore_version(s, version, by=f"web:{_username()}")
        except RuleError as exc:
            flash(texts.RULE_INVALID.format(error=rule_error(exc)), "error")
            return redirect(url_for("admin_rules.rule_history", rule_id=version.rule_id))
        audit.record(s, "rule.restore", target_type="rule", target_id=row.id, summary=f"{row.name} v{version.version}",
                     before=before, after=_canonical(row, codes))
        flash(texts.RULE_RESTORED.format(name=row.name, version=version.version))
        return redirect(url_for("admin_rules.edit_rule", rule_id=row.id))


# -- dictionary words ----------------------------------------------------------------------------


@bp.get("/words")
def words() -> Any:
    q = (request.args.get("q") or "").strip()
    with services().db.session() as s:
        query = select(DictionaryWord).order_by(DictionaryWord.word)
        if q:
            query = query.where(DictionaryWord.word.like(f"%{q}%"))
        return render_template("admin/rules/words.html", rows=list(s.scalars(query)), q=q)


@bp.post("/words")
def add_word() -> Any:
    word = (request.form.get("word") or "").strip()
    tag = (request.form.get("tag") or "").strip()[:16] or None
    freq = request.form.get("freq", type=int)
    if not word or any(ch.isspace() for ch in word) or len(word) > 64 or (freq is not None and not 1 <= freq <= 10**7):
        flash(texts.WORD_INVALID, "error")
        return redirect(url_for("admin_rules.words"))
    with services().db.session() as s:
        existing = s.scalar(select(DictionaryWord).where(DictionaryWord.word == word))
        before = audit.snapshot(existing, WORD_AUDIT_FIELDS) if existing else None
        row = rulestore.add_word(s, word, freq, tag, by=f"web:{_username()}")
        audit.record(s, "word.add", target_type="word", target_id=row.id, summary=word, before=before,
                     after=audit.snapshot(row, WORD_AUDIT_FIELDS))
    flash(texts.WORD_SAVED.format(word=word))
    return redirect(url_for("admin_rules.words"))


@bp.post("/words/<int:word_id>/toggle")
def toggle_word(word_id: int) -> Any:
    """停用 keeps the word listed but out of the tokenizer's dictionary; 启用 puts it back (every process reloads)."""
    with services().db.session() as s:
        row = s.get(DictionaryWord, word_id)
        if row is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        before = audit.snapshot(row, WORD_AUDIT_FIELDS)
        row.enabled = not row.enabled
        row.updated_at, row.updated_by = now(), f"web:{_username()}"
        s.flush()
        rulestore.bump(s, rulestore.WORDS_COUNTER)
        audit.record(s, "word.enable" if row.enabled else "word.disable", target_type="word", target_id=word_id,
                     summary=row.word, before=before, after=audit.snapshot(row, WORD_AUDIT_FIELDS))
        flash((texts.WORD_ENABLED if row.enabled else texts.WORD_DISABLED).format(word=row.word))
    return redirect(url_for("admin_rules.words", q=request.args.get("q") or None))


@bp.post("/words/<int:word_id>/delete")
def delete_word(word_id: int) -> Any:
    with services().db.session() as s:
        row = s.get(DictionaryWord, word_id)
        if row is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        before = audit.snapshot(row, WORD_AUDIT_FIELDS)
        rulestore.delete_word(s, row)
        audit.record(s, "word.delete", target_type="word", target_id=word_id, summary=before["word"], before=before)
    flash(texts.WORD_DELETED.format(word=before["word"]))
    return redirect(url_for("admin_rules.words"))


# -- unmatched messages --------------------------------------------------------------------------


@dataclass
class Group:
    tokens: set[str]
    texts: list[tuple[str, Any]]

    @property
    def common(self) -> list[str]:
        """Words most of the group's messages share: the starting keywords of a new rule."""
        engine = services().nlp
        counts: Counter[str] = Counter()
        for text, _ in self.texts:
            counts.update(set(_content_tokens(engine, text)))
        need = max(1, len(self.texts) // 2)
        return [w for w, n in counts.most_common(6) if n >= need]


def _content_tokens(engine: Any, text: str) -> list[str]:
    from nlp.normalize import normalize

    tokens = engine.tokenizer.cut(normalize(text)) if engine is not None else list(text)
    return [t for t in tokens if len(t) >= 2 and not t.isdigit()]


def group_similar(engine: Any, messages: list[tuple[str, Any]], threshold: float = 0.4) -> list[Group]:
    """Greedy grouping by shared words (Jaccard similarity of their word sets), biggest group first."""
    groups: list[Group] = []
    for text, at in messages:
        tokens = set(_content_tokens(engine, text)) or {text.strip()}
        best, score = None, 0.0
        for group in groups:
            union = tokens | group.tokens
            similarity = len(tokens & group.tokens) / len(union) if union else 0.0
            if similarity > score:
                best, score = group, similarity
        if best is not None and score >= threshold:
            best.texts.append((text, at))
            best.tokens |= tokens
        else:
            groups.append(Group(tokens, [(text, at)]))
    return sorted(groups, key=lambda g: -len(g.texts))


@bp.get("/unmatched")
def unmatched() -> Any:
    with services().db.session() as s:
        rows = s.execute(select(InboundMessage.content, InboundMessage.received_at).where(
            InboundMessage.intent.is_(None), InboundMessage.content.is_not(None),
            InboundMessage.anonymised_at.is_(None), InboundMessage.status != InboundStatus.PROCESSING,
            InboundMessage.msg_type.in_(["text", "voice"])).order_by(InboundMessage.received_at.desc())
            .limit(PREVIEW_MESSAGES)).all()
    messages = [(text, at) for text, at in rows if text and text.strip()]
    groups = group_similar(services().nlp, messages)
    return render_template("admin/rules/unmatched.html", groups=groups, total=len(messages))

