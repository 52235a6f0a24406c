"""The urgent fast path: is something dangerous happening to someone *now*?

An emergency is a situation, not a keyword. The detector finds the phrases of the word
groups in nlp/lexicon/urgent.py (extended by admins from data/rules/urgent.yaml), composes
them into situations with FRAMES below, and then asks of each one whether it is really
happening now:

    situation        made of (a frame: groups that must occur together)
    ---------------  ---------------------------------------------------------------
    fire             flames, heavy smoke; a burning smell or a smoke alarm (ambiguous)
    gas              a gas smell; a gas source + a leaking word; a gas alarm sounding
    electric_shock   a person shocked; live metal (漏电/带电, ambiguous); sparks; an
                     outlet or box arcing; a wire down (strong when it fizzes or sparks)
    flooding         water reaching a box, outlet or wire; deep water with people inside
    entrapment       an elevator + someone trapped; a person shut in a room or stuck
    fall_from_height 从…摔下/掉下 (not an object: 花盆从楼上掉下来); a jump threat
    violence         a knife (持刀, 砍人, 被捅; 动刀子 only in a fight or quarrel: it is also
                     surgery; not 树被砍了, not 拿刀切菜);
                     a fight with blood (打架见血了); a quarrel or a bare 打架 is not urgent
    medical          collapse, unconsciousness, not breathing, seizure, stroke or heart
                     signs (two signs, or one with 突然, are strong), heavy bleeding,
                     drowning; a fall, an injury or a poisoning alone is ambiguous
    help             only a cry for help (救命, 快来人啊) and nothing else: ambiguous

What makes a found situation *not* an emergency, checked on the clause of its core word
(a clause ends at punctuation or a space, which is how voice input pauses):

    negated        没/不/没人 right before a word: 没人困在里面, 不是着火
    resolved       a resolution after it: 灭了, 出来了, 散了, 没事了, 误报, 原来是…
    past           昨天, 上个月, 之前, 那次, …后来, 中过风 (unless 现在/还在 in the clause)
    question       about it, not reporting it: 在哪交, 哪天, 几点, 有补贴吗 (topic words
                   such as 演练, 补贴, 隐患, 保险 in the clause count the same)
    hypothetical   要是/万一/如果/真着火了/会触电/容易/怕/担心/迟早/…的话
    habitual       经常, 老是, …的多
    figure         热得快晕倒了, 吵得我快晕过去了, 跟着火了一样; a fire word right after a
                   body part or the mind (嗓子都冒火了, 心里直冒火, 眼睛冒火)
    near miss      差点摔倒; medical states only *about to* happen (快晕倒了) are dropped,
                   other situations about to happen are only ambiguous
    explained      smoke and smells with a harmless cause in the message (抽烟, 烧纸, 做饭)
    non-acute      an ambiguous injury or fall with a non-urgent need (想找志愿者, 申请,
                   创可贴) or a minimiser (点皮, 有点)
    not a person   倒了 needs a person before it (我爸倒了, not 树倒了); a trapped cat is
                   not an entrapment

A yes/no question about a present danger (是不是漏气了) lowers STRONG to AMBIGUOUS; a plea
(救命, 快来, 打120) raises AMBIGUOUS to STRONG; Assessment.strong_words says whether the
words were strong before such a lowering (escalate an unanswered confirmation only then).
The strongest live situation wins; on a tie, hazards first (fire, gas, electric_shock,
flooding), then entrapment, falls, violence, medical, help.

Levels: STRONG = act now (alert everyone); AMBIGUOUS = show the safety text and ask
whether it is happening now; NONE = route the message normally.

Admins extend the groups with tickets.urgent rules that carry ``params: {group: NAME}``
(their any/all words join the group, their none words become decoys). An urgent rule
without a group is an old-style keyword rule: it still counts, as an AMBIGUOUS situation
of its category (``params: {level: strong}`` to make it act at once), and goes through
the same checks. A rule naming an unknown group or level is skipped and listed in
Detector.problems (urgent_rule_problem() checks one when an admin saves it).

The detector also behaves like a Router (route/explain), so nlp.understand and the bot's
engine use it unchanged: the match's rule is synthetic, named urgent.<frame>, and its
params carry situation, level, frame and explain.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import ahocorasick_rs

from nlp.lexicon import urgent as lexicon
from nlp.router import Candidate, Explanation, RouteMatch, Router
from nlp.rules import CATEGORIES, Rule

URGENT_INTENT = "tickets.urgent"


class Situation(StrEnum):
    """What kind of danger; also the key for the safety text."""

    FIRE = "fire"
    GAS = "gas"
    ELECTRIC_SHOCK = "electric_shock"
    FLOODING = "flooding"
    ENTRAPMENT = "entrapment"
    FALL_FROM_HEIGHT = "fall_from_height"
    VIOLENCE = "violence"  # someone armed or hurt in a fight: 110 first, keep away
    MEDICAL = "medical"
    HELP = "help"  # a bare cry for help (救命, 快来人啊) that names no situation


PRIORITY: tuple[Situation, ...] = tuple(Situation)
"""Tie-break among equally strong situations: hazards before the people they hurt."""


class Level(StrEnum):
    """How sure the words are that something is dangerous right now."""

    NONE = "none"
    AMBIGUOUS = "ambiguous"
    STRONG = "strong"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Level.NONE: 0, Level.AMBIGUOUS: 1, Level.STRONG: 2}

CATEGORY_FALLBACKS: Mapping[str, str] = MappingProxyType({"electric_shock": "power", "entrapment": "public_security"})
HELP_CATEGORY = "public_security"
"""A bare cry for help could be anything; 110 (and the community's security) answer the unknown."""
ALONE_SLACK = 2
"""A cry for help counts only when the message is (almost) nothing else: 救命啊 快来人."""
"""Ticket category to use while a situation's own category slug does not exist yet."""

LEGACY_SITUATIONS: Mapping[str, Situation] = MappingProxyType({
    "gas": Situation.GAS, "fire": Situation.FIRE, "elevator": Situation.ENTRAPMENT,
    "medical": Situation.MEDICAL, "power": Situation.ELECTRIC_SHOCK, "electric_shock": Situation.ELECTRIC_SHOCK,
    "entrapment": Situation.ENTRAPMENT,
})  # fmt: skip
"""The situation an old-style urgent keyword rule reports, by its category."""


@dataclass(frozen=True)
class Frame:
    """A situation pattern: groups that must all occur within `window` characters.

    The first group is the core: its clause decides tense, questions and hypotheticals.
    person: "required" when a person must be named before the core (我爸倒了, not 树倒了);
    "implied" when the words imply one unless an object or animal is named (花盆从…摔下来).
    """

    name: str
    situation: Situation
    category: str
    needs: tuple[str, ...]
    level: Level = Level.STRONG
    window: int = 16
    strong_with: tuple[str, ...] = ()
    strong_count: int = 0
    person: str = ""
    explainable: bool = False
    weak_medical: bool = False
    imminent_drops: bool = False
    alone: bool = False


A = Level.AMBIGUOUS
SHOCK_VICTIM = ("medical.collapse", "medical.collapse_subject", "medical.seizure", "medical.breathing")
"""What the person shows after an electric shock that makes 被电 an emergency, not a question."""
FRAMES: tuple[Frame, ...] = (
    Frame("fire.flames", Situation.FIRE, "fire", ("fire.flames",)),
    Frame("fire.smoke", Situation.FIRE, "fire", ("fire.smoke",), explainable=True),
    Frame("fire.smell", Situation.FIRE, "fire", ("fire.smell",), A, explainable=True),
    Frame("fire.alarm", Situation.FIRE, "fire", ("fire.alarm",), A, explainable=True),
    Frame("gas.smell", Situation.GAS, "gas", ("gas.smell",)),
    Frame("gas.leak", Situation.GAS, "gas", ("gas.leaking", "gas.source"), window=20),
    Frame("gas.alarm", Situation.GAS, "gas", ("gas.alarm",)),
    Frame("gas.poisoning", Situation.GAS, "gas", ("gas.poisoning",)),
    Frame("gas.leak_word", Situation.GAS, "gas", ("gas.leak_word",), A),
    Frame("electric.shocked", Situation.ELECTRIC_SHOCK, "electric_shock", ("electric.shocked",)),
    # 被电了 on its own asks first; with the person down (倒在地上, 抽搐, 叫不醒) it is a shock, strong.
    Frame("electric.live", Situation.ELECTRIC_SHOCK, "electric_shock", ("electric.zap",), A,
          strong_with=SHOCK_VICTIM),
    Frame("electric.wire_victim", Situation.ELECTRIC_SHOCK, "electric_shock", ("electric.wire", "medical.collapse"),
          window=24),
    Frame("electric.wire_victim_subject", Situation.ELECTRIC_SHOCK, "electric_shock",
          ("electric.wire", "medical.collapse_subject"), window=24),
    Frame("electric.sparks", Situation.ELECTRIC_SHOCK, "power", ("electric.sparks",)),
    Frame("electric.arcing", Situation.ELECTRIC_SHOCK, "power", ("electric.arcing", "electric.place"), window=10),
    Frame("electric.wire_down", Situation.ELECTRIC_SHOCK, "power", ("electric.fallen", "electric.wire"), A,
          window=14, strong_with=("electric.live",)),
    Frame("flooding.electric", Situation.FLOODING, "power", ("flooding.water", "electric.place")),
    Frame("flooding.people", Situation.FLOODING, "power", ("flooding.deep", "occupant"), window=20),
    Frame("entrapment.elevator", Situation.ENTRAPMENT, "elevator", ("trapped", "elevator"), window=24),
    Frame("entrapment.room", Situation.ENTRAPMENT, "entrapment", ("trapped.room",), A,
          strong_with=("escape_fail",), person="required"),
    Frame("entrapment.stuck", Situation.ENTRAPMENT, "entrapment", ("trapped.stuck",), person="required"),
    Frame("entrapment.door", Situation.ENTRAPMENT, "entrapment", ("unresponsive_door",), A),
    Frame("fall.height", Situation.FALL_FROM_HEIGHT, "medical", ("fall.height",), person="implied",
          imminent_drops=True),
    Frame("fall.height_dropped", Situation.FALL_FROM_HEIGHT, "medical", ("fall.height_dropped",),
          person="required", imminent_drops=True),
    Frame("fall.threat", Situation.FALL_FROM_HEIGHT, "medical", ("fall.threat",), A),
    Frame("violence.weapon", Situation.VIOLENCE, "public_security", ("violence.weapon",), person="implied"),
    Frame("violence.knife_fight", Situation.VIOLENCE, "public_security", ("violence.knife", "violence.fight")),
    Frame("violence.knife", Situation.VIOLENCE, "public_security", ("violence.knife",), A),
    Frame("violence.blade_fight", Situation.VIOLENCE, "public_security", ("violence.blade", "violence.fight")),
    Frame("violence.fight_blood", Situation.VIOLENCE, "public_security", ("violence.blood", "violence.fight")),
    Frame("medical.collapse", Situation.MEDICAL, "medical", ("medical.collapse",), imminent_drops=True),
    Frame("medical.collapse_subject", Situation.MEDICAL, "medical", ("medical.collapse_subject",), person="required",
          imminent_drops=True),
    Frame("medical.breathing", Situation.MEDICAL, "medical", ("medical.breathing",), imminent_drops=True),
    Frame("medical.seizure", Situation.MEDICAL, "medical", ("medical.seizure",), imminent_drops=True),
    Frame("medical.stroke", Situation.MEDICAL, "medical", ("medical.stroke_named",), imminent_drops=True),
    Frame("medical.stroke_signs", Situation.MEDICAL, "medical", ("medical.stroke_sign",), A, strong_count=2,
          strong_with=("onset",), weak_medical=True, imminent_drops=True),
    Frame("medical.heart", Situation.MEDICAL, "medical", ("medical.heart_named",), imminent_drops=True),
    Frame("medical.heart_signs", Situation.MEDICAL, "medical", ("medical.heart_sign",), A, strong_count=2,
          strong_with=("onset", "medical.breathing"), weak_medical=True, imminent_drops=True),
    Frame("medical.bleeding", Situation.MEDICAL, "medical", ("medical.bleeding",), imminent_drops=True),
    Frame("medical.injury", Situation.MEDICAL, "medical", ("medical.injury",), A, weak_medical=True,
          imminent_drops=True),
    Frame("medical.drowning", Situation.MEDICAL, "medical", ("medical.drowning",), imminent_drops=True),
    Frame("medical.poisoning", Situation.MEDICAL, "medical", ("medical.poisoning",), A, weak_medical=True,
          imminent_drops=True),
    Frame("medical.fall", Situation.MEDICAL, "medical", ("fall.ground",), A, strong_with=("fall.unable",),
          person="implied", weak_medical=True, imminent_drops=True),
    Frame("help.cry", Situation.HELP, HELP_CATEGORY, ("plea.cry",), A, alone=True),
)  # fmt: skip
"""Every situation the detector knows, in the order explain() lists them."""

# Single-character markers count only as a whole jieba token (真 in 真|着火, not in 真的).
TOKEN_BOUND_GROUPS = frozenset({"negator", "hypothetical", "hypothetical.before", "imminent", "question.yesno", "past"})
# These words must start a jieba token: 倒了 in 我爸|倒|了, not in 晕倒|了.
TOKEN_START_GROUPS = frozenset({"medical.collapse_subject"})
CLAUSE_END = "$"
"""A phrase ending in $ counts only at the end of a clause (倒了$: 我爸倒了, not 倒了一杯水)."""
CLAUSE_BREAKS = frozenset(" ,.!?;:~。、…，！？；：\"'()[]")
NEGATION_REACH = 2
SUBJECT_REACH = 12
PAST_AFTER_REACH = 3
CEASED_REACH = 2
CARRY_CLAUSE_SLACK = 3
FIGURE_BODY_REACH = 2
"""At most this many characters (都, 直, 都要) between a body part and a fire word: 嗓子都冒火了."""


class UrgentLexiconError(ValueError):
    """An urgent rule names a group that does not exist."""


@dataclass(frozen=True)
class Hit:
    """One occurrence of a group phrase in the text; gaps are the spans "…" stood for."""

    group: str
    phrase: str
    start: int
    end: int
    gaps: tuple[tuple[int, int], ...] = ()
    community: str | None = None


@dataclass(frozen=True)
class Evidence:
    """One situation found in the message, and whether it survived the checks.

    level is the level it would have; dropped names the check that removed it (None: live).
    worded is the level the words alone give, before a question (是不是着火了) or an
    "about to" (快着火了) lowered STRONG to AMBIGUOUS.
    """

    frame: str
    situation: Situation
    category: str
    level: Level
    hits: tuple[Hit, ...]
    dropped: str | None = None
    because: str = ""
    notes: tuple[str, ...] = ()
    worded: Level | None = None

    @property
    def live(self) -> bool:
        return self.dropped is None

    @property
    def phrases(self) -> tuple[str, ...]:
        return tuple(h.phrase for h in self.hits)

    def describe(self, text: str) -> str:
        words = " + ".join(f"{h.group} '{text[h.start : h.end]}'" for h in self.hits)
        head = f"{self.frame} [{self.situation}/{self.level}]: {words}"
        if self.dropped:
            head += f" -- not urgent: {self.dropped}" + (f" ({self.because})" if self.because else "")
        if self.notes:
            head += "; " + "; ".join(self.notes)
        return head

    def to_dict(self) -> dict[str, Any]:
        return {
            "frame": self.frame,
            "situation": str(self.situation),
            "category": self.category,
            "level": str(self.level),
            "hits": [{"group": h.group, "phrase": h.phrase, "start": h.start, "end": h.end} for h in self.hits],
            "dropped": self.dropped,
            "because": self.because,
            "notes": list(self.notes),
            "worded": str(self.worded or self.level),
        }


@dataclass(frozen=True)
class Assessment:
    """The detector's verdict on one message.

    level: STRONG (act now), AMBIGUOUS (ask, showing the safety text), NONE.
    situation/category: of the winning evidence (None when level is NONE); category is
    the ticket category slug to file under. situations: every live situation, winner
    first. evidence: the live findings, best first; ignored: the findings that were
    dropped, with the reason. explain: the same in English, for admins.
    """

    text: str
    level: Level
    situation: Situation | None
    category: str | None
    evidence: tuple[Evidence, ...]
    ignored: tuple[Evidence, ...]

    @property
    def urgent(self) -> bool:
        return self.level is not Level.NONE

    @property
    def strong(self) -> bool:
        return self.level is Level.STRONG

    @property
    def situations(self) -> tuple[Situation, ...]:
        seen: list[Situation] = []
        for e in self.evidence:
            if e.situation not in seen:
                seen.append(e.situation)
        return tuple(seen)

    @property
    def best(self) -> Evidence | None:
        return self.evidence[0] if self.evidence else None

    @property
    def strong_words(self) -> bool:
        """The words were strong even if the level is AMBIGUOUS (是不是着火了): escalate if nobody answers."""
        return any((e.worded or e.level) is Level.STRONG for e in self.evidence)

    @property
    def explain(self) -> str:
        if self.best is None:
            lines = ["not urgent: no situation found" if not self.ignored else "not urgent"]
        else:
            lines = [
                f"{self.level.upper()} {self.situation} (category {self.category}) because "
                + self.best.describe(self.text)
            ]
            lines += ["also " + e.describe(self.text) for e in self.evidence[1:]]
        lines += ["ignored " + e.describe(self.text) for e in self.ignored]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": str(self.level),
            "situation": str(self.situation) if self.situation else None,
            "category": self.category,
            "situations": [str(s) for s in self.situations],
            "strong_words": self.strong_words,
            "evidence": [e.to_dict() for e in self.evidence],
            "ignored": [e.to_dict() for e in self.ignored],
            "explain": self.explain,
        }


