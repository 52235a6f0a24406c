"""Run a dialogue (tests/conversations/dialogues/*.yaml) through the real webhook and check what people notice.

The format, one YAML file per issue point (``point: N`` is the file's default)::

    dialogues:
    - id: p2-west-gate-of-home-estate         # unique, used as the test id
      title: “小区西门”按居民自己的小区找          # what the dialogue shows, in a sentence
      point: 2                                # the issue point it covers (1–9)
      open: "小区西门 is filed at home"          # only while it fails on today's code: a strict xfail
      first_send: true                        # a plain report, counted for the first-send rate
      at: 2026-11-23 20:00                    # the local start time (default Monday 10:00; "now" = wall clock)
      home: 桂花苑1栋1单元101                    # "me" lives there (said as "我住…" before the turns)
      homes: {neighbour: 幸福里3栋1单元202}       # more residents' homes
      turns:
      - say: 小区西门的门禁坏了 进不去           # `who: member` speaks as someone else (SPEAKERS)
        expect: {ticket: {category: access_control, estate: 桂花苑, place: 西门}}
      - image: true                           # also: voice, location: LABEL
      - {wait: 2h, who: member, say: "完成 {T1} 已修好"}   # wait: 10m / 2h / 3d, at: "YYYY-MM-DD HH:MM"
      - sweep: true                           # the worker's sweeps as of the clock: `python -m bot sweep --at`
      - cli: sweep --in 26h                   # any `python -m bot` command; its output is the reply
      - readme_chat: true                     # the README's "[openid] 你: …" walkthrough, verbatim
      end: {tickets: 1}                       # checked after the last turn

Placeholders in texts: {T} the newest ticket's number, {T1} {T2} … by age, {T:heating}
the newest of a category, {url} a running `serve` + `worker`, {NAME} a value captured
from a push. Expectations (the ``check_*`` functions below; "reply" is the passive reply):
reply_has / reply_has_any / reply_lacks, reply_in_order (each text after the one before),
reply_has_ticket, asks_place, replied, tickets (how many), ticket / no_ticket (fields: category,
estate, building, unit, room, place, place_any, place_lacks, no_building, location_unknown, grid,
urgent, urged, status, rating, mentions, lacks, reporters, reported_by, joined_by, media, number), pushed
({to, has, has_any, lacks, count, all, capture}: messages that became due during the
turn, or ever with ``all``), unmatched_has / unmatched_lacks (the admin API's list).

Only public seams are used: ``bot.create_app``, ``bot.clock.FixedClock``, the models, the
WeChat wire format (tests/wechatkit), the admin API, and ``python -m bot`` (sweep, admin
create, serve, worker, chat) as subprocesses. Under pytest the services come from
tests/conftest.py's fixtures; the bench (bench/conversations.py) calls the same fixture
functions through ``standalone_services``.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select

from models import (
    Building,
    Estate,
    Grid,
    InboundMessage,
    OutboxMessage,
    OutboxStatus,
    Resident,
    Ticket,
    TicketEvent,
    TicketMedia,
    TicketReporter,
)

REPO = Path(__file__).resolve().parents[2]
DIALOGUES = Path(__file__).resolve().parent / "dialogues"
TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_START = "2026-11-23 10:00"  # a Monday morning, inside working hours
POINTS = tuple(range(1, 10))

# Who speaks: short names for the demo's people (data/demo.yaml); anything starting with "o" is a raw openid.
SPEAKERS = {
    "me": "oConvResident",
    "neighbour": "oConvNeighbour",
    "upstairs": "oConvUpstairs",
    "member": "oDemoMember",  # 李强, primary of 第二网格 (幸福里 3–5栋), backup of 第一网格
    "member2": "oDemoMember2",  # 赵敏, primary of 第三网格 (桂花苑, off duty), backup of 第二网格
    "staff": "oDemoStaff",  # 张主任, community staff
    "property": "oDemoProperty",  # 王经理, 物业
    "street": "oDemoStreet",  # 陈科长, 街道
    "police": "oDemoPolice",
    "power": "oDemoPower",
    "wangfang": "wangfang",  # WeCom: 第一网格 primary (push recipient only)
    "chengang": "chengang",  # WeCom: 第三网格 backup, on duty (push recipient only)
}
TICKET_NUMBER = re.compile(r"T\d{8}-\d{4,}")
PLACE_QUESTION = ("哪", "位置", "什么地方")


class DialogueFailure(AssertionError):
    """An expectation a dialogue did not meet: which turn, what was expected, what happened."""


# -- the format ------------------------------------------------------------------------------------


@dataclass
class Dialogue:
    id: str
    title: str
    point: int
    turns: list[dict[str, Any]]
    homes: dict[str, str] = field(default_factory=dict)
    start: str = DEFAULT_START
    end: dict[str, Any] = field(default_factory=dict)
    open: str | None = None  # why it fails on today's code (issue 10 not fixed yet)
    first_send: bool = False  # a plain report: counts for the first-send success rate
    source: str = ""


def load_dialogues(directory: Path = DIALOGUES) -> list[Dialogue]:
    """Every dialogue of every YAML file, in file order; ids must be unique."""
    found: list[Dialogue] = []
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        default_point = doc.get("point")
        for raw in doc.get("dialogues", []):
            homes = dict(raw.get("homes", {}))
            if "home" in raw:
                homes["me"] = raw["home"]
            found.append(
                Dialogue(
                    id=raw["id"],
                    title=raw["title"],
                    point=int(raw.get("point", default_point)),
                    turns=list(raw.get("turns", [])),
                    homes=homes,
                    start=str(raw.get("at", DEFAULT_START)),
                    end=dict(raw.get("end") or {}),
                    open=raw.get("open"),
                    first_send=bool(raw.get("first_send", False)),
                    source=path.name,
                )
            )
    ids = [d.id for d in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate dialogue ids: {duplicates}")
    unknown = [d.id for d in found if d.point not in POINTS]
    if unknown:
        raise ValueError(f"dialogues without an issue point 1–9: {unknown}")
    return found


# -- the world a dialogue runs in ------------------------------------------------------------------


def local_time(text: str) -> datetime:
    """ "2026-11-23 10:00" (Shanghai) -> an aware UTC datetime; "now" -> the wall clock, to the minute."""
    if text == "now":
        return datetime.now(UTC).replace(second=0, microsecond=0)
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ).astimezone(UTC)


def duration(text: str) -> timedelta:
    """ "10m", "2h", "3d", "1h30m" -> a timedelta."""
    parts = re.findall(r"(\d+)\s*([dhm])", str(text))
    if not parts or "".join(n + u for n, u in parts) != re.sub(r"\s", "", str(text)):
        raise ValueError(f"not a duration: {text!r} (use e.g. 10m, 2h, 3d)")
    units = {"d": "days", "h": "hours", "m": "minutes"}
    return sum((timedelta(**{units[u]: int(n)}) for n, u in parts), timedelta())


class World:
    """The demo community behind the real webhook, with a clock the dialogue moves."""

    def __init__(self, services: Any, workdir: Path) -> None:
        from bot import create_app
        from bot.clock import FixedClock
        from tests.wechatkit import OfficialAccountKit

        self.services = services
        self.clock = FixedClock(local_time(DEFAULT_START))
        services.clock = self.clock
        self.app = create_app(services=services)
        self.client = self.app.test_client()
        config = services.config
        self.kit = OfficialAccountKit(config.wechat.token, config.wechat.app_id, original_id="gh_linli_demo")
        self.workdir = workdir
        self.replies: list[str] = []  # every reply of the last turn (a README replay has several)
        self.captured: dict[str, str] = {}
        self._seen_outbox: set[int] = set()
        self._seen_late: set[int] = set()
        self._token: str | None = None
        self._processes: list[subprocess.Popen[bytes]] = []
        self._server_url = ""

    # ---- talking -------------------------------------------------------------------------------

    def post(self, xml: str) -> str:
        query, body = self.kit.post(xml)
        response = self.client.post("/wechat", query_string=query, data=body)
        if response.status_code != 200:
            raise DialogueFailure(f"the webhook answered HTTP {response.status_code}: {response.data[:200]!r}")
        reply = self.kit.read_reply(response.data, query)
        if isinstance(reply, dict):
            return str(reply.get("Content") or "")
        # "success": no passive reply, or the handler overran WeChat's 5 seconds
        msg_id = re.search(r"<MsgId>(\d+)</MsgId>", xml)
        return self._late_reply(f"msg:{msg_id.group(1)}" if msg_id else None)

    def _late_reply(self, dedupe_key: str | None) -> str:
        """What the resident reads when the webhook answered "success" because the handler overran its
        budget (a loaded test machine): the reply it then queued. Waits until the message's handling has
        committed (its inbound row is written in the handling's own transaction), so the next turn sees
        what this one did."""
        deadline = time.monotonic() + 60
        while dedupe_key is not None:  # each look in its own transaction, to see the handler's commit
            with self.services.db.session() as s:
                status = s.scalar(select(InboundMessage.status).where(InboundMessage.dedupe_key == dedupe_key))
            if status is not None and status != "processing":
                break
            if time.monotonic() > deadline:
                raise DialogueFailure(f"{dedupe_key} is still being handled after 60 s")
            time.sleep(0.05)
        with self.services.db.session() as s:
            late = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "late_reply",
                                                         OutboxMessage.id.not_in(self._seen_late or {0}))
                             .order_by(OutboxMessage.id)).all()
            self._seen_late.update(row.id for row in late)
        return "\n".join(str((row.payload or {}).get("text") or "") for row in late)

    def _now_seconds(self) -> int:
        return int(self.clock.now().timestamp())

    def say(self, who: str, text: str) -> str:
        return self.post(self.kit.text(text, from_user=openid(who), create_time=self._now_seconds()))

    def image(self, who: str) -> str:
        media = f"media_{self.kit.next_msg_id()}"
        return self.post(self.kit.image(media_id=media, from_user=openid(who), create_time=self._now_seconds()))

    def voice(self, who: str, recognition: str | None) -> str:
        media = f"voice_{self.kit.next_msg_id()}"
        return self.post(
            self.kit.voice(
                media_id=media, recognition=recognition, from_user=openid(who), create_time=self._now_seconds()
            )
        )

    def location(self, who: str, label: str) -> str:
        return self.post(
            self.kit.location(30.2741, 120.1551, 16, label, from_user=openid(who), create_time=self._now_seconds())
        )

    # ---- time and the worker's sweeps -------------------------------------------------------------

    def move_to(self, when: datetime) -> None:
        self.clock.at = when

    def sweep(self) -> str:
        """Every periodic sweep once, as of the dialogue's clock, through `python -m bot sweep --at`."""
        at = self.clock.now().astimezone(self.services.config.tz).strftime("%Y-%m-%d %H:%M")
        return self.cli(["sweep", "--at", at])

    # ---- operators --------------------------------------------------------------------------------

    def config_file(self) -> Path:
        """A config for `python -m bot` commands on this world's database (console channel: nothing leaves)."""
        path = self.workdir / "config.yaml"
        if not path.exists():
            wechat = self.services.config.wechat
            path.write_text(
                yaml.safe_dump(
                    {
                        "database": self.services.db.url,
                        "wechat": {"token": wechat.token, "app_id": wechat.app_id},
                        "channels": {"mode": "console"},
                        "var_dir": str(self.workdir / "var"),
                    },
                    allow_unicode=True,
                ),
                encoding="utf-8",
            )
        return path

    def cli(self, args: list[str], check: bool = True) -> str:
        """Run `python -m bot ARGS --config …`; its output (stdout and stderr) is the turn's reply."""
        if self._processes:
            self._let_the_worker_drain()  # the running worker drains the outbox every second
        command = [sys.executable, "-m", "bot", *args, "--config", str(self.config_file())]
        # Only the config file speaks: no BOT_* override from the caller's shell (BOT_DATABASE …).
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")} | {"JIEBA_LOG_LEVEL": "WARNING"}
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        output = done.stdout + done.stderr
        if check and done.returncode != 0:
            raise DialogueFailure(f"`python -m bot {shlex.join(args)}` exited {done.returncode}:\n{output}")
        return output

    def api_token(self) -> str:
        if self._token is None:
            output = self.cli(["admin", "create", "convtester", "--password", "conv-test-pass-1"])
            self._token = [line.strip() for line in output.splitlines() if line.strip()][-1]
        return self._token

    def api(self, path: str) -> Any:
        response = self.client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {self.api_token()}"})
        if response.status_code != 200:
            raise DialogueFailure(f"GET /api/v1{path} answered {response.status_code}: {response.data[:200]!r}")
        return response.get_json()

    def server_url(self) -> str:
        """`python -m bot serve` and `worker` on this world's database, as deployed (for `chat --url`)."""
        if not self._processes:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            config = ["--config", str(self.config_file())]
            for command in (["serve", *config, "--host", "127.0.0.1", "--port", str(port)], ["worker", *config]):
                self._processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "bot", *command],
                        cwd=REPO,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            self._server_url = f"http://127.0.0.1:{port}"
            import requests

            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if requests.get(self._server_url + "/healthz", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.2)
            else:
                raise DialogueFailure("`python -m bot serve` did not answer /healthz within 60 s")
            self._let_the_worker_drain()  # the worker's first drains: what was queued so far goes out
        return self._server_url

    def _let_the_worker_drain(self, timeout: float = 3.0) -> None:
        """Wait until the running worker has sent every outbox row due by now (it drains every second).

        This was a fixed pause of 2–3 s; now the wait ends as soon as nothing due is left pending or
        being sent, and after ``timeout`` seconds at most, as the pause did.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = datetime.now(UTC)
            with self.services.db.session() as s:
                waiting = s.scalars(select(OutboxMessage.next_attempt_at).where(
                    OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))).all()
            if not any(_aware(due) <= now for due in waiting):
                return
            time.sleep(0.1)

    def close(self) -> None:
        for process in self._processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self._processes = []

    # ---- what there is to see ---------------------------------------------------------------------

    def tickets(self) -> list[dict[str, Any]]:
        """Every ticket as the checks see it, oldest first."""
        out: list[dict[str, Any]] = []
        with self.services.db.session() as s:
            for t in s.scalars(select(Ticket).order_by(Ticket.id)):
                building = s.get(Building, t.building_id) if t.building_id else None
                estate = s.get(Estate, building.estate_id) if building else None
                grid = s.get(Grid, t.grid_id) if t.grid_id else None
                events = list(
                    s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id))
                )
                reporters = list(
                    s.scalars(
                        select(TicketReporter).where(TicketReporter.ticket_id == t.id).order_by(TicketReporter.id)
                    )
                )
                media = s.scalars(select(TicketMedia.id).where(TicketMedia.ticket_id == t.id)).all()
                out.append(
                    {
                        "number": t.number,
                        "category": t.category,
                        "status": t.status,
                        "urgent": t.urgent,
                        "building": building.number if building else None,
                        "estate": estate.name if estate else None,
                        "unit": t.unit,
                        "room": t.room,
                        "location": t.location or "",
                        "grid": grid.name if grid else None,
                        "description": t.description or "",
                        "rating": t.rating,
                        "urged": t.last_urged_at is not None,
                        "events": [(e.kind, e.note or "", str(e.data or "")) for e in events],
                        "reporters": [r.recipient for r in reporters],
                        "original": next((r.recipient for r in reporters if r.original), None),
                        "media": len(media),
                    }
                )
        return out

    def new_pushes(self) -> list[tuple[str, str]]:
        """(recipient, text) of outbox rows due by now and not seen at an earlier check; marks them seen."""
        now = self.clock.now()
        rows: list[tuple[str, str]] = []
        with self.services.db.session() as s:
            for row in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
                if row.id in self._seen_outbox or _aware(row.next_attempt_at) > now:
                    continue
                self._seen_outbox.add(row.id)
                rows.append((row.recipient, push_text(row.payload)))
        return rows

    def all_pushes(self) -> list[tuple[str, str]]:
        with self.services.db.session() as s:
            return [
                (row.recipient, push_text(row.payload))
                for row in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            ]

    def resident_home(self, who: str) -> str | None:
        from models import Identity

        with self.services.db.session() as s:
            identity = s.scalar(select(Identity).where(Identity.value == openid(who)))
            resident = s.scalar(select(Resident).where(Resident.person_id == identity.person_id)) if identity else None
            return resident.address if resident and resident.building_id else None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def push_text(payload: dict[str, Any]) -> str:
    """What a recipient reads: a text, or a menu's question and options, or a template's values."""
    parts = [str(payload.get(key) or "") for key in ("text", "head_content", "content", "tail_content")]
    parts += [str(option.get("content", "")) for option in payload.get("list", []) or []]
    if not any(parts):
        parts.append(str(payload))
    return "\n".join(p for p in parts if p)


def openid(who: str) -> str:
    if who in SPEAKERS:
        return SPEAKERS[who]
    if who.startswith("o"):
        return who
    raise ValueError(f"unknown speaker {who!r}: one of {sorted(SPEAKERS)} or a raw openid starting with 'o'")


# -- running -------------------------------------------------------------------------------------


@dataclass
class Turn:
    index: int
    spec: dict[str, Any]
    reply: str = ""


def run_dialogue(dialogue: Dialogue, services: Any, workdir: Path) -> None:
    """Play the dialogue; raise DialogueFailure at the first expectation not met."""
    world = World(services, workdir)
    try:
        _play(dialogue, world)
    finally:
        world.close()


def _play(dialogue: Dialogue, world: World) -> None:
    world.move_to(local_time(dialogue.start))
    for who, home in dialogue.homes.items():
        world.say(who, f"我住{home}")
        if world.resident_home(who) is None:
            raise DialogueFailure(f"setup: {who}'s home {home!r} was not saved (the address flow itself failed)")
    world.new_pushes()  # setup is not part of what the dialogue checks
    last = Turn(0, {})
    for index, spec in enumerate(dialogue.turns, start=1):
        last = Turn(index, spec)
        last.reply = _do(world, spec)
        pushes = world.new_pushes()  # "pushed" checks see what this turn sent
        if spec.get("expect"):
            _check(world, last, spec["expect"], pushes)
    if dialogue.end:
        _check(world, Turn(last.index, {"end": True}, last.reply), dialogue.end, [])


def _do(world: World, spec: dict[str, Any]) -> str:
    who = spec.get("who", "me")
    world.replies = []
    if "wait" in spec:
        world.move_to(world.clock.now() + duration(spec["wait"]))
    if "at" in spec:
        world.move_to(local_time(str(spec["at"])))
    reply = ""
    if "say" in spec:
        reply = world.say(who, fill(world, str(spec["say"])))
    elif "image" in spec:
        reply = world.image(who)
    elif "voice" in spec:
        recognition = spec["voice"] if isinstance(spec["voice"], str) else None
        reply = world.voice(who, recognition)
    elif "location" in spec:
        reply = world.location(who, str(spec["location"]))
    elif "sweep" in spec:
        reply = world.sweep()
    elif "cli" in spec:
        args = shlex.split(fill(world, str(spec["cli"])))
        reply = world.cli(args, check=spec.get("check", True))
    elif "readme_chat" in spec:
        reply = _replay_readme(world)
    elif "wait" not in spec and "at" not in spec:
        raise ValueError(f"a turn needs say/image/voice/location/wait/at/sweep/cli/readme_chat: {spec}")
    if not world.replies:
        world.replies = [reply]
    return reply


def _replay_readme(world: World) -> str:
    """Say the README's chat walkthrough lines ("[openid] 你: text") verbatim, as its reader would."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    lines = re.findall(r"^\[(o\w+)\]\s*你[:：]\s*(.+)$", text, re.MULTILINE)
    if not lines:
        raise DialogueFailure("README.md has no chat walkthrough lines like “[oDemoResident] 你: …”")
    replies = [world.say(who, said.strip()) for who, said in lines]
    world.replies = replies
    return replies[-1]


