"""Service tickets (报修), the residents' side: report, locate, attach, follow up, urge, add details.

Intents: tickets.create, tickets.list_mine, tickets.status, tickets.urge, tickets.add_detail,
         profile.set_address
Flow: tickets.create -> tickets.create:ask_location (until a place is known) -> ticket
      any report -> tickets.report:attach (images/voice/location for a few minutes)
      profile.set_address -> profile.set_address:ask (when "我搬家了" has no address)
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.dialog.capability import Ctx
from bot.dialog.conversation import clear_state, save_state
from bot.dialog.message import Reply
from handlers.community import people, places
from handlers.tickets import acknowledge, escalation, locating, media, rating, service, several, texts
from handlers.tickets.capability import cap
from handlers.tickets.states import Flow
from models import OPEN_STATUSES, Estate, InboundMessage, Person, Rating, Resident, Ticket
from nlp import places as place_words
from nlp.clauses import complaint_clauses
from nlp.earlier import Earlier, about_an_earlier_matter
from nlp.lexicon.problem_words import ESTATE_SUFFIXES

MAX_LOCATION_TRIES = 2
HIDDEN_FROM_PROGRESS = frozenset({"phone_viewed"})


# -- reporting ---------------------------------------------------------------------------


@cap.intent("tickets.create")
def report_problem(ctx: Ctx) -> Reply:
    """Open a ticket, or ask where first when neither the message nor the resident's home says."""
    earlier = about_an_earlier_matter(locating.text_of(ctx))  # "上次电梯的事处理得挺好，谢谢"
    if earlier is Earlier.THANKS:
        return Reply(texts.THANKS_FOR_EARLIER)
    if earlier is Earlier.ASKS:
        return list_my_tickets(ctx)
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    category = (ctx.match.slots.get("category") if ctx.match else None) or "public_facilities"
    remember_phone(ctx, person)
    place = place_from(ctx, person)
    estate = place.estate.id if isinstance(place, places.Place) and place.estate else home_estate(ctx, person)
    pieces = several.read_pieces(ctx, category, estate)
    own, further = pieces.own, pieces.further
    if further and own is not None:
        place = own  # the report's own piece names its place ("…，5栋电梯也不动了")
    elif further and isinstance(place, places.Place) and _place_is_a_later_pieces(ctx, place, pieces):
        # "电梯坏了，4栋的也坏了": 4栋 is the second one's place; the first is at home, or asked about
        place = locating.home(ctx, person) or places.Unresolved(ambiguous=False)
    if isinstance(place, places.Place):
        # Beside other complaints, the routed one is described by its own piece ("桂花苑3栋电梯坏了", not the lights)
        words = pieces.own_words if further and pieces.own_words else report_words(ctx)
        routed = {"category": category, "description": words, "at": pieces.own_at}
        filed = [_file(ctx, person, c["category"], c["description"], several.own_place(ctx, c) or place)
                 for c in several.in_order_said(routed, further)]
        return Reply("\n\n".join(r.text for r in filed if r.text))
    placed = [(f, there) for f in further if (there := several.own_place(ctx, f)) is not None]
    if placed:  # those whose own words said where are filed now; the question is about the others
        done = [_file(ctx, person, f["category"], f["description"], there).text for f, there in placed]
        further = [f for f in further if all(f is not g for g, _ in placed)]
        asked = report_problem_without_place(ctx, category, further, place)
        return dataclasses.replace(asked, text="\n\n".join(t for t in [*done, asked.text] if t))
    return report_problem_without_place(ctx, category, further, place)


def _place_is_a_later_pieces(ctx: Ctx, place: places.Place, pieces: several.Pieces) -> bool:
    """Whether the message's place is named in a further complaint's piece said after the routed report's.

    "电梯坏了，4栋的也坏了": 4栋 is the second lift's. "幸福里4栋2单元楼道灯不亮，还有单元门也关不上" (routed
    to the door): the address opening the message is both complaints' place."""
    return any((there := several.own_place(ctx, f)) is not None and there.label == place.label
               and several.said_after(f, pieces) for f in pieces.further)


def report_problem_without_place(ctx: Ctx, category: str, further: list[dict[str, Any]],
                                 place: places.Unresolved) -> Reply:
    """Ask where the report (and the further complaints said with it) is."""
    data = {"category": category, "description": report_words(ctx), "tries": 0, "media": [], "queue": further,
            ASKED_TOGETHER: bool(further)}
    if further:  # every problem named, and asked where once
        names = [service.category_name(ctx.db, c) for c in [category, *(f["category"] for f in further)]]
        ask = texts.TICKET_ASK_PLACE_FOR.format(categories=texts.CATEGORY_JOINER.join(names))
        return Reply(ask, next=Flow.ASK_LOCATION, data=data)
    address = ctx.match.slots.get("address") if ctx.match else None
    if address is not None and address.estate and not address.building and not place.ambiguous:
        ask = texts.TICKET_ASK_IN_ESTATE.format(category=service.category_name(ctx.db, category),
                                                estate=address.estate)  # the estate is known: where in it
        return Reply(ask, next=Flow.ASK_LOCATION, data=data)
    return Reply(_ask_text(ctx, category, place.ambiguous), next=Flow.ASK_LOCATION, data=data)


# What answers "where is it?": a place (text or a location pin), or words the router files under a report
# of the same kind or an address. Anything else is handled as what it is while the question stays open.
PLACE_ANSWER_INTENTS = frozenset({"tickets.create", "profile.set_address"})
WITHDRAW_INTENT = "reports.withdraw"  # followups.py