@dataclass(frozen=True)
class UrgentMatch(RouteMatch):
    """A RouteMatch from the urgent detector; carries the full assessment."""

    assessment: Assessment | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class UrgentHit:
    """An emergency report: its category and the match (kept for older callers)."""

    category: str
    match: RouteMatch


# ----------------------------------------------------------------------------- matching


def _parts(phrase: str) -> tuple[str, ...]:
    return tuple(p for p in phrase.removesuffix(CLAUSE_END).split("…") if p)


def _at_clause_end(text: str, pos: int) -> bool:
    while pos < len(text) and text[pos] in lexicon.CLAUSE_END_PARTICLES:
        pos += 1
    return pos >= len(text) or text[pos] in CLAUSE_BREAKS


class _Matcher:
    """Finds every phrase of every group in one Aho-Corasick pass, then joins gapped parts."""

    def __init__(self, groups: Mapping[str, Iterable[tuple[str, str | None]]]) -> None:
        self._entries: list[tuple[str, str, tuple[str, ...], str | None]] = []
        fragments: dict[str, int] = {}
        for group, phrases in groups.items():
            for phrase, community in phrases:
                parts = _parts(phrase)
                if not parts:
                    continue
                self._entries.append((group, phrase, parts, community))
                for part in parts:
                    fragments.setdefault(part, len(fragments))
        self._fragments = list(fragments)
        self._by_first: dict[str, list[int]] = {}
        for i, (_, _, parts, _) in enumerate(self._entries):
            self._by_first.setdefault(parts[0], []).append(i)
        self._automaton = (
            ahocorasick_rs.AhoCorasick(self._fragments, implementation=ahocorasick_rs.Implementation.DFA)
            if self._fragments
            else None
        )

    def find(self, text: str) -> list[Hit]:
        if self._automaton is None or not text:
            return []
        starts: dict[str, list[int]] = {}
        for idx, start, _ in self._automaton.find_matches_as_indexes(text, overlapping=True):
            starts.setdefault(self._fragments[idx], []).append(start)
        for positions in starts.values():
            positions.sort()
        hits: list[Hit] = []
        for first, positions in starts.items():
            for entry in self._by_first.get(first, ()):
                group, phrase, parts, community = self._entries[entry]
                for start in positions:
                    hit = self._chain(text, starts, parts, start)
                    if hit is not None and (not phrase.endswith(CLAUSE_END) or _at_clause_end(text, hit[0])):
                        end, gaps = hit
                        hits.append(Hit(group, phrase, start, end, gaps, community))
        return hits

    @staticmethod
    def _chain(
        text: str, starts: Mapping[str, list[int]], parts: tuple[str, ...], start: int
    ) -> tuple[int, tuple[tuple[int, int], ...]] | None:
        pos = start + len(parts[0])
        gaps: list[tuple[int, int]] = []
        for part in parts[1:]:
            nxt = None
            for candidate in starts.get(part, ()):
                if candidate < pos:
                    continue
                if candidate - pos > lexicon.GAP or any(c in CLAUSE_BREAKS for c in text[pos:candidate]):
                    break
                nxt = candidate
                break
            if nxt is None:
                return None
            if nxt > pos:
                gaps.append((pos, nxt))
            pos = nxt + len(part)
        return pos, tuple(gaps)


