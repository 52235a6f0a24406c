"""Capabilities: everything one feature package brings, declared in one object.

A capability (``handlers/<name>/``) declares its chat intents and conversation
states, its scheduled jobs, its import sections, its API blueprint with the
OpenAPI paths it serves, its admin pages, its health checks for ``doctor`` and
its CLI commands. The framework builds the app, the worker, the importer, the
OpenAPI document and the CLI from the list in ``handlers/registry.py`` alone
and never names a capability (``load_registry`` imports the list by its
module name).

A handler is a plain function ``(ctx: Ctx) -> Reply``. It changes rows through
``ctx.db`` and queues outbound messages through ``ctx.outbox``, all inside the
request's one transaction; the dispatcher commits.

Besides intents, a capability may listen to WeChat events another capability
answers (``on_event``: a follow from a QR scene, an unfollow), map menu CLICK
keys to its intents (``menu``), and name default content files that
``python -m bot init`` imports after the framework's (``defaults``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.dialog.message import IncomingMessage, Reply

if TYPE_CHECKING:
    import click
    from flask import Blueprint

    from bot.config import Config
    from bot.delivery.outbox import Outbox
    from bot.importer import ImportContext
    from bot.jobs.scheduler import CronJob, Sweep
    from bot.services import Services
    from nlp.router import RouteMatch
    from nlp.understand import Understanding

Handler = Callable[["Ctx"], Reply]
# Runs for an event (subscribe, unsubscribe, scan …) before the reply is sent, in the same
# transaction; returns a line to add to the reply, or None.
EventListener = Callable[["Ctx"], "str | None"]
JobFactory = Callable[["Services"], "Iterable[Sweep | CronJob]"]
HealthCheck = Callable[["Services"], "list[str]"]  # problems found, each with its fix; [] when healthy
# (ok, errors, not_found, body) -> {path: path item}, with the shared response objects of bot/web/openapi.py
OpenApiPaths = Callable[..., dict[str, Any]]

REGISTRY_MODULE = "handlers.registry"


@dataclass
class Ctx:
    """Everything a handler may use; nothing else (no Flask, no channel)."""

    msg: IncomingMessage
    db: Session
    outbox: Outbox
    now: datetime
    config: Config
    services: Services
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    match: RouteMatch | None = None  # when the router chose this handler
    understanding: Understanding | None = None  # of msg.text, when it has text and an NLP engine runs


@dataclass(frozen=True)
class ImportSection:
    """Sections of the import format a capability reads, and when (lower ``order`` runs first)."""

    names: tuple[str, ...]
    run: Callable[[ImportContext], None]
    order: int = 50


@dataclass(frozen=True)
class AdminPage:
    """A page of the staff's web UI: its menu entry, who may open it, and where it sits in the menu.

    ``endpoint`` names a view of a blueprint the capability serves with ``admin(..., blueprint=)``.
    Roles: "admin" (管理员, may open everything), "staff" (社区工作人员), "grid" (网格员),
    "department" (部门联络人).
    """

    title: str
    endpoint: str
    roles: tuple[str, ...] = ("admin",)
    order: int = 50  # lower comes first in the menu


@dataclass(frozen=True)
class DashboardPanel:
    """A block of the admin dashboard: ``render(view)`` returns its HTML (a rendered template).

    ``view`` is the admin framework's request view (the signed-in user, a session, the clock).
    """

    render: Callable[[Any], str]
    roles: tuple[str, ...] = ("admin",)
    order: int = 50


@dataclass(frozen=True)
class OpenApiPart:
    """The request schemas and the paths a capability's blueprint serves."""

    schemas: Sequence[type[Any]]
    paths: OpenApiPaths


