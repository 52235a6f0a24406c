"""WeChat's error codes, in ONE table, mapped to the error classes and to what the outbox does.

Official Account and WeCom share the code space for the codes used here.
A code missing from the table is retried with backoff until the row is dead,
where an admin sees its errcode and errmsg.
"""

from __future__ import annotations

from enum import StrEnum

from bot.errors import (
    BotError,
    OutOfWindow,
    RateLimited,
    RecipientUnavailable,
    TokenExpired,
    WeChatAPIError,
)


class Outcome(StrEnum):
    REFRESH_TOKEN = "refresh_token"  # refresh the access token and retry once, at once
    BACK_OFF = "back_off"  # quota or frequency limit: retry much later
    RETRY = "retry"  # transient: retry with exponential backoff
    FALLBACK = "fallback"  # outside the 48-hour window: template message instead
    FAIL = "fail"  # permanent: retrying cannot help


class WeChatBusy(WeChatAPIError):
    """errcode -1: WeChat's "system busy"; try again."""


class MessageRejected(WeChatAPIError):
    """The message itself is invalid (type, length, template id); sending it again cannot succeed."""


class ChannelUnavailable(BotError):
    """The HTTP call failed: connection error, reset, timeout, 5xx or a body that is not JSON."""


class CannotDeliver(BotError):
    """We know without asking WeChat that this message cannot go out; the reason says why."""


WECHAT_ERRORS: dict[int, tuple[type[WeChatAPIError], Outcome]] = {
    -1: (WeChatBusy, Outcome.RETRY),
    40001: (TokenExpired, Outcome.REFRESH_TOKEN),  # invalid credential / not the latest token
    40014: (TokenExpired, Outcome.REFRESH_TOKEN),  # invalid access_token
    42001: (TokenExpired, Outcome.REFRESH_TOKEN),  # access_token expired
    45009: (RateLimited, Outcome.BACK_OFF),  # api freq out of limit (also the robot's 20/min)
    45011: (RateLimited, Outcome.BACK_OFF),  # api minute-quota reached
    45033: (RateLimited, Outcome.BACK_OFF),  # WeCom: too many concurrent calls
    45047: (RateLimited, Outcome.BACK_OFF),  # customer-service messages quota reached
    45015: (OutOfWindow, Outcome.FALLBACK),  # more than 48 hours since the user's last message
    40003: (RecipientUnavailable, Outcome.FAIL),  # invalid openid
    43004: (RecipientUnavailable, Outcome.FAIL),  # the user unsubscribed
    43019: (RecipientUnavailable, Outcome.FAIL),  # the user blocked the account
    81013: (RecipientUnavailable, Outcome.FAIL),  # WeCom: no valid user, party or tag
    93000: (RecipientUnavailable, Outcome.FAIL),  # group robot: invalid webhook key
    40008: (MessageRejected, Outcome.FAIL),  # invalid message type
    40037: (MessageRejected, Outcome.FAIL),  # invalid template id
    40058: (MessageRejected, Outcome.FAIL),  # content too long
    44004: (MessageRejected, Outcome.FAIL),  # empty content
    47001: (MessageRejected, Outcome.FAIL),  # malformed body
}

# Errors that carry no errcode (or a code not in the table).
_BY_CLASS: dict[type[BotError], Outcome] = {
    ChannelUnavailable: Outcome.RETRY,
    CannotDeliver: Outcome.FAIL,
}


def error_for(errcode: int, errmsg: str = "") -> WeChatAPIError:
    """The exception for a non-zero errcode."""
    cls = WECHAT_ERRORS.get(errcode, (WeChatAPIError, Outcome.RETRY))[0]
    return cls(errcode, errmsg)


def outcome_of(error: BotError) -> Outcome:
    """What the outbox does about a failed send."""
    if isinstance(error, WeChatAPIError):
        return WECHAT_ERRORS.get(error.errcode, (WeChatAPIError, Outcome.RETRY))[1]
    for cls, outcome in _BY_CLASS.items():
        if isinstance(error, cls):
            return outcome
    return Outcome.RETRY