# ----------------------------------------------------------------------------- the detector


@dataclass
class _Text:
    """The message being judged, with its clauses and token starts."""

    text: str
    clause: list[int]
    token_starts: dict[int, str] | None

    @classmethod
    def build(cls, text: str, tokens: Sequence[str]) -> _Text:
        clause, index, previous_break = [], 0, True
        for ch in text:
            is_break = ch in CLAUSE_BREAKS
            if is_break and not previous_break:
                index += 1
            clause.append(-1 if is_break else index)
            previous_break = is_break
        return cls(text, clause, _token_starts(tokens, text))

    def clause_of(self, pos: int) -> int:
        """The clause a position belongs to; a break (such as "?") belongs to the clause before it."""
        while 0 <= pos < len(self.clause) and self.clause[pos] < 0:
            pos -= 1
        return self.clause[pos] if 0 <= pos < len(self.clause) else -1

    def clause_span(self, index: int) -> tuple[int, int]:
        positions = [i for i, c in enumerate(self.clause) if c == index]
        return (positions[0], positions[-1] + 1) if positions else (0, 0)

    def unbroken(self, start: int, end: int) -> bool:
        return not any(c in CLAUSE_BREAKS for c in self.text[start:end])


def _token_starts(tokens: Sequence[str], text: str) -> dict[int, str] | None:
    if not tokens:
        return None
    starts: dict[int, str] = {}
    pos = 0
    for token in tokens:
        at = text.find(token, pos)
        if at < 0:
            continue
        starts[at] = token
        pos = at + len(token)
    return starts