class Capability:
    """One feature package's declaration: intents, states, jobs, imports, API, admin, checks, commands."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.intents: dict[str, Handler] = {}
        self.states: dict[str, Handler] = {}
        self.state_enums: list[type[StrEnum]] = []
        self.job_factories: list[JobFactory] = []
        self.import_sections: list[ImportSection] = []
        self.blueprints: list[Blueprint] = []
        self.openapi: list[OpenApiPart] = []
        self.admin_pages: list[AdminPage] = []
        self.admin_blueprints: list[Blueprint] = []
        self.dashboard_panels: list[DashboardPanel] = []
        self.health_checks: list[HealthCheck] = []
        self.commands: list[tuple[str | None, click.Command]] = []
        self.menu_keys: dict[str, str] = {}
        self.event_listeners: list[tuple[str, EventListener]] = []
        self.default_files: list[Path] = []

    def __repr__(self) -> str:
        return f"Capability({self.name!r})"

    # -- chat -------------------------------------------------------------------------

    def intent(self, name: str) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            if name in self.intents:
                raise ValueError(f"intent {name} registered twice")
            self.intents[name] = func
            return func

        return register

    def state(self, name: StrEnum) -> Callable[[Handler], Handler]:
        """Register the handler of a conversation step; the step is a member of a declared StrEnum."""
        if not isinstance(name, StrEnum):
            raise TypeError(f"state {name!r} of {self.name} must be a StrEnum member (declare_states)")

        def register(func: Handler) -> Handler:
            if name in self.states:
                raise ValueError(f"state {name} registered twice")
            self.states[str(name)] = func
            return func

        return register

    def declare_states(self, enum: type[StrEnum]) -> type[StrEnum]:
        """The capability owns these conversation states (``"capability.flow:step"`` ids)."""
        self.state_enums.append(enum)
        return enum

    def on_event(self, *events: str) -> Callable[[EventListener], EventListener]:
        """Also run ``listener(ctx)`` for these lower-case WeChat events (whoever answers them)."""

        def register(func: EventListener) -> EventListener:
            self.event_listeners.extend((event, func) for event in events)
            return func

        return register

    def menu(self, key: str, intent: str) -> None:
        """A menu CLICK key (upper case; ``KEY:argument`` also matches) answered by one of our intents."""
        self.menu_keys[key.upper()] = intent

    # -- the rest of what a capability brings --------------------------------------------

    def jobs(self, factory: JobFactory) -> JobFactory:
        """Scheduled work: ``factory(services)`` returns the sweeps and crons to run."""
        self.job_factories.append(factory)
        return factory

    def imports(self, *names: str, order: int = 50) -> Callable[[Callable[[ImportContext], None]], Any]:
        """Read these sections of an import file (``docs/import.md``)."""

        def register(func: Callable[[ImportContext], None]) -> Callable[[ImportContext], None]:
            self.import_sections.append(ImportSection(tuple(names), func, order))
            return func

        return register

    def api(self, blueprint: Blueprint, *, schemas: Sequence[type[Any]] = (), paths: OpenApiPaths | None = None) -> None:
        """Serve ``blueprint`` (under /api/v1) and document it in the OpenAPI document."""
        self.blueprints.append(blueprint)
        if paths is not None:
            self.openapi.append(OpenApiPart(schemas, paths))

    def admin(self, *pages: AdminPage, blueprint: Blueprint | None = None) -> None:
        """Menu entries of the staff's web UI, and the blueprint serving them (mounted under /admin)."""
        self.admin_pages.extend(pages)
        if blueprint is not None:
            self.admin_blueprints.append(blueprint)

    def dashboard(self, panel: DashboardPanel) -> None:
        self.dashboard_panels.append(panel)

    def health(self, check: HealthCheck) -> HealthCheck:
        self.health_checks.append(check)
        return check

    def command(self, command: click.Command, *, group: str | None = None) -> None:
        """A ``python -m bot`` subcommand this capability brings (in ``group``, e.g. "admin", when given)."""
        self.commands.append((group, command))

    def defaults(self, *paths: Path) -> None:
        """Import files (docs/import.md format) that ``python -m bot init`` loads after the framework's defaults."""
        self.default_files.extend(paths)


class Registry:
    """All capabilities of the running bot, looked up by intent or state."""

    def __init__(self, capabilities: Sequence[Capability]) -> None:
        self.capabilities = list(capabilities)
        self.intents: dict[str, Handler] = {}
        self.states: dict[str, Handler] = {}
        self.menu_keys: dict[str, str] = {}
        names: set[str] = set()
        for cap in self.capabilities:
            if cap.name in names:
                raise ValueError(f"capability {cap.name} listed twice")
            names.add(cap.name)
            for table, own in ((self.intents, cap.intents), (self.states, cap.states)):
                clash = table.keys() & own.keys()
                if clash:
                    raise ValueError(f"capability {cap.name} redefines {sorted(clash)}")
                table.update(own)
            clash = self.menu_keys.keys() & cap.menu_keys.keys()
            if clash:
                raise ValueError(f"capability {cap.name} redefines menu keys {sorted(clash)}")
            self.menu_keys.update(cap.menu_keys)
            declared = {str(member) for enum in cap.state_enums for member in enum}
            undeclared = set(cap.states) - declared
            if undeclared:
                raise ValueError(f"capability {cap.name} handles undeclared states {sorted(undeclared)}")

    def jobs(self, services: Services) -> list[Sweep | CronJob]:
        return [job for cap in self.capabilities for factory in cap.job_factories for job in factory(services)]

    def import_sections(self) -> list[ImportSection]:
        return sorted((s for cap in self.capabilities for s in cap.import_sections), key=lambda s: s.order)

    def blueprints(self) -> list[Blueprint]:
        return [bp for cap in self.capabilities for bp in cap.blueprints]

    def openapi_parts(self) -> list[OpenApiPart]:
        return [part for cap in self.capabilities for part in cap.openapi]

    def admin_pages(self) -> list[AdminPage]:
        return sorted((page for cap in self.capabilities for page in cap.admin_pages), key=lambda p: p.order)

    def admin_blueprints(self) -> list[Blueprint]:
        return [bp for cap in self.capabilities for bp in cap.admin_blueprints]

    def dashboard_panels(self) -> list[DashboardPanel]:
        return sorted((p for cap in self.capabilities for p in cap.dashboard_panels), key=lambda p: p.order)

    def health_checks(self) -> list[HealthCheck]:
        return [check for cap in self.capabilities for check in cap.health_checks]

    def commands(self) -> list[tuple[str | None, click.Command]]:
        return [entry for cap in self.capabilities for entry in cap.commands]

    def event_listeners(self, event: str) -> list[EventListener]:
        return [func for cap in self.capabilities for name, func in cap.event_listeners if name == event]

    def default_files(self) -> list[Path]:
        return [path for cap in self.capabilities for path in cap.default_files]


def load_registry(module: str = REGISTRY_MODULE) -> Registry:
    """The registry of the capabilities listed in ``module`` (its ``CAPABILITIES`` list).

    Imported by name so the framework never imports a capability itself.
    """
    return Registry(importlib.import_module(module).CAPABILITIES)
