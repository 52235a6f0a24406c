"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from models.admin import AdminRole, AdminUser, ApiToken
from models.app_state import Counter, JobRun
from models.audit import AuditEntry
from models.base import Base
from models.bulletin import (
    AudienceKind,
    BulletinDelivery,
    BulletinEntry,
    BulletinPost,
    BulletinRun,
    BulletinSeries,
    DeliveryStatus,
    Follower,
    PostStatus,
    Rung,
    RunStatus,
    Subscription,
)
from models.community import (
    Building,
    Category,
    Community,
    Department,
    DepartmentCategory,
    Estate,
    EstatePlace,
    Grid,
    PlaceKind,
)
from models.consultation import Consultation, ConsultationMessage, ConsultationStatus
from models.conversation import ConversationState
from models.holiday import CategoryDeadline, DayKind, Holiday, HolidayYear
from models.inbound import InboundMessage, InboundStatus
from models.outbox import OutboxMessage, OutboxStatus
from models.person import BindAttempt, BindCode, GridMember, Identity, IdentityKind, MemberRole, Person, Resident, Staff
from models.reminder import Reminder, ReminderStatus
from models.rule import DictionaryWord, Rule, RuleVersion
from models.ticket import (
    OPEN_STATUSES,
    MediaStatus,
    Rating,
    Ticket,
    TicketAlert,
    TicketDayCounter,
    TicketEvent,
    TicketMedia,
    TicketReporter,
    TicketStatus,
    UrgentCheck,
    UrgentCheckStatus,
)
from models.token import AccessToken

__all__ = [
    "AccessToken",
    "AdminRole",
    "AdminUser",
    "ApiToken",
    "AuditEntry",
    "AudienceKind",
    "Base",
    "BindAttempt",
    "BindCode",
    "Building",
    "BulletinDelivery",
    "BulletinEntry",
    "BulletinPost",
    "BulletinRun",
    "BulletinSeries",
    "Category",
    "Consultation",
    "ConsultationMessage",
    "ConsultationStatus",
    "CategoryDeadline",
    "Community",
    "ConversationState",
    "Counter",
    "Department",
    "DayKind",
    "DeliveryStatus",
    "DepartmentCategory",
    "DictionaryWord",
    "Estate",
    "EstatePlace",
    "Follower",
    "Grid",
    "Holiday",
    "HolidayYear",
    "GridMember",
    "Identity",
    "IdentityKind",
    "InboundMessage",
    "InboundStatus",
    "JobRun",
    "MediaStatus",
    "MemberRole",
    "OPEN_STATUSES",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PlaceKind",
    "PostStatus",
    "Rating",
    "Reminder",
    "ReminderStatus",
    "Resident",
    "Rule",
    "RuleVersion",
    "RunStatus",
    "Rung",
    "Staff",
    "Subscription",
    "Ticket",
    "TicketAlert",
    "TicketDayCounter",
    "TicketEvent",
    "TicketMedia",
    "TicketReporter",
    "TicketStatus",
    "UrgentCheck",
    "UrgentCheckStatus",
]