class Detector:
    """Judges messages for emergencies; build once per rule set, then cheap and thread-safe.

    Args:
        rules: the tickets.urgent rules (others are ignored): group extensions and
            old-style keyword rules, see the module docstring.
        categories: the category slugs that exist; a situation whose own category is
            missing is filed under CATEGORY_FALLBACKS (electric_shock -> power).
        min_level: the lowest level route() reports as a match.
        strict: raise on a bad rule instead of skipping it. The engine rebuilds on every
            admin change and must not stop judging because of one typo, so it is off
            by default; skipped rules are listed in `problems` (check rules when they
            are saved with urgent_rule_problem()).
    Raises:
        UrgentLexiconError: strict, and a rule names an unknown group or level.
    """

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        *,
        categories: Collection[str] = CATEGORIES,
        min_level: Level = Level.AMBIGUOUS,
        strict: bool = False,
    ) -> None:
        self.rules: tuple[Rule, ...] = tuple(r for r in rules if r.intent == URGENT_INTENT)
        self.categories = frozenset(categories)
        self.min_level = min_level
        self.problems: tuple[str, ...] = ()
        groups: dict[str, list[tuple[str, str | None]]] = {
            name: [(p, None) for p in phrases] for name, phrases in lexicon.GROUPS.items()
        }
        legacy: list[Rule] = []
        problems: list[str] = []
        for rule in self.rules:
            problem = urgent_rule_problem(rule)
            if problem is not None:
                if strict:
                    raise UrgentLexiconError(problem)
                problems.append(problem + "; the rule is ignored")
                continue
            group = rule.params.get("group")
            if group is None:
                legacy.append(rule)
                continue
            groups[group].extend((w, rule.community) for w in (*rule.any, *rule.all))
            groups["decoy"].extend((w, rule.community) for w in rule.none)
        self.problems = tuple(problems)
        self._matcher = _Matcher(groups)
        self._legacy = Router(legacy) if legacy else None
        self._legacy_rules = {r.name: r for r in legacy}

    def __len__(self) -> int:
        """How many admin rules it holds (as Router counts rules)."""
        return len(self.rules)

    def __bool__(self) -> bool:
        # Always true: the built-in lexicon works without any rule. Callers test
        # `if urgent_router:` (nlp.understand), which __len__ alone would turn off.
        return True

    # -- the verdict ------------------------------------------------------------------------

    def assess(self, text: str, tokens: Sequence[str] = (), community: str | None = None) -> Assessment:
        """Judge one normalised message (nlp.normalize.normalize) and its jieba tokens."""
        work = _strip_fillers(text)
        doc = _Text.build(work, tokens)
        hits = self._hits(doc, community)
        by_group: dict[str, list[Hit]] = {}
        for hit in hits:
            by_group.setdefault(hit.group, []).append(hit)
        found: list[Evidence] = []
        for frame in FRAMES:
            for core in by_group.get(frame.needs[0], ()):
                parts = _complete(frame, core, by_group)
                if parts is not None:
                    found.append(self._judge(frame, core, parts, doc, by_group))
        found.extend(self._legacy_evidence(doc, tokens, community, by_group))
        return self._verdict(work, found)

    def _hits(self, doc: _Text, community: str | None) -> list[Hit]:
        hits = [h for h in self._matcher.find(doc.text) if h.community is None or h.community == community]
        hits = [h for h in hits if _token_ok(h, doc)]
        decoys = [h for h in hits if h.group == "decoy"]
        kept = []
        for h in hits:
            if h.group == "decoy":
                continue
            if any(d.start <= h.start and h.end <= d.end and (d.start, d.end) != (h.start, h.end) for d in decoys):
                continue
            kept.append(h)
        return kept

    def _verdict(self, text: str, found: list[Evidence]) -> Assessment:
        live = [e for e in found if e.live]
        live.sort(key=lambda e: (-e.level.rank, PRIORITY.index(e.situation), -len(e.hits), e.hits[0].start))
        unique: list[Evidence] = []
        for e in live:
            spans = [(h.start, h.end) for h in e.hits]
            if not any(u.frame == e.frame and [(h.start, h.end) for h in u.hits] == spans for u in unique):
                unique.append(e)
        ignored = tuple(e for e in found if not e.live)
        best = unique[0] if unique else None
        if best is None:
            return Assessment(text, Level.NONE, None, None, (), ignored)
        return Assessment(text, best.level, best.situation, self._category(best.category), tuple(unique), ignored)

    def _category(self, category: str) -> str:
        if category in self.categories:
            return category
        return CATEGORY_FALLBACKS.get(category, category)

    # -- one finding ------------------------------------------------------------------------

    def _judge(
        self, frame: Frame, core: Hit, parts: tuple[Hit, ...], doc: _Text, groups: Mapping[str, list[Hit]]
    ) -> Evidence:
        level, notes = frame.level, []
        reason = _dropped(frame, core, parts, doc, groups)
        if reason is not None:
            return Evidence(frame.name, frame.situation, frame.category, level, parts, reason[0], reason[1])
        if level is Level.AMBIGUOUS:
            upgrade = _upgrade(frame, core, groups)
            if upgrade:
                level = Level.STRONG
                notes.append(f"strong: {upgrade}")
            elif frame.weak_medical:
                mild = _first(groups, "non_acute") or _in_clause(groups, "minimizer", core, doc)
                if mild is not None:
                    return Evidence(
                        frame.name, frame.situation, frame.category, level, parts, "not acute", f"'{mild.phrase}'"
                    )
        worded = level
        question = _in_clause(groups, "question.yesno", core, doc)
        if question is not None and level is Level.STRONG:
            level = Level.AMBIGUOUS
            notes.append(f"asked as a question ('{question.phrase}')")
        soon = _imminent(core, doc, groups)
        if soon is not None and level is Level.STRONG:
            level = Level.AMBIGUOUS
            notes.append(f"about to happen ('{soon.phrase}')")
        return Evidence(frame.name, frame.situation, frame.category, level, parts, notes=tuple(notes), worded=worded)

    def _legacy_evidence(
        self, doc: _Text, tokens: Sequence[str], community: str | None, groups: Mapping[str, list[Hit]]
    ) -> list[Evidence]:
        if self._legacy is None:
            return []
        match = self._legacy.route(tokens, doc.text, community)
        if match is None:
            return []
        rule = match.rule
        hits = []
        for keyword in match.keywords:
            at = doc.text.lower().find(keyword.lower())
            if at >= 0:
                hits.append(Hit(f"rule:{rule.name}", keyword, at, at + len(keyword)))
        if not hits:
            return []
        category = rule.category or "public_facilities"
        situation = LEGACY_SITUATIONS.get(category, Situation.MEDICAL)
        level = Level(rule.params.get("level", Level.AMBIGUOUS))
        frame = Frame(f"rule:{rule.name}", situation, category, (hits[0].group,), level)
        return [self._judge(frame, hits[0], tuple(hits), doc, groups)]

    # -- Router compatibility ---------------------------------------------------------------

    def route(self, tokens: Sequence[str], text: str, community: str | None = None) -> UrgentMatch | None:
        """The urgent match (level >= min_level) as a RouteMatch, or None."""
        return self._match(self.assess(text, tokens, community))

    def explain(self, tokens: Sequence[str], text: str, community: str | None = None) -> Explanation:
        """What route() decided, in the router's Explanation shape (one candidate per finding)."""
        assessment = self.assess(text, tokens, community)
        match = self._match(assessment)
        candidates = []
        for i, e in enumerate((*assessment.evidence, *assessment.ignored)):
            status = "vetoed" if not e.live else "winner" if (match is not None and i == 0) else "eligible"
            candidates.append(Candidate(
                rule=self._rule_for(e, assessment), status=status, matched=e.phrases if e.live else (),
                hits=tuple(assessment.text[h.start:h.end] for h in e.hits), missing=(),
                vetoed_by=(f"{e.dropped}: {e.because}",) if e.dropped else (), negated=(),
                score=(100, len(e.hits), sum(h.end - h.start for h in e.hits), 0, 0),
            ))  # fmt: skip
        if match is not None:
            reason = assessment.explain
        elif assessment.urgent:
            reason = f"{assessment.level} is below the reporting level {self.min_level}: " + assessment.explain
        else:
            reason = assessment.explain
        return Explanation(match, tuple(candidates), reason, (), ())

    def _match(self, assessment: Assessment) -> UrgentMatch | None:
        best = assessment.best
        if best is None or assessment.level.rank < self.min_level.rank:
            return None
        rule = self._rule_for(best, assessment)
        return UrgentMatch(URGENT_INTENT, rule, best.phrases, assessment=assessment)

    def _rule_for(self, evidence: Evidence, assessment: Assessment) -> Rule:
        name = evidence.frame.removeprefix("rule:")
        if name in self._legacy_rules:
            rule = self._legacy_rules[name]
        else:
            rule = Rule(
                id=0,
                name=f"urgent.{evidence.frame}",
                intent=URGENT_INTENT,
                category=evidence.category,
                any=evidence.phrases,
                priority=100,
            )
        params = {
            **rule.params,
            "situation": str(evidence.situation),
            "level": str(evidence.level),
            "frame": evidence.frame,
            "explain": assessment.explain,
        }
        return dataclasses.replace(rule, category=self._category(evidence.category), params=MappingProxyType(params))