@cap.state(Flow.ASK_LOCATION)
def answer_location(ctx: Ctx) -> Reply:
    """Take the place from the answer (text or a location pin); keep images for the ticket.

    Answers it: a place, a location pin, media (kept). A new report, a question, a status query … is
    handled as what it is and the question stays open; after the tries the report goes to the staff queue.
    """
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    category = ctx.data["category"]
    if ctx.msg.kind == "location" and ctx.msg.location is not None:
        place = places.Place(label=ctx.msg.location.label or texts.LOCATION_PIN_UNNAMED)
        return _file_pending(ctx, person, place, pin=True)
    if not ctx.msg.text:
        if ctx.msg.media_id:
            pending = [*ctx.data.get("media", []), {"kind": ctx.msg.kind, "media_id": ctx.msg.media_id}]
            return Reply(_ask_text(ctx, category, False), next=Flow.ASK_LOCATION, data={"media": pending})
        return Reply(_ask_text(ctx, category, False), next=Flow.ASK_LOCATION)
    address = ctx.understanding.entities.address if ctx.understanding else None
    match = ctx.understanding.match if ctx.understanding else None
    if match is not None and match.intent == WITHDRAW_INTENT:  # "算了不报了": the report waiting here is dropped
        names = texts.CATEGORY_JOINER.join(service.category_name(ctx.db, c) for c in _categories_pending(ctx))
        return Reply(texts.TICKET_PENDING_DROPPED.format(category=names), end=True)
    beside = getattr(ctx.understanding, "beside", None)
    if match is not None and match.intent in QUESTIONS_BESIDE_A_PLACE and beside is not None \
            and beside.intent == "tickets.create" and _is_new_problem(ctx, beside):
        # "桂花苑2栋楼下水管漏水，顺便问下低保怎么申请": a new report and a question, the place still awaited
        return _also_answered(ctx, _another_report(ctx, person, beside), match)
    if match is not None and match.intent not in PLACE_ANSWER_INTENTS:
        place = _place_said_beside(ctx, person, address, match)
        if place is not None:  # "幸福里4栋1单元，顺便问下低保怎么申请": the answer, and a question besides
            return _filed_and_answered(ctx, person, place, match)
        return _meanwhile(ctx, match)  # the resident moved on to something else
    if match is not None and match.intent == "tickets.create" and _is_new_problem(ctx, match):
        return _another_report(ctx, person, match)
    place = locating.answered_place(ctx, person, address)
    if isinstance(place, places.Place):
        return _file_pending(ctx, person, place)
    tries = int(ctx.data.get("tries", 0)) + 1
    if tries >= MAX_LOCATION_TRIES:
        return _file_pending(ctx, person, places.Place(label=texts.LOCATION_UNKNOWN), unknown=True)
    return Reply(_ask_text(ctx, category, place.ambiguous), next=Flow.ASK_LOCATION,
                 data={"tries": tries, "said": locating.remember_said(ctx)})


WAITING_FOR_PLACE = frozenset({Flow.ASK_LOCATION, Flow.CONFIRM_PLACE})


def ask_waiting_again(ctx: Ctx, reply: Reply) -> Reply:
    """After something else was handled (an emergency), the ordinary report still waiting for its place in
    ``ctx.data`` is asked about again instead of being dropped with the other step's end."""
    if not ctx.data.get("category") or reply.next is not None:
        return reply
    names = texts.CATEGORY_JOINER.join(service.category_name(ctx.db, c) for c in _categories_pending(ctx))
    again = texts.TICKET_STILL_ASKING.format(category=names)
    return dataclasses.replace(reply, text="\n\n".join(t for t in (reply.text, again) if t),
                               next=Flow.ASK_LOCATION, data={"tries": 0}, end=False)


def _categories_pending(ctx: Ctx) -> list[str]:
    return [str(ctx.data.get("category", ""))] + [str(q["category"]) for q in ctx.data.get("queue", [])]


def _is_new_problem(ctx: Ctx, match: Any) -> bool:
    """A report with problem words of its own kind (not the kind already waiting for a place)."""
    new = match.slots.get("category")
    if not new or new in _categories_pending(ctx):
        return False
    return not place_words.only_names_a_place(locating.text_of(ctx), match.keywords)  # "幸福里停车场" answers where


def _place_said_beside(ctx: Ctx, person: Person, address: Any, match: Any) -> places.Place | None:
    """The waiting report's place, said in a clause of its own next to a question (not inside it)."""
    if match.intent not in QUESTIONS_BESIDE_A_PLACE or address is None or not address.building:
        return None
    clauses = complaint_clauses(locating.text_of(ctx))
    said = next((c for c in clauses if address.text in c), None)
    if len(clauses) < 2 or said is None or any(k in said for k in match.keywords):
        return None
    place = locating.answered_place(ctx, person, address)
    return place if isinstance(place, places.Place) else None


def _filed_and_answered(ctx: Ctx, person: Person, place: places.Place, match: Any) -> Reply:
    """File the waiting report at ``place`` and answer the question said with it, in the order said."""
    return _also_answered(ctx, _file_pending(ctx, person, place), match)


def _also_answered(ctx: Ctx, done: Reply, question: Any) -> Reply:
    """``done`` with the answer to ``question`` (said in the same message) before its own question, if any."""
    saved_state, saved_data, saved_match = ctx.state, dict(ctx.data), ctx.match
    ctx.state, ctx.data, ctx.match = None, {}, question
    answer = ctx.services.registry.intents[question.intent](ctx)
    ctx.state, ctx.data, ctx.match = saved_state, saved_data, saved_match
    parts = (answer.text, done.text) if done.next is not None else (done.text, answer.text)
    return dataclasses.replace(done, text="\n\n".join(t for t in parts if t))


def report_words(ctx: Ctx) -> str:
    """The message's text for a ticket's description, without the clauses of a question said with it.

    "低保怎么申请？另外我家楼下水管漏水了": the grid member's task says the leak, not the welfare question.
    """
    text = ctx.msg.text or ""
    understood = ctx.understanding
    question = next((m for m in (getattr(understood, "match", None), getattr(understood, "beside", None))
                     if m is not None and m.intent in QUESTIONS_BESIDE_A_PLACE), None)
    if question is None:
        return text
    clauses = complaint_clauses(text)
    kept = [c for c in clauses if not any(k in c.lower() for k in question.keywords) and not _asks(ctx, c)]
    return texts.CLAUSE_JOINER.join(kept) if kept and len(kept) < len(clauses) else text


def _asks(ctx: Ctx, clause: str) -> bool:
    """A clause that is a question of its own ("还有居住证怎么办" after "…，顺便问下低保怎么申请")."""
    match = getattr(ctx.services.understand(clause), "match", None)
    return match is not None and match.intent in QUESTIONS_BESIDE_A_PLACE


# A question (an FAQ) said with the place the waiting report needs: both are answered.
QUESTIONS_BESIDE_A_PLACE = frozenset({"faq.answer"})

# "我报的修啥时候来人" while the report waits for its place: about that report, not (only) the filed ones.
ASKS_ABOUT_REPORTS = frozenset({"tickets.status", "tickets.list_mine", "tickets.urge"})


