"""The process's NLP engine: one warmed tokenizer and routers rebuilt when rules change.

It looks at the rules and words version counters at most once a second, and
at once after this process changed one (bot/cache.py): when an admin changed
rules or words on any process, a message here a second later at most rebuilds
the routers and adds the new words (and removes deleted ones), without a
restart. A message costs no query of its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from bot import cache
from bot.db import Database
from bot.routing import rulestore
from nlp.router import Router
from nlp.rules import Rule
from nlp.tokenizer import Tokenizer, dictionary_files
from nlp.understand import Understanding, explain, understand
from nlp.urgent import Detector, build_routers

log = logging.getLogger(__name__)
Routers = tuple[Router, Any]  # (normal router, urgent detector) as nlp.urgent.build_routers makes them
# A question and a report in one message, each in a clause of its own ("…漏水，顺便问下低保怎么申请"):
# the router's winner and the other one are both answered (bot/dialog/dispatcher.py).
ANSWERED_TOGETHER = {"faq.answer": "tickets.create", "tickets.create": "faq.answer"}


class NlpEngine:
    def __init__(self, db: Database, cache_dir: str | None = None, tokenizer: Tokenizer | None = None) -> None:
        self.db = db
        self.tokenizer = tokenizer or Tokenizer(cache_dir=cache_dir or None, user_dicts=dictionary_files())
        self._lock = threading.Lock()
        self._version: tuple[int, int] | None = None
        self._router = Router([])
        self._urgent: Router | Detector = Detector()  # the built-in words work before the first rule load
        self._words: set[str] = set()
        self._estates: tuple[str, ...] = ()

    def warm(self) -> float:
        """Load jieba and build the routers now; returns the seconds it took."""
        started = time.perf_counter()
        self.tokenizer.warm()
        self.refresh()
        return time.perf_counter() - started

    def refresh(self) -> bool:
        """Rebuild if the rules or words changed since the last build; True if rebuilt."""
        counters = cache.versions_of(self.db.engine).current()
        if (counters[cache.RULES_COUNTER], counters[cache.WORDS_COUNTER]) == self._version:
            return False
        with self._lock, self.db.session() as session:
            version = rulestore.versions(session)
            if version == self._version:
                return False
            # The build, under the lock, from one transaction's view of rules and words.
            rules = rulestore.load_rules(session)
            words = set(rulestore.load_words(session)) | set(rulestore.community_names(session))
            router, urgent = build_routers(r for r in rules if r.enabled)
            new_words, gone_words = words - self._words, self._words - words
            if gone_words:
                self.tokenizer.remove_words(sorted(gone_words))
            if new_words:
                self.tokenizer.add_words(sorted(new_words))
            self._router, self._urgent, self._words = router, urgent, words
            self._estates = tuple(rulestore.estate_names(session))
            self._version = version
        log.info("routers built: rules version %s, words version %s, %d rules", version[0], version[1], len(rules))
        return True

    def understand(self, text: str, community: str | None = None, routers: Routers | None = None,
                   urgent: bool = True) -> Understanding:
        """Route one message; ``routers`` (from ``draft``) replaces the stored rules' routers.

        ``urgent=False`` skips the urgent detector: a message the resident said is not an
        emergency ("2 否" to the confirmation question) is routed as an ordinary one.
        """
        self.refresh()
        router, detector = routers or (self._router, self._urgent)
        return understand(text, tokenizer=self.tokenizer, router=router, urgent_router=detector if urgent else None,
                          estates=self._estates, community=community, beside=ANSWERED_TOGETHER)

    def explain(self, text: str, community: str | None = None, router: Router | None = None,
                routers: Routers | None = None) -> dict[str, Any]:
        self.refresh()
        normal, urgent = routers or (router or self._router, self._urgent)
        return explain(
            text,
            tokenizer=self.tokenizer,
            router=normal,
            urgent_router=urgent,
            estates=self._estates,
            community=community,
        )

    def draft(self, rules: Iterable[Rule]) -> Routers:
        """(normal, urgent) routers over ``rules`` instead of the stored ones: try a change before saving it."""
        return build_routers(r for r in rules if r.enabled)

    def rules(self) -> list[Any]:
        with self.db.session() as session:
            return rulestore.load_rules(session)


def attach_nlp(services: Any) -> None:
    """Warm the tokenizer and build the routers before the first message."""
    cache_dir = services.config.nlp.cache_dir or str(services.config.var_path / "cache")
    engine = NlpEngine(services.db, cache_dir)
    seconds = engine.warm()
    log.info("NLP engine ready in %.2f s", seconds)
    services.nlp = engine