# ----------------------------------------------------------------------------- the checks


def _strip_fillers(text: str) -> str:
    """Voice fillers become spaces (a pause), so offsets still match the tokens."""
    for filler in lexicon.FILLERS:
        text = text.replace(filler, " ")
    return text


def _token_ok(hit: Hit, doc: _Text) -> bool:
    """One-character markers must be whole tokens, some words must start one (when tokens are known)."""
    if doc.token_starts is None:
        return True
    if hit.group in TOKEN_START_GROUPS:
        return hit.start in doc.token_starts
    if hit.end - hit.start != 1 or hit.group not in TOKEN_BOUND_GROUPS:
        return True
    return doc.token_starts.get(hit.start) == hit.phrase


def _complete(frame: Frame, core: Hit, groups: Mapping[str, list[Hit]]) -> tuple[Hit, ...] | None:
    parts = [core]
    for name in frame.needs[1:]:
        near = [
            h
            for h in groups.get(name, ())
            if max(h.end, core.end) - min(h.start, core.start) <= frame.window
            and not (h.start < core.end and core.start < h.end)
        ]
        if not near:
            return None
        parts.append(min(near, key=lambda h: abs(h.start - core.start)))
    return tuple(parts)


def _first(groups: Mapping[str, list[Hit]], name: str) -> Hit | None:
    found = groups.get(name)
    return min(found, key=lambda h: h.start) if found else None