def _meanwhile(ctx: Ctx, match: Any) -> Reply:
    """Handle a message that is something else; the question about the place stays open (asked again)."""
    names = texts.CATEGORY_JOINER.join(service.category_name(ctx.db, c) for c in _categories_pending(ctx))
    confirming = ctx.state == Flow.CONFIRM_PLACE  # "也在…吗？" was asked: it is still the question
    if match.intent in ASKS_ABOUT_REPORTS and not match.slots.get("ticket_number") and not confirming:
        person = people.find_person(ctx.db, ctx.msg)
        if person is None or not service.open_tickets_of_reporter(ctx.db, person.id):
            # nothing filed to tell about: one answer, the waiting report needs its place first
            return Reply(texts.TICKET_PENDING_NOT_FILED.format(category=names), next=Flow.ASK_LOCATION)
    saved_state, saved_data = ctx.state, dict(ctx.data)
    ctx.state, ctx.data, ctx.match = None, {}, match
    handler = ctx.services.registry.intents.get(match.intent)
    if handler is None:
        what = texts.INTENT_DESCRIPTIONS.get(match.intent, texts.INTENT_FALLBACK_DESCRIPTION)
        reply = Reply(texts.NOT_AVAILABLE_YET.format(what=what))
    else:
        reply = handler(ctx)
    if reply.next is not None or reply.passed:
        return reply  # that handler asked a question of its own: it takes over
    ctx.state, ctx.data = saved_state, saved_data
    if confirming:
        again = _same_place_again(ctx, match)
        return Reply("\n\n".join(t for t in (reply.text, again) if t), next=Flow.CONFIRM_PLACE)
    asked = texts.TICKET_PENDING_NOT_FILED_TOO if match.intent in ASKS_ABOUT_REPORTS else texts.TICKET_STILL_ASKING
    again = asked.format(category=names)
    return Reply("\n\n".join(t for t in (reply.text, again) if t), next=Flow.ASK_LOCATION)


def _same_place_again(ctx: Ctx, match: Any) -> str:
    """"也在…吗？" asked again after something else was handled (the report waiting, at the place it named)."""
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    there = _stored_place(ctx, person)
    category = service.category_name(ctx.db, str(ctx.data.get("category", "")))
    if there is None:
        return texts.TICKET_STILL_ASKING.format(category=category)
    asked = texts.TICKET_PENDING_SAME_PLACE_TOO if match.intent in ASKS_ABOUT_REPORTS else texts.TICKET_ASK_SAME_PLACE
    return asked.format(category=category, location=there.label)


def _another_report(ctx: Ctx, person: Person, match: Any) -> Reply:
    """A new report while a place is awaited: file it when it has a place (then ask about the earlier one)."""
    ctx.match = match
    category = match.slots["category"]
    remember_phone(ctx, person)
    place = place_from(ctx, person)
    if not isinstance(place, places.Place):
        queue = [*ctx.data.get("queue", []), {"category": category, "description": report_words(ctx)}]
        names = [service.category_name(ctx.db, c) for c in [ctx.data["category"], *(q["category"] for q in queue)]]
        text = texts.TICKET_NOTED_TOO.format(category=names[-1]) + texts.TICKET_ASK_PLACE_FOR.format(
            categories=texts.CATEGORY_JOINER.join(names))
        return Reply(text, next=Flow.ASK_LOCATION, data={"queue": queue, ASKED_TOGETHER: True})
    created = _file(ctx, person, category, report_words(ctx), place, media_items=[])
    pending = {"category": ctx.data["category"], "description": ctx.data["description"],
               "media": ctx.data.get("media", []), "queue": ctx.data.get("queue", []), "tries": 0}
    return _ask_same_place(ctx, created, pending, place)


def _ask_same_place(ctx: Ctx, created: Reply, pending: dict[str, Any], place: places.Place) -> Reply:
    question = texts.TICKET_ASK_SAME_PLACE.format(
        category=service.category_name(ctx.db, pending["category"]), location=place.label)
    data = {**pending, "place_text": ctx.msg.text or "", "place": places.as_data(place), ASKED_TOGETHER: False}
    return Reply(f"{created.text}\n\n{question}", next=Flow.CONFIRM_PLACE, data=data)


def _file_pending(ctx: Ctx, person: Person, place: places.Place, *, pin: bool = False,
                  unknown: bool = False) -> Reply:
    """File the report waiting for its place; then ask about the next one waiting, if any."""
    remember_phone(ctx, person)  # "幸福里1栋门口，我电话是135…" answers where and gives the phone
    for_all = not unknown and _answers_for_all(ctx)
    if not (pin or unknown):
        ctx.data = _named_first(ctx)
    category, description = ctx.data["category"], ctx.data["description"]
    if ctx.msg.text and not unknown:
        description = f"{description}（{report_words(ctx)}）"
    queue = list(ctx.data.get("queue", []))
    # "电梯是5栋的 灯是3栋的": each waiting report its own piece's place
    theirs = [None] * (len(queue) + 1) if pin or unknown else several.places_said(ctx, [ctx.data, *queue], place)
    created = _file(ctx, person, category, description, theirs[0] or place, pin=pin,
                    media_items=list(ctx.data.get("media", [])), unknown=unknown)
    wheres = [several.own_place(ctx, q) or at or (place if for_all else None)
              for q, at in zip(queue, theirs[1:], strict=True)]
    while queue and (own := wheres[0]) is not None:  # its own words named its place
        done = _file(ctx, person, queue[0]["category"], queue[0]["description"], own)
        created = Reply("\n\n".join(t for t in (created.text, done.text) if t))
        queue.pop(0)
        wheres.pop(0)
    if not queue:
        return created
    following = {**queue[0], "media": [], "queue": queue[1:], "tries": 0, ASKED_TOGETHER: False}
    if pin or unknown:
        ask = _ask_text(ctx, following["category"], False)
        return Reply(f"{created.text}\n\n{ask}", next=Flow.ASK_LOCATION, data=following)
    return _ask_same_place(ctx, created, following, place)


ASKED_TOGETHER = "asked_together"  # the question named every report waiting ("“电梯”和“环境卫生”具体在哪里？")


def _answers_for_all(ctx: Ctx) -> bool:
    """Whether the answer gives the place of every report waiting: the question named them all, and the
    answer names none of them ("桂花苑1栋", not "电梯在桂花苑1栋": then the others are asked about)."""
    if not ctx.data.get(ASKED_TOGETHER) or not ctx.data.get("queue"):
        return False
    match = ctx.understanding.match if ctx.understanding else None
    named = match.slots.get("category") if match is not None and match.intent == "tickets.create" else None
    return named is None or place_words.only_names_a_place(locating.text_of(ctx), match.keywords)


def _named_first(ctx: Ctx) -> dict[str, Any]:
    """The waiting reports with the one the answer names first: "电梯在幸福里2栋" while 照明 and 电梯 both wait
    is the 电梯's place (the 照明 is asked about next), not the older report's."""
    match = ctx.understanding.match if ctx.understanding else None
    named = match.slots.get("category") if match is not None and match.intent == "tickets.create" else None
    queue = list(ctx.data.get("queue", []))
    at = next((i for i, q in enumerate(queue) if q.get("category") == named), None)
    if not named or named == ctx.data.get("category") or at is None:
        return ctx.data
    if place_words.only_names_a_place(locating.text_of(ctx), match.keywords):  # "电梯口": a place, not the lift
        return ctx.data
    head = {"category": ctx.data["category"], "description": ctx.data["description"]}
    return {**ctx.data, "category": named, "description": queue[at]["description"],
            "queue": [head, *queue[:at], *queue[at + 1:]]}