_PLACEHOLDER = re.compile(r"\{([A-Za-z]\w*(?::\w+)?)\}")


def fill(world: World, text: str) -> str:
    """{T} the newest ticket's number, {T1} {T2} … by age, {T:heating} the newest of a category, {C} a capture."""
    if not _PLACEHOLDER.search(text):
        return text
    tickets = world.tickets()

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in world.captured:
            return world.captured[name]
        if name == "url":
            return world.server_url()
        if name == "T":
            if not tickets:
                raise DialogueFailure("{T}: there is no ticket yet")
            return tickets[-1]["number"]
        if re.fullmatch(r"T\d+", name):
            n = int(name[1:])
            if len(tickets) < n:
                raise DialogueFailure(f"{{{name}}}: only {len(tickets)} ticket(s) exist")
            return tickets[n - 1]["number"]
        if name.startswith("T:"):
            of = [t for t in tickets if t["category"] == name[2:]]
            if not of:
                raise DialogueFailure(f"{{{name}}}: no ticket of category {name[2:]}")
            return of[-1]["number"]
        raise DialogueFailure(f"unknown placeholder {{{name}}}")

    return _PLACEHOLDER.sub(value, text)


# -- the checks ------------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check(world: World, turn: Turn, expect: dict[str, Any], pushes: list[tuple[str, str]]) -> None:
    where = "at the end" if turn.spec.get("end") else f"after turn {turn.index} ({_describe(turn.spec)})"
    for key, value in expect.items():
        checker = CHECKS.get(key)
        if checker is None:
            raise ValueError(f"unknown expectation {key!r}; known: {sorted(CHECKS)}")
        problem = checker(world, turn, value, pushes)
        if problem:
            shown = "\n      ".join(turn.reply.splitlines()) if turn.reply else "(no reply)"
            raise DialogueFailure(f"{where}: {problem}\n    reply: {shown}")