def _in_clause(groups: Mapping[str, list[Hit]], name: str, core: Hit, doc: _Text) -> Hit | None:
    clause = doc.clause_of(core.start)
    for h in groups.get(name, ()):
        if doc.clause_of(h.start) == clause:
            return h
    return None


def _before(groups: Mapping[str, list[Hit]], name: str, hit: Hit, doc: _Text, reach: int) -> Hit | None:
    """A hit of `name` ending at most `reach` characters before `hit`, in the same clause."""
    for h in groups.get(name, ()):
        if h.end <= hit.start and hit.start - h.end <= reach and doc.unbroken(h.end, hit.start):
            return h
    return None


def _imminent(core: Hit, doc: _Text, groups: Mapping[str, list[Hit]]) -> Hit | None:
    """快/要/都要 right before the core word, or inside its gap (心脏病都要犯了)."""
    for h in groups.get("imminent", ()):
        if h.end == core.start and doc.unbroken(h.start, core.start):
            return h
        if any(gs <= h.start and h.end <= ge for gs, ge in core.gaps):
            return h
    return None


def _dropped(
    frame: Frame, core: Hit, parts: tuple[Hit, ...], doc: _Text, groups: Mapping[str, list[Hit]]
) -> tuple[str, str] | None:
    """The first reason this finding is not an emergency now, as (check, detail), or None."""
    text = doc.text
    negator = _before(groups, "negator", core, doc, NEGATION_REACH)
    if negator is not None:
        return "negated", f"'{negator.phrase}' before '{text[core.start : core.end]}'"
    for h in groups.get("ceased", ()):
        if core.end <= h.start <= core.end + CEASED_REACH and doc.unbroken(core.end, h.start):
            return "resolved", f"'{h.phrase}' after '{text[core.start : core.end]}'"
    for name in ("resolved", f"resolved.{frame.situation}"):
        for h in groups.get(name, ()):
            if h.start >= core.start and not (h.start < core.end and core.start < h.end):
                return "resolved", f"'{h.phrase}'"
    clause = doc.clause_of(core.start)
    in_clause = lambda name: [h for h in groups.get(name, ()) if doc.clause_of(h.start) == clause]  # noqa: E731
    for h in in_clause("near_miss"):
        if h.end <= core.start:
            return "near miss", f"'{h.phrase}'"
    if frame.imminent_drops:
        soon = _imminent(core, doc, groups)
        if soon is not None:
            return "not happened (yet)", f"'{soon.phrase}' before '{text[core.start : core.end]}'"
    for h in in_clause("figure"):
        if h.end <= core.start or (h.start < core.end and core.start < h.end):
            return "figure of speech", f"'{text[h.start : h.end]}'"
    if frame.situation is Situation.FIRE:
        body = _before(groups, "figure.body", core, doc, FIGURE_BODY_REACH)
        if body is not None:
            return "figure of speech", f"'{text[body.start : core.end]}'"
    hypothetical = in_clause("hypothetical")
    if hypothetical:
        return "hypothetical", f"'{text[hypothetical[0].start : hypothetical[0].end]}'"
    if clause > 0:
        for h in groups.get("hypothetical.conditional", ()):
            if doc.clause_of(h.start) == clause - 1:
                return "hypothetical", f"'{h.phrase}' in the clause before"
        worry = _worry(core, doc, groups, clause)
        if worry is not None:
            return "hypothetical", worry
    before = _before(groups, "hypothetical.before", core, doc, 0)
    if before is not None:
        return "hypothetical", f"'{before.phrase}' before '{text[core.start : core.end]}'"
    habitual = in_clause("habitual")
    if habitual:
        return "habitual", f"'{habitual[0].phrase}'"
    past = _past(core, doc, groups, in_clause("past"), bool(in_clause("present")))
    if past is not None:
        return "past", past
    info = in_clause("question.info") or in_clause("topic")
    if info:
        return "question about it", f"'{text[info[0].start : info[0].end]}'"
    if frame.explainable:
        cause = _first(groups, "explanation")
        if cause is not None:
            return "explained", f"'{cause.phrase}'"
    if frame.alone and not _alone(doc, groups):
        return "says more", "a cry for help counts only on its own"
    if frame.person:
        who = _subject(core, doc, groups, required=frame.person == "required")
        if who is not None:
            return "not a person", who
    return None