@cap.state(Flow.CONFIRM_PLACE)
def answer_same_place(ctx: Ctx) -> Reply:
    """"也在这里吗？": yes files it there; another place files it there; no asks where; else as ask_location."""
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    if ctx.msg.kind == "location" or not ctx.msg.text:
        ctx.state = Flow.ASK_LOCATION
        return answer_location(ctx)
    there = _stored_place(ctx, person)
    estate = there.estate.id if there is not None and there.estate is not None else home_estate(ctx, person)
    address = ctx.understanding.entities.address if ctx.understanding else None
    match = ctx.understanding.match if ctx.understanding else None
    if address is not None and not (match is not None and match.intent == "tickets.create"
                                    and _is_new_problem(ctx, match)):
        place = places.resolve(ctx.db, address, estate)
        if isinstance(place, places.Place):
            return _file_pending(ctx, person, place)
    head = re.sub(r"[\s\W_]+", "", ctx.msg.text).lower()
    if head.startswith(texts.SAME_PLACE_NO_PREFIXES):
        return Reply(_ask_text(ctx, ctx.data["category"], False), next=Flow.ASK_LOCATION,
                     data={"tries": 0, ASKED_TOGETHER: False})
    if head.startswith(texts.SAME_PLACE_YES_PREFIXES) and there is not None:
        return _file_pending(ctx, person, there)
    return answer_location(ctx)  # the state stays CONFIRM_PLACE: something else (_meanwhile) keeps the question


def _stored_place(ctx: Ctx, person: Person) -> places.Place | None:
    """The place "也在…吗" named: as kept with the question, else read again from the words that gave it."""
    kept = places.from_data(ctx.db, ctx.data["place"]) if isinstance(ctx.data.get("place"), dict) else None
    if kept is not None:
        return kept
    text = str(ctx.data.get("place_text", ""))
    understanding = ctx.services.understand(text) if text else None
    address = understanding.entities.address if understanding is not None else None
    if address is not None:
        place = places.resolve(ctx.db, address, home_estate(ctx, person))
        if isinstance(place, places.Place):
            return place
    return places.home_of(ctx.db, person.id)


def _file(ctx: Ctx, person: Person, category: str, description: str, place: places.Place, pin: bool = False,
          media_items: list[dict[str, Any]] | None = None, unknown: bool = False) -> Reply:
    outcome = service.report(ctx.db, ctx.outbox, ctx.config, person=person, msg=ctx.msg, category=category,
                             description=description, place=place, now=ctx.now)
    ticket = outcome.ticket
    for item in media_items or []:
        media.attach(ctx.db, ticket, _media_message(ctx, item), person, ctx.now)
    if pin:
        media.attach(ctx.db, ticket, ctx.msg, person, ctx.now)
    open_attach_window(ctx, ticket)
    if outcome.repeat:
        status = service.status_name(ctx.db, ticket)
        return Reply(texts.TICKET_ALREADY_REPORTED.format(number=ticket.number, status=status))
    if outcome.joined:
        return Reply(texts.TICKET_DUPLICATE_JOINED_NAMED.format(number=ticket.number))
    if unknown:
        return Reply(texts.TICKET_LOCATION_UNKNOWN_FILED.format(
            number=ticket.number, category=service.category_name(ctx.db, category)))
    created = texts.TICKET_CREATED.format(
        number=ticket.number, category=service.category_name(ctx.db, category), location=place.label,
        handler=service.handler_text(ctx.db, ticket),
        due=service.local(ticket.accept_due_at or ctx.now, ctx.config.tz),
    )
    if not pin and _not_in_the_community(ctx, place):
        created += "\n" + texts.TICKET_ADDRESS_NOT_FOUND.format(label=place.label)
    return Reply(created)


def _not_in_the_community(ctx: Ctx, place: places.Place) -> bool:
    """An address the community's list does not have: a building no estate has (桂花苑4栋), or a unit its
    building does not have (幸福里3栋5单元). Filed all the same (the staff queue checks it); the resident
    is told."""
    if place.building is None:
        return place.estate is None and place.place_id is None and bool(place.label) \
            and place.label != texts.LOCATION_UNKNOWN
    if not place.unit:
        return False
    units = place.building.units  # the per-process copy (places.layout): no query on the report's path
    return bool(units) and place.unit not in units


def file_further(ctx: Ctx, person: Person, further: list[dict[str, Any]], place: places.Place) -> list[str]:
    """File the further complaints of one message (several.further_complaints) at ``place``; their replies."""
    filed = [_file(ctx, person, f["category"], f["description"], several.own_place(ctx, f) or place)
             for f in further]
    return [r.text for r in filed if r.text]


def _media_message(ctx: Ctx, item: dict[str, Any]) -> Any:
    from dataclasses import replace

    return replace(ctx.msg, kind=item["kind"], media_id=item["media_id"], location=None, text="")


def open_attach_window(ctx: Ctx, ticket: Ticket) -> None:
    """Media sent in the next few minutes belong to this ticket (a state, so every worker sees it)."""
    ttl = timedelta(minutes=ctx.config.tickets.attach_minutes)
    save_state(ctx.db, ctx.msg.channel, ctx.msg.user_id, Flow.ATTACH, {"ticket": ticket.number}, ctx.now, ttl=ttl)


@cap.state(Flow.ATTACH)
def attach_to_report(ctx: Ctx) -> Reply:
    """Attach media to the ticket just reported; other text is routed as new (unmatched text is a detail)."""
    text = bool(ctx.msg.text) and ctx.msg.kind != "location"
    if text and ctx.understanding is not None and ctx.understanding.match is not None:
        return reroute(ctx)  # a new request (the commonest case: a second report): the ticket is not needed
    numbers = ctx.understanding.entities.ticket_numbers if text and ctx.understanding is not None else []
    # "T…0001 已修好了" while T…0002 was just filed: the words are about the ticket they name
    ticket = service.ticket_by_number(ctx.db, numbers[0] if numbers else ctx.data.get("ticket", ""))
    if ticket is None:
        return reroute(ctx)
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    if not text:
        if ctx.msg.kind not in media.ATTACHABLE:
            return reroute(ctx)
        row = media.attach(ctx.db, ticket, ctx.msg, person, ctx.now)
        what = texts.TICKET_MEDIA_WHAT.get(row.kind, texts.MEDIA_WHAT_FALLBACK)
        event = service.add_event(ctx.db, ticket, "media", ctx.now, person, note=what, media=row.id)
        if person.id in _reporter_ids(ctx, ticket):
            service.notify_workers(ctx.db, ctx.outbox, ctx.config, ticket, event,
                                   texts.TICKET_TASK_MEDIA.format(number=ticket.number, what=what))
        return Reply(texts.TICKET_MEDIA_ATTACHED.format(what=what, number=ticket.number))
    if ticket.status in OPEN_STATUSES and person.id in _reporter_ids(ctx, ticket):
        return Reply(texts.TICKET_DETAIL_CONFIRM.format(number=ticket.number), next=Flow.ATTACH_CONFIRM,
                     data={"ticket": ticket.number, "note": ctx.msg.text})
    return reroute(ctx)