def _describe(spec: dict[str, Any]) -> str:
    for key in ("say", "image", "voice", "location", "sweep", "cli", "readme_chat", "wait", "at"):
        if key in spec:
            return (
                f"{spec.get('who', 'me')} {key}: {spec[key]!r}"
                if key in ("say", "location")
                else f"{key}: {spec[key]!r}"
            )
    return "?"


Check = Callable[[World, Turn, Any, list[tuple[str, str]]], str | None]


def check_reply_has(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    missing = [fill(world, str(v)) for v in _as_list(value) if fill(world, str(v)) not in turn.reply]
    return f"the reply should mention {missing}" if missing else None


def check_reply_has_any(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    words = [fill(world, str(v)) for v in _as_list(value)]
    return None if any(w in turn.reply for w in words) else f"the reply should mention one of {words}"


def check_reply_lacks(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    present = [fill(world, str(v)) for v in _as_list(value) if fill(world, str(v)) in " ".join(world.replies)]
    return f"the reply should not mention {present}" if present else None


def check_reply_in_order(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    """Each text is in the reply, after the one before it (things said in one message, answered in order)."""
    at = 0
    for text in (fill(world, str(v)) for v in _as_list(value)):
        found = turn.reply.find(text, at)
        if found < 0:
            where = "at all" if text not in turn.reply else "after the text before it"
            return f"the reply should mention {text!r} {where} (in the order {_as_list(value)})"
        at = found + len(text)
    return None


def check_reply_has_ticket(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    has = bool(TICKET_NUMBER.search(turn.reply))
    if has != bool(value):
        return "the reply should name a ticket number" if value else "the reply should not name a ticket number"
    return None


def check_asks_place(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    asks = any(w in turn.reply for w in PLACE_QUESTION)
    if asks != bool(value):
        return "the reply should ask where it is" if value else "the reply should not ask where it is"
    return None


def check_replied(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    if bool(turn.reply.strip()) != bool(value):
        return "the bot should answer" if value else "the bot should stay silent"
    return None


def check_tickets(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    tickets = world.tickets()
    if len(tickets) != int(value):
        return f"there should be {value} ticket(s), there are {len(tickets)}: {_summary(tickets)}"
    return None


def check_ticket(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    """Each spec must be met by its own ticket (two specs, two different tickets)."""
    tickets = world.tickets()
    used: set[str] = set()
    for spec in _as_list(value):
        found = next((t for t in tickets if t["number"] not in used and not ticket_mismatch(world, t, spec)), None)
        if found is None:
            closest = [f"{t['number']}: {ticket_mismatch(world, t, spec)}" for t in tickets] or ["no tickets at all"]
            return f"no ticket like {spec}; " + "; ".join(closest)
        used.add(found["number"])
    return None


def check_no_ticket(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    for spec in _as_list(value):
        hit = next((t for t in world.tickets() if not ticket_mismatch(world, t, spec)), None)
        if hit is not None:
            return f"there should be no ticket like {spec}, but {hit['number']} is: {_summary([hit])}"
    return None


def _text_of(ticket: dict[str, Any]) -> str:
    return "\n".join([ticket["description"], ticket["location"], *(n + " " + d for _, n, d in ticket["events"])])


def ticket_mismatch(world: World, t: dict[str, Any], spec: dict[str, Any]) -> str | None:
    """Why ticket ``t`` does not fit ``spec`` (None: it fits)."""
    for key, want in spec.items():
        if key == "category":
            if t["category"] not in _as_list(want):
                return f"category {t['category']}"
        elif key == "estate":
            short = str(want).removesuffix("小区")
            if t["estate"] != want and short not in t["location"]:
                return f"estate {t['estate']} / place {t['location']!r}"
        elif key in ("building", "unit", "room"):
            if str(t[key]) != str(want):
                return f"{key} {t[key]}"
        elif key == "place":
            missing = [w for w in _as_list(want) if str(w) not in t["location"]]
            if missing:
                return f"place {t['location']!r} lacks {missing}"
        elif key == "place_any":
            if not any(str(w) in t["location"] for w in _as_list(want)):
                return f"place {t['location']!r} has none of {want}"
        elif key == "place_lacks":
            present = [w for w in _as_list(want) if str(w) in t["location"]]
            if present:
                return f"place {t['location']!r} should not have {present}"
        elif key == "no_building":
            if (t["building"] is None) != bool(want):
                return f"building {t['building']}"
        elif key == "location_unknown":
            unknown = t["building"] is None and t["grid"] is None
            if unknown != bool(want):
                return f"place {t['location']!r} (building {t['building']}, grid {t['grid']})"
        elif key == "grid":
            if t["grid"] not in _as_list(want):
                return f"grid {t['grid']}"
        elif key in ("urgent", "urged"):
            if bool(t[key]) != bool(want):
                return f"{key} {t[key]}"
        elif key == "status":
            if t["status"] not in _as_list(want):
                return f"status {t['status']}"
        elif key == "rating":
            if t["rating"] not in _as_list(want):
                return f"rating {t['rating']}"
        elif key == "mentions":
            missing = [w for w in _as_list(want) if str(w) not in _text_of(t)]
            if missing:
                return f"the ticket does not keep {missing}"
        elif key == "lacks":
            present = [w for w in _as_list(want) if str(w) in t["description"]]
            if present:
                return f"the description took in {present}"
        elif key == "reporters":
            if len(t["reporters"]) != int(want):
                return f"{len(t['reporters'])} reporter(s)"
        elif key == "reported_by":
            if t["original"] != openid(str(want)):
                return f"reported by {t['original']}"
        elif key == "joined_by":
            if openid(str(want)) not in t["reporters"]:
                return f"reporters {t['reporters']}"
        elif key == "media":
            if t["media"] != int(want):
                return f"{t['media']} attachment(s)"
        elif key == "number":
            if t["number"] != fill(world, str(want)):
                return f"number {t['number']}"
        else:
            raise ValueError(f"unknown ticket field {key!r}")
    return None


def _summary(tickets: list[dict[str, Any]]) -> str:
    return "; ".join(f"{t['number']} {t['category']} @{t['location'] or '?'} [{t['status']}]" for t in tickets)


def check_pushed(world: World, turn: Turn, value: Any, pushes: list[tuple[str, str]]) -> str | None:
    """Pushes that became due since the previous check: {to, has, has_any, lacks, count} (or ``all: true``)."""
    for spec in _as_list(value):
        source = world.all_pushes() if spec.get("all") else pushes
        to = {openid(str(who)) for who in _as_list(spec["to"])}  # several: any of them will do
        texts = [text for recipient, text in source if recipient in to]
        joined = "\n---\n".join(texts)
        if "count" in spec and len(texts) != int(spec["count"]):
            return f"{spec['to']} should get {spec['count']} message(s), got {len(texts)}:\n{joined or '(none)'}"
        if "count" not in spec and not texts and (spec.get("has") or spec.get("has_any")):
            return f"nothing was pushed to {spec['to']}"
        for word in _as_list(spec.get("has", [])):
            word = fill(world, str(word))
            if word not in joined:
                return f"the push to {spec['to']} should mention {word!r}:\n{joined or '(none)'}"
        if spec.get("has_any") and not any(fill(world, str(w)) in joined for w in spec["has_any"]):
            return f"the push to {spec['to']} should mention one of {spec['has_any']}:\n{joined or '(none)'}"
        for word in _as_list(spec.get("lacks", [])):
            word = fill(world, str(word))
            if word in joined:
                return f"the push to {spec['to']} should not mention {word!r}:\n{joined}"
        if "capture" in spec:
            name, pattern = spec["capture"]["name"], spec["capture"]["pattern"]
            found = re.search(pattern, joined)
            if not found:
                return f"no {pattern!r} in the push to {spec['to']} to capture as {name}:\n{joined or '(none)'}"
            world.captured[name] = found.group(0)
    return None


def check_unmatched_has(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    listed = [m["text"] for m in world.api("/route/unmatched?limit=500")["messages"]]
    missing = [v for v in _as_list(value) if str(v) not in listed]
    return f"the admins' unmatched list should hold {missing}; it holds {listed}" if missing else None


def check_unmatched_lacks(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    listed = [m["text"] for m in world.api("/route/unmatched?limit=500")["messages"]]
    present = [v for v in _as_list(value) if str(v) in listed]
    return f"the admins' unmatched list should not hold {present}" if present else None


def check_capture(world: World, turn: Turn, value: Any, _p: Any) -> str | None:
    """Remember part of the reply, e.g. a consultation number, for later turns ({name})."""
    found = re.search(value["pattern"], turn.reply)
    if not found:
        return f"no {value['pattern']!r} in the reply to capture as {value['name']}"
    world.captured[value["name"]] = found.group(0)
    return None


CHECKS: dict[str, Check] = {
    "reply_has": check_reply_has,
    "reply_has_any": check_reply_has_any,
    "reply_lacks": check_reply_lacks,
    "reply_has_ticket": check_reply_has_ticket,
    "reply_in_order": check_reply_in_order,
    "asks_place": check_asks_place,
    "replied": check_replied,
    "tickets": check_tickets,
    "ticket": check_ticket,
    "no_ticket": check_no_ticket,
    "pushed": check_pushed,
    "unmatched_has": check_unmatched_has,
    "unmatched_lacks": check_unmatched_lacks,
    "capture": check_capture,
}


# -- outside pytest (bench/conversations.py) -------------------------------------------------------


class _TempFactory:
    """Enough of pytest's TempPathFactory for the fixtures the bench reuses."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str, numbered: bool = True) -> Path:
        path = self.root / f"{name}{len(list(self.root.iterdir()))}"
        path.mkdir(parents=True)
        return path


@contextmanager
def standalone_services(root: Path) -> Iterator[Callable[[], Any]]:
    """Yield ``fresh()``: services over a new seeded SQLite database each call, built by tests/conftest.py's fixtures.

    The fixtures' own functions are called (``__wrapped__``), so the bench sets
    up exactly what ``pytest -k sqlite`` does: migrate, import the defaults and
    the demo, and the NLP engine over the seeded rules with a warmed tokenizer.
    """
    import shutil

    from tests import conftest as fixtures

    factory = _TempFactory(root)
    template = root / "template.db"
    first = fixtures.Database(f"sqlite:///{template}")
    first.upgrade()
    fixtures.seeded.__wrapped__(first)
    first.dispose()
    tokenizer = fixtures.shared_tokenizer.__wrapped__(factory)
    made: list[tuple[Any, Iterator[Any]]] = []

    def fresh() -> Any:
        path = factory.mktemp("dialogue") / "linli.db"
        shutil.copy(template, path)
        db = fixtures.Database(f"sqlite:///{path}")
        builder = fixtures.make_services.__wrapped__(db)
        make = next(builder)
        made.append((db, builder))
        return fixtures.nlp_services.__wrapped__(db, make, tokenizer)

    try:
        yield fresh
    finally:
        for db, builder in made:
            next(builder, None)  # shuts the services' executors down
            db.dispose()


def run_outside_pytest(dialogues: list[Dialogue], root: Path) -> dict[str, str | None]:
    """dialogue id -> None when it passed, else the failure, each on a fresh seeded SQLite database."""
    results: dict[str, str | None] = {}
    with standalone_services(root) as fresh:
        for dialogue in dialogues:
            workdir = root / f"work-{dialogue.id}"
            workdir.mkdir()
            try:
                run_dialogue(dialogue, fresh(), workdir)
                results[dialogue.id] = None
            except Exception as exc:  # noqa: BLE001 - the bench reports every kind of failure
                results[dialogue.id] = f"{type(exc).__name__}: {exc}"
    return results