WORRY_HAZARD_CLAUSES = 2  # "…在充电瓶车 电线拉得到处都是 着火了怎么办": the hazard one or two clauses before


def _worry(core: Hit, doc: _Text, groups: Mapping[str, list[Hit]], clause: int) -> str | None:
    """"楼道里堆满了纸箱子，着火了咋整": a hazard said just before, and "what then" after the core word.

    A real emergency asked about ("家里着火了怎么办") has no hazard clause before it, and one said with a
    plea or a "now" ("…着火了怎么办 快来") is not a worry: both stay emergencies.
    """
    if groups.get("plea") or groups.get("plea.cry") or groups.get("present"):
        return None
    then = next((h for h in groups.get("what_then", ()) if h.start >= core.end and doc.clause_of(h.start) == clause),
                None)
    if then is None:
        return None
    hazard = next((h for h in groups.get("hazard", ())
                   if clause - WORRY_HAZARD_CLAUSES <= doc.clause_of(h.start) < clause), None)
    if hazard is None:
        return None
    return f"'{hazard.phrase}' in the clause before, '{then.phrase}' after '{doc.text[core.start : core.end]}'"


def _past(core: Hit, doc: _Text, groups: Mapping[str, list[Hit]], past: list[Hit], present: bool) -> str | None:
    if present:
        return None
    if past:
        return f"'{past[0].phrase}'"
    after = doc.text[core.end : core.end + PAST_AFTER_REACH + 1]
    at = after.find(lexicon.EXPERIENTIAL)
    if at >= 0 and doc.unbroken(core.end, core.end + at) and after[at + 1 : at + 2] not in lexicon.DIRECTIONAL:
        return f"'{doc.text[core.start : core.end]}{after[: at + 1]}'"
    clause = doc.clause_of(core.start)
    if clause > 0:
        start, end = doc.clause_span(clause - 1)
        for h in groups.get("past", ()):
            if start <= h.start and h.end <= end and (end - start) - (h.end - h.start) <= CARRY_CLAUSE_SLACK:
                return f"'{h.phrase}' in the clause before"
    return None