@cap.state(Flow.ATTACH_CONFIRM)
def confirm_detail(ctx: Ctx) -> Reply:
    """"是补充到工单 T… 吗？": yes adds the words to the ticket; anything else leaves them unmatched."""
    ticket = service.ticket_by_number(ctx.db, ctx.data.get("ticket", ""))
    note = str(ctx.data.get("note", ""))
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    head = re.sub(r"[\s\W_]+", "", ctx.msg.text or "").lower()
    if ticket is not None and ticket.status in OPEN_STATUSES and head and not head.startswith(
            texts.SAME_PLACE_NO_PREFIXES) and head.startswith(texts.SAME_PLACE_YES_PREFIXES):
        reply = _add_detail(ctx, person, ticket, note)
        return Reply(reply.text, end=True)
    _mark_unmatched(ctx, note)
    if ticket is not None and head.startswith(texts.SAME_PLACE_NO_PREFIXES):
        return Reply(texts.TICKET_DETAIL_NOT_ADDED.format(number=ticket.number), end=True)
    return reroute(ctx)


def _mark_unmatched(ctx: Ctx, note: str) -> None:
    """The words asked about were no addition: they join the admins' unmatched list after all."""
    ctx.db.execute(update(InboundMessage).where(
        InboundMessage.channel == ctx.msg.channel, InboundMessage.user_id == ctx.msg.user_id,
        InboundMessage.content == note, InboundMessage.intent == Flow.ATTACH.value,
    ).values(intent=None))


def reroute(ctx: Ctx) -> Reply:
    """Leave the current flow and handle the message as if no question were open."""
    clear_state(ctx.db, ctx.msg.channel, ctx.msg.user_id)
    ctx.state, ctx.data = None, {}
    match = ctx.understanding.match if ctx.understanding else None
    registry = ctx.services.registry
    if match is None:
        if not ctx.msg.text:
            return registry.intents["media.received"](ctx)
        return registry.intents["fallback"](ctx)
    ctx.match = match
    handler = registry.intents.get(match.intent)
    if handler is None:
        what = texts.INTENT_DESCRIPTIONS.get(match.intent, texts.INTENT_FALLBACK_DESCRIPTION)
        return Reply(texts.NOT_AVAILABLE_YET.format(what=what))
    return handler(ctx)


def _ask_text(ctx: Ctx, category: str, ambiguous: bool) -> str:
    if ambiguous:
        estate = ctx.db.scalar(select(Estate.name).order_by(Estate.id).limit(1)) or texts.ESTATE_EXAMPLE_FALLBACK
        return texts.TICKET_ASK_ESTATE.format(example=texts.ESTATE_EXAMPLE_ADDRESS.format(estate=estate))
    return texts.TICKET_ASK_LOCATION.format(category=service.category_name(ctx.db, category))


def place_from(ctx: Ctx, person: Person) -> places.Place | places.Unresolved:
    """The place the report's words give, else the home (handlers/tickets/locating.py)."""
    return locating.place_from(ctx, person)


def _resident(ctx: Ctx, person: Person) -> Resident | None:
    return ctx.db.scalar(select(Resident).where(Resident.person_id == person.id))


def home_estate(ctx: Ctx, person: Person) -> int | None:
    home = places.home_of(ctx.db, person.id)
    return home.estate.id if home and home.estate else None


def remember_phone(ctx: Ctx, person: Person) -> None:
    """Keep a phone number the message gives (the router's slot, else the message's entities)."""
    phone = ctx.match.slots.get("phone") if ctx.match else None
    if not phone and ctx.understanding is not None and ctx.understanding.entities.phones:
        phone = ctx.understanding.entities.phones[0]
    if phone:
        person.phone = phone


def _reporter_ids(ctx: Ctx, ticket: Ticket) -> set[int]:
    return {r.person_id for r in service.reporters(ctx.db, ticket)}


# -- following up ------------------------------------------------------------------------


@cap.intent("tickets.list_mine")
def list_my_tickets(ctx: Ctx) -> Reply:
    """The resident's tickets, newest first, with their status."""
    person = people.find_person(ctx.db, ctx.msg)
    tickets = service.tickets_of_reporter(ctx.db, person.id) if person else []
    if not tickets:
        return Reply(texts.TICKET_LIST_EMPTY)
    lines = [texts.TICKET_LIST_HEAD.format(count=len(tickets))]
    lines += [_line(ctx, t) for t in tickets]
    lines.append(texts.TICKET_LIST_TAIL.format(number=tickets[0].number))
    return Reply("\n".join(lines))


def _line(ctx: Ctx, ticket: Ticket) -> str:
    return texts.TICKET_LIST_LINE.format(
        number=ticket.number, category=service.category_name(ctx.db, ticket.category),
        location=ticket.location or texts.LOCATION_UNKNOWN, status=service.status_name(ctx.db, ticket),
    )


@cap.intent("tickets.status")
def show_ticket_status(ctx: Ctx) -> Reply:
    """Where one ticket stands (a reporter's or a responsible worker's); without a number, the list."""
    number = ctx.match.slots.get("ticket_number") if ctx.match else None
    if not number:
        person = people.find_person(ctx.db, ctx.msg)
        named = _named_by_words(ctx, service.tickets_of_reporter(ctx.db, person.id)) if person else None
        return Reply(status_text(ctx, named)) if named is not None else list_my_tickets(ctx)
    from handlers.tickets import members  # it imports this module

    noted = members.progress_note(ctx)  # a worker's "进展 T… 说明" is a progress note, not a question
    if noted is not None:
        return noted
    person = people.find_person(ctx.db, ctx.msg)
    ticket = service.ticket_by_number(ctx.db, number)
    if ticket is None or person is None:
        return Reply(texts.TICKET_NOT_FOUND.format(number=number))
    if not _may_see(ctx, person, ticket):
        # A worker hears what 接单 would say; to anyone else another's ticket does not exist.
        roles = people.roles_of(ctx.db, person, ctx.config.tickets.street_department)
        return Reply(texts.MEMBER_NOT_YOURS.format(number=ticket.number) if roles.is_worker
                     else texts.TICKET_NOT_FOUND.format(number=number))
    return Reply(status_text(ctx, ticket))


