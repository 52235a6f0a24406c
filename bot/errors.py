"""The one small error tree (see STYLE.md). WeChat's error codes map to these in bot/channels."""

from __future__ import annotations


class BotError(Exception):
    """Base of every error Linli raises on purpose."""


class ImportFormatError(Exception):
    """An import file is not in the import format; the message names file, record and field."""


class UserFacingError(BotError):
    """An expected failure whose message is shown to the user as the reply."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class WeChatAPIError(BotError):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class TokenExpired(WeChatAPIError):
    pass


class RateLimited(WeChatAPIError):
    pass


class OutOfWindow(WeChatAPIError):
    pass


class RecipientUnavailable(WeChatAPIError):
    pass