def _subject(core: Hit, doc: _Text, groups: Mapping[str, list[Hit]], *, required: bool) -> str | None:
    """None when a person is (or, not required, may be) the subject of the core word, else why not."""
    if any(core.start <= h.start and h.end <= core.end for h in groups.get("subject.person", ())):
        return None  # 躺着个人, 困了四五个人
    nearest: Hit | None = None
    for name in ("subject.person", "subject.animal", "object"):
        for h in groups.get(name, ()):
            if (
                h.end <= core.start
                and core.start - h.end <= SUBJECT_REACH
                and not any(c in "。!?" for c in doc.text[h.end : core.start])
            ):
                if nearest is None or h.end > nearest.end or (h.end == nearest.end and h.start < nearest.start):
                    nearest = h
    if nearest is None:
        return "no person named before it" if required else None
    if nearest.group != "subject.person":
        return f"'{nearest.phrase}' is not a person"
    return None


def _alone(doc: _Text, groups: Mapping[str, list[Hit]]) -> bool:
    """Whether the message is only cries for help (and particles, punctuation, spaces)."""
    covered = [False] * len(doc.text)
    for h in groups.get("plea.cry", ()):
        covered[h.start : h.end] = [True] * (h.end - h.start)
    rest = [
        c for c, done in zip(doc.text, covered, strict=True)
        if not done and c not in CLAUSE_BREAKS and c not in lexicon.CLAUSE_END_PARTICLES
    ]  # fmt: skip
    return len(rest) <= ALONE_SLACK


def _upgrade(frame: Frame, core: Hit, groups: Mapping[str, list[Hit]]) -> str:
    for name in (*frame.strong_with, *(() if frame.alone else ("plea",))):
        hit = _first(groups, name)
        if hit is not None:
            return f"'{hit.phrase}'"
    if frame.strong_count:
        signs = sorted(groups.get(frame.needs[0], ()), key=lambda h: h.start)
        distinct: list[Hit] = []
        for h in signs:
            if not any(h.start < d.end and d.start < h.end for d in distinct):
                distinct.append(h)
        if len(distinct) >= frame.strong_count:
            return f"{len(distinct)} signs"
    return ""


# ----------------------------------------------------------------------------- building


def urgent_rule_problem(rule: Rule) -> str | None:
    """What is wrong with a tickets.urgent rule for the detector (None: nothing); call it when an admin saves one."""
    group = rule.params.get("group")
    if group is not None and group not in lexicon.GROUPS:
        return f"rule '{rule.name}': params.group {group!r} is not an urgent word group (see nlp/lexicon/urgent.py)"
    if group is None and rule.params.get("level", Level.AMBIGUOUS) not in (Level.AMBIGUOUS, Level.STRONG):
        return f"rule '{rule.name}': params.level must be ambiguous or strong"
    return None


def split_rules(rules: Iterable[Rule]) -> tuple[list[Rule], list[Rule]]:
    """Separate rules into (normal, urgent)."""
    normal: list[Rule] = []
    urgent: list[Rule] = []
    for rule in rules:
        (urgent if rule.intent == URGENT_INTENT else normal).append(rule)
    return normal, urgent


def build_detector(rules: Iterable[Rule] = (), *, categories: Collection[str] = CATEGORIES) -> Detector:
    """A Detector over the built-in lexicon plus the tickets.urgent rules given."""
    return Detector(rules, categories=categories)


def build_routers(rules: Iterable[Rule]) -> tuple[Router, Detector]:
    """Build (normal router, urgent detector) from one rule list.

    The detector stands where the urgent Router stood (route/explain), so a normal rule
    with a high priority can never hide an emergency.
    """
    normal, urgent = split_rules(rules)
    return Router(normal), Detector(urgent)


def build_urgent_router(rules: Iterable[Rule]) -> Detector:
    """The urgent detector over the tickets.urgent rules only."""
    return Detector(r for r in rules if r.intent == URGENT_INTENT)


def check_urgent(
    router: Router | Detector, tokens: Sequence[str], text: str, community: str | None = None
) -> UrgentHit | None:
    """Say whether a normalised message is an emergency, and of which category."""
    match = router.route(tokens, text, community)
    if match is None or match.intent != URGENT_INTENT or match.category is None:
        return None
    return UrgentHit(match.category, match)


_default: Detector | None = None


def assess(text: str, tokens: Sequence[str] = (), community: str | None = None) -> Assessment:
    """Judge a normalised message with the built-in lexicon only (no admin rules)."""
    global _default
    if _default is None:
        _default = Detector()
    return _default.assess(text, tokens, community)
