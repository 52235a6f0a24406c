"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from models.admin import AdminUser, ApiToken
from models.app_state import Counter, JobRun
from models.base import Base
from models.community import Category, Community
from models.conversation import ConversationState
from models.inbound import InboundMessage, InboundStatus
from models.outbox import OutboxMessage, OutboxStatus
from models.rule import DictionaryWord, Rule
from models.token import AccessToken

__all__ = [
    "AccessToken",
    "AdminUser",
    "ApiToken",
    "Base",
    "Category",
    "Community",
    "ConversationState",
    "Counter",
    "DictionaryWord",
    "InboundMessage",
    "InboundStatus",
    "JobRun",
    "OutboxMessage",
    "OutboxStatus",
    "Rule",
]