def _may_see(ctx: Ctx, person: Person, ticket: Ticket) -> bool:
    roles = people.roles_of(ctx.db, person, ctx.config.tickets.street_department)
    return person.id in _reporter_ids(ctx, ticket) or roles.may_act_on(person.id, ticket)


def status_text(ctx: Ctx, ticket: Ticket) -> str:
    assignee = ctx.db.get(Person, ticket.assignee_id) if ticket.assignee_id else None
    # Who looked at the phone number is for the log and the API, not the resident's progress text.
    events = [e for e in service.events_of(ctx.db, ticket) if e.kind not in HIDDEN_FROM_PROGRESS][-3:]
    lines = [
        f"{service.local(e.at, ctx.config.tz)} {escalation.event_name(e)}"
        + (f"：{e.note}" if e.note and e.kind in ("progress", "done", "transferred", "returned") else "")
        for e in events
    ]
    return texts.TICKET_STATUS.format(
        number=ticket.number, category=service.category_name(ctx.db, ticket.category),
        location=ticket.location or texts.LOCATION_UNKNOWN, status=service.status_name(ctx.db, ticket),
        assignee=texts.TICKET_STATUS_ASSIGNEE.format(name=people.display_name(assignee)) if assignee else "",
        events="\n".join(lines),
    )


def target_ticket(ctx: Ctx, person: Person | None) -> Ticket | None:
    """The ticket named in the message, else the resident's most recent open one."""
    number = ctx.match.slots.get("ticket_number") if ctx.match else None
    if number:
        ticket = service.ticket_by_number(ctx.db, number)
        if ticket is not None and person is not None and person.id in _reporter_ids(ctx, ticket):
            return ticket
        return None
    if person is None:
        return None
    open_ones = service.open_tickets_of_reporter(ctx.db, person.id)
    named = _named_by_words(ctx, open_ones)
    return named if named is not None else (open_ones[0] if open_ones else None)


def _named_by_words(ctx: Ctx, tickets: list[Ticket]) -> Ticket | None:
    """The one ticket the message names by its kind or words ("暖气那个咋还没人来"), if exactly one."""
    text = re.sub(r"[\s\W_\d]+", "", ctx.msg.text or "")
    pairs = {text[i:i + 2] for i in range(len(text) - 1)} - set(texts.TICKET_PICK_IGNORED_PAIRS)
    if not pairs or len(tickets) < 2:
        return None
    scores = []
    for ticket in tickets:
        words = f"{service.category_name(ctx.db, ticket.category)} {ticket.description or ''}"
        scores.append((sum(1 for pair in pairs if pair in words), ticket))
    best = max(score for score, _ in scores)
    chosen = [t for score, t in scores if score == best]
    return chosen[0] if best > 0 and len(chosen) == 1 else None


@cap.intent("tickets.urge")
def urge_ticket(ctx: Ctx) -> Reply:
    """Record the urge and push it to whoever holds the ticket, at most once per interval."""
    person = people.find_person(ctx.db, ctx.msg)
    ticket = target_ticket(ctx, person)
    if ticket is None or person is None:
        number = ctx.match.slots.get("ticket_number") if ctx.match else None
        return Reply(texts.TICKET_NOT_FOUND.format(number=number) if number else texts.TICKET_NONE_OPEN)
    if ticket.status not in OPEN_STATUSES:
        status = service.status_name(ctx.db, ticket)
        return Reply(texts.TICKET_URGE_CLOSED.format(number=ticket.number, status=status))
    interval = timedelta(hours=ctx.config.tickets.urge_interval_hours)
    if ticket.last_urged_at is not None and ctx.now - ticket.last_urged_at < interval:
        next_at = service.local(ticket.last_urged_at + interval, ctx.config.tz)
        return Reply(texts.TICKET_URGE_TOO_SOON.format(number=ticket.number, next=next_at))
    ticket.last_urged_at = ctx.now
    event = service.add_event(ctx.db, ticket, "urged", ctx.now, person, note=ctx.msg.text)
    service.notify_workers(ctx.db, ctx.outbox, ctx.config, ticket, event, texts.TICKET_TASK_URGE.format(
        number=ticket.number, category=service.category_name(ctx.db, ticket.category), location=ticket.location))
    return Reply(texts.TICKET_URGED.format(number=ticket.number))


@cap.intent("tickets.add_detail")
def add_detail(ctx: Ctx) -> Reply:
    """Add the resident's words to their open ticket (named, or the latest)."""
    person = people.find_person(ctx.db, ctx.msg)
    ticket = target_ticket(ctx, person)
    if ticket is None or person is None or ticket.status not in OPEN_STATUSES:
        return Reply(texts.TICKET_DETAIL_WHICH)
    return _add_detail(ctx, person, ticket, ctx.msg.text)


