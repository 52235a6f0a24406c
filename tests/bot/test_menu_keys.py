"""Menu CLICK keys are declared by the capabilities that answer them (Capability.menu)."""

from __future__ import annotations

from typing import Any

from bot.dialog.capability import load_registry
from bot.wechat.client import ChatClient, app_poster, build_event_xml
from handlers.help import texts as help_texts
from handlers.tickets import texts as ticket_texts


def test_the_registry_collects_each_capabilitys_menu_keys() -> None:
    keys = load_registry().menu_keys
    assert keys["HELP"] == "help.show" and keys["HUMAN"] == "human.handover"
    assert keys["MY_TICKETS"] == "tickets.list_mine"


def test_my_tickets_key_lists_the_residents_tickets_and_unknown_keys_show_help(app: Any, services: Any) -> None:
    client = ChatClient(services.config, app_poster(app), openid="oMenuUser")
    my_tickets = client.send_xml(build_event_xml(services.config.wechat.app_id, "oMenuUser", "CLICK", "my_tickets"))
    assert my_tickets == ticket_texts.TICKET_LIST_EMPTY
    unknown = client.send_xml(build_event_xml(services.config.wechat.app_id, "oMenuUser", "CLICK", "NO_SUCH_KEY"))
    assert unknown == help_texts.HELP