def _add_detail(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    ticket.description = texts.TICKET_DESCRIPTION_WITH_DETAIL.format(description=ticket.description, note=note)
    service.resume_after_answer(ctx.db, ctx.config, ticket, person, ctx.now)
    event = service.add_event(ctx.db, ticket, "detail", ctx.now, person, note=note)
    service.notify_workers(ctx.db, ctx.outbox, ctx.config, ticket, event,
                           texts.TICKET_TASK_DETAIL.format(number=ticket.number, note=note))
    return Reply(texts.TICKET_DETAIL_ADDED.format(number=ticket.number))


# -- the resident's address ----------------------------------------------------------------


@cap.intent("profile.set_address")
def set_address(ctx: Ctx) -> Reply:
    """Remember where the resident lives ("我住幸福里3栋2单元501"); ask when only "我搬家了"."""
    address = ctx.match.slots.get("address") if ctx.match else None
    if address is None:
        return Reply(texts.ADDRESS_ASK, next=Flow.ASK_ADDRESS)
    return _save_address(ctx, address)


@cap.state(Flow.ASK_ADDRESS)
def answer_address(ctx: Ctx) -> Reply:
    address = ctx.understanding.entities.address if ctx.understanding else None
    if address is None:
        if ctx.understanding is not None and ctx.understanding.match is not None:
            return reroute(ctx)
        return Reply(texts.ADDRESS_NOT_UNDERSTOOD, end=True)
    return _save_address(ctx, address)


HOME_ESTATE = "home_estate"  # the estate said without a building ("我住桂花苑"), while we ask which building


def _save_address(ctx: Ctx, address: Any) -> Reply:
    """Keep the home; an estate without a building asks for the building (Resident has no estate of its own),
    and the answer ("3栋1单元101") is read in that estate."""
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    said_estate = ctx.data.get(HOME_ESTATE) if ctx.state == Flow.ASK_ADDRESS else None
    if said_estate and address.building and not address.estate:
        address = dataclasses.replace(address, estate=str(said_estate))
    place = places.resolve(ctx.db, address)
    if not isinstance(place, places.Place):
        if address.estate and not address.building:
            return Reply(texts.ADDRESS_ASK_BUILDING.format(estate=address.estate), next=Flow.ASK_ADDRESS,
                         data={HOME_ESTATE: address.estate})
        if place.ambiguous:
            return Reply(_ask_text(ctx, "", True), next=Flow.ASK_ADDRESS)
        return Reply(texts.ADDRESS_NOT_UNDERSTOOD, next=Flow.ASK_ADDRESS)
    resident = _resident(ctx, person)
    if resident is None:
        resident = Resident(person_id=person.id, updated_at=ctx.now)
        ctx.db.add(resident)
    resident.building_id = place.building.id if place.building else None
    resident.unit, resident.room, resident.address, resident.updated_at = place.unit, place.room, place.label, ctx.now
    ctx.db.flush()
    return Reply(texts.ADDRESS_SAVED.format(label=place.label), end=True)


# -- 待补充: the resident answers the worker's question ---------------------------------------


@cap.state(Flow.WAITING)
def answer_waiting(ctx: Ctx) -> Reply:
    """Whatever the resident sends next (text or media) answers the question; the deadlines run again."""
    ticket = service.ticket_by_number(ctx.db, ctx.data.get("ticket", ""))
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    if ticket is None or ticket.status not in OPEN_STATUSES:
        return reroute(ctx)
    if not ctx.msg.text or ctx.msg.kind == "location":
        if ctx.msg.kind not in media.ATTACHABLE:
            return reroute(ctx)
        row = media.attach(ctx.db, ticket, ctx.msg, person, ctx.now)
        what = texts.TICKET_MEDIA_WHAT.get(row.kind, texts.MEDIA_WHAT_FALLBACK)
        service.resume_after_answer(ctx.db, ctx.config, ticket, person, ctx.now)
        event = service.add_event(ctx.db, ticket, "media", ctx.now, person, note=what, media=row.id)
        service.notify_workers(ctx.db, ctx.outbox, ctx.config, ticket, event,
                               texts.TICKET_TASK_MEDIA.format(number=ticket.number, what=what))
    else:
        _add_detail(ctx, person, ticket, ctx.msg.text)
    return Reply(texts.TICKET_WAITING_ANSWERED.format(number=ticket.number), end=True)


# -- "问题解决了吗？": the rating ------------------------------------------------------------------


@cap.state(Flow.RATE)
def answer_rating(ctx: Ctx) -> Reply:
    """1 / 2 / 3, a menu tap or the resident's own words answer the question; anything else is routed as new."""
    ticket = service.ticket_by_number(ctx.db, ctx.data.get("ticket", ""))
    match = ctx.understanding.match if ctx.understanding else None
    value = rating.understand(ctx.msg.text or "", match, ticket) if ticket is not None else None
    if value is None or ticket is None:
        return reroute(ctx)
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    return _rated(ctx, ticket, person, value)


def _rated(ctx: Ctx, ticket: Ticket, person: Person, value: str) -> Reply:
    """Record the rating; a bare one ("2") leaves room for the comment the resident may add next (the reply
    invites it)."""
    remark = rating.comment(ctx.msg.text or "")
    text = rating.record(ctx.db, ctx.outbox, ctx.config, ticket, person, value, ctx.now, remark)
    if remark:
        return Reply(text, end=True)
    save_state(ctx.db, ctx.msg.channel, ctx.msg.user_id, Flow.RATE_COMMENT,
               {"ticket": ticket.number, "rating": value}, ctx.now, ttl=RATE_COMMENT_WINDOW)
    return Reply(text)


RATE_COMMENT_WINDOW = timedelta(minutes=30)
# What a comment after a rating may be routed as: nothing, a report of the rated kind ("灯还是不亮"), a rating.
COMMENT_INTENTS = frozenset({"tickets.create", "rating.answer", "tickets.add_detail", "chat.thanks"})


@cap.state(Flow.RATE_COMMENT)
def answer_rating_comment(ctx: Ctx) -> Reply:
    """The words after a bare rating are its comment, unless they are something else (a report of another
    kind, a question, a command): those are handled as what they are."""
    ticket = service.ticket_by_number(ctx.db, ctx.data.get("ticket", ""))
    match = ctx.understanding.match if ctx.understanding else None
    text = (ctx.msg.text or "").strip()
    other_kind = match is not None and match.intent == "tickets.create" and ticket is not None and \
        match.slots.get("category") not in (None, ticket.category)
    value = str(ctx.data.get("rating", ""))
    # After 满意, a report is a new problem ("楼道灯又坏了"); after a lower rating it is about this one.
    new_report = value == Rating.SATISFIED and match is not None and match.intent == "tickets.create"
    if ticket is None or not text or other_kind or new_report or (
            match is not None and match.intent not in COMMENT_INTENTS):
        return reroute(ctx)
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    return Reply(rating.add_comment(ctx.db, ctx.outbox, ctx.config, ticket, person, value, text, ctx.now), end=True)


@cap.intent("tickets.still_broken")
def report_still_broken(ctx: Ctx) -> Reply:
    """"还是不行" / "又坏了" right after a ticket was finished: 不满意 with those words (the ticket reopens).

    Asked by the fallback (handlers/help) for words nothing else understood; it passes on unless the
    sender has a ticket finished in the last few days and the words name no problem or place of their own."""
    text = re.sub(r"\s+", "", ctx.msg.text or "")
    understanding = ctx.understanding
    if not any(cue in text for cue in texts.STILL_BROKEN_CUES) or understanding is None or \
            understanding.match is not None or understanding.entities.address is not None:
        return Reply.pass_on()
    person = people.find_person(ctx.db, ctx.msg)
    ticket = rating.awaiting(ctx.db, person.id, STILL_BROKEN_DAYS, ctx.now) if person else None
    if ticket is None or person is None:
        return Reply.pass_on()
    return _rated(ctx, ticket, person, Rating.UNSATISFIED)


STILL_BROKEN_DAYS = 3.0  # "又坏了" a week after the fix is a new report, not this ticket


CORRECTION_MINUTES = 15  # "桂花苑" this soon after an urgent report corrects its estate


@cap.intent("tickets.correct_place")
def correct_urgent_place(ctx: Ctx) -> Reply:
    """"桂花苑" (or "是桂花苑的") right after "着火了 5栋": the urgent report's estate was guessed from a bare
    building number, so the words correct it. The alert went out at once and stays urgent; the ticket moves
    to the named estate's building (its grid's member is brought in), with an event, and everyone alerted
    is told.

    Asked by the fallback (handlers/help) for words nothing else understood; it passes on unless the
    words name an estate and the sender's urgent report of the last minutes named none."""
    understanding = ctx.understanding
    # Without an NLP engine (NoUnderstanding) there are no entities: nothing to correct.
    said = getattr(getattr(understanding, "entities", None), "address", None)
    if said is None or not said.estate or (understanding and understanding.match is not None):
        return Reply.pass_on()  # before any query: the fallback asks this of every message nothing understood
    person = people.find_person(ctx.db, ctx.msg)
    if person is None:
        return Reply.pass_on()
    since = ctx.now - timedelta(minutes=CORRECTION_MINUTES)
    ticket = next((t for t in service.open_tickets_of_reporter(ctx.db, person.id)
                   if t.urgent and t.reporter_id == person.id and t.created_at >= since), None)
    reported = ctx.services.understand(ticket.description).entities.address if ticket is not None else None
    if ticket is None or reported is None or reported.estate or not reported.building:
        return Reply.pass_on()
    estate = _estate_said_last(ctx, locating.text_of(ctx)) or next(
        (e for e in places.layout(ctx.db).estates.values() if e.name == said.estate), None)
    if estate is None:
        return Reply.pass_on()
    address = dataclasses.replace(reported, estate=estate.name, building=said.building or reported.building,
                                  unit=said.unit or reported.unit, room=said.room or reported.room)
    place = places.resolve(ctx.db, address)
    if not isinstance(place, places.Place) or estate is None or ticket.estate_id == estate.id or (
            ticket.building_id is not None and place.building is not None and ticket.building_id == place.building.id):
        return Reply.pass_on()
    old = ticket.location or texts.LOCATION_UNKNOWN
    grid_before = ticket.grid_id
    ticket.building_id = place.building.id if place.building is not None else None
    ticket.estate_id, ticket.place_id, ticket.unit, ticket.room = estate.id, None, place.unit, place.room
    ticket.grid_id = place.grid_id if place.building is not None else estate.grid_id
    ticket.location = place.label
    note = texts.EVENT_NOTE_PLACE_CORRECTED.format(old=old, new=place.label)
    event = service.add_event(ctx.db, ticket, "detail", ctx.now, person, note=note)
    member_told = False
    if ticket.grid_id != grid_before and ticket.accepted_at is None:
        member = service.assign(ctx.db, ctx.outbox, ctx.config, ticket, ctx.now)  # the new grid's, or staff
        member_told = member is not None and service.reach(ctx.db, ctx.config, member.id) is not None
        if member_told and member is not None:
            acknowledge.record_alert(ctx.db, ticket, member.id, acknowledge.MEMBER, ctx.now, ticket.ack_round)
    text = texts.TICKET_TASK_PLACE_CORRECTED.format(
        number=ticket.number, category=service.category_name(ctx.db, ticket.category), location=place.label, old=old)
    alerted = sorted({a.person_id for a in acknowledge.alerts_of(ctx.db, ticket)} - {ticket.assignee_id})
    told = {p for p in alerted if service.push(ctx.db, ctx.outbox, ctx.config, p, "ticket_urgent", text,
                                               key=f"ticket:{ticket.number}:event:{event.id}")}
    staff = set(service.staff_of(ctx.db, ticket.community_id))
    who = [w for w, yes in ((texts.URGENT_WHO_MEMBER, member_told), (texts.URGENT_WHO_STAFF, bool(told & staff)))
           if yes]
    if not who and not told:
        return Reply(texts.URGENT_PLACE_CORRECTED_NOBODY.format(number=ticket.number, location=place.label))
    from handlers.tickets.emergency import join_words  # it imports this module

    text = texts.URGENT_PLACE_CORRECTED.format(number=ticket.number, location=place.label,
                                               handlers=join_words(who) or texts.URGENT_WHO_STAFF)
    if place.building is None:  # 桂花苑 has no 5栋: filed at the estate, and the resident is told
        text += "\n" + texts.TICKET_ADDRESS_NOT_FOUND.format(label=place.label)
    return Reply(text)


def _estate_said_last(ctx: Ctx, text: str) -> places.EstateInfo | None:
    """"不是幸福里 是桂花苑": the estate named last is the one meant."""
    at = {e: max(text.rfind(form) for form in (e.name, *(e.name.removesuffix(x) for x in ESTATE_SUFFIXES)) if form)
          for e in places.layout(ctx.db).estates.values()}
    best = max(at, key=lambda e: at[e], default=None)
    return best if best is not None and at[best] >= 0 else None


@cap.intent("rating.answer")
def rate_ticket(ctx: Ctx) -> Reply:
    """满意 / 不满意 / 没修好 without an open question: the reporter's latest finished ticket."""
    value = rating.parse(ctx.msg.text or "")
    person = people.find_person(ctx.db, ctx.msg)
    ticket = rating.awaiting(ctx.db, person.id, ctx.config.tickets.rating_days, ctx.now) if person else None
    if value is None or ticket is None or person is None:
        report = _report_behind_rating_words(ctx)
        if report is None and person is not None:
            report = _closed_without_work(ctx, person)
        return report if report is not None else Reply(texts.RATING_NOTHING)
    return _rated(ctx, ticket, person, value)


def _closed_without_work(ctx: Ctx, person: Person) -> Reply | None:
    """"明明没修好你们就关了" about a ticket staff closed as a false alarm: why it was closed, how to report again."""
    since = ctx.now - timedelta(days=ctx.config.tickets.rating_days)
    closed = next((t for t in service.tickets_of_reporter(ctx.db, person.id) if service.closed_unresolved(t)
                   and t.closed_at is not None and t.closed_at >= since), None)
    if closed is None:
        return None
    return Reply(texts.TICKET_CLOSED_DISPUTED.format(number=closed.number, status=service.status_name(ctx.db, closed)))


def _report_behind_rating_words(ctx: Ctx) -> Reply | None:
    """"上次漏水的问题还没解决，又开始滴水了" with nothing to rate: the report its other words make."""
    text = ctx.msg.text or ""
    for word in sorted(ctx.match.keywords if ctx.match else (), key=len, reverse=True):
        text = text.replace(word, " ")
    understood = ctx.services.understand(text) if text.strip() else None
    if understood is None or understood.match is None or understood.match.intent != "tickets.create":
        return None
    ctx.understanding, ctx.match = understood, understood.match
    return report_problem(ctx)
