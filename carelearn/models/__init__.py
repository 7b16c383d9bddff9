"""All models, imported here so Alembic and the app see one complete metadata."""

from .assignments import (
    Assignment,
    AuthToken,
    LearningPath,
    LearningPathStep,
    OnboardingRule,
    SentReminder,
    TrainingRecord,
)
from .audit import AuditEvent
from .content import Lesson, Module, ModuleVersion, Option, Question
from .evidence import (
    Certificate,
    EvidencePack,
    EvidencePackChunk,
    ObservationItem,
    PracticeObservation,
    PriorLearning,
    TeamSupervisor,
)
from .feedback import (
    FeedbackEntry,
    FeedbackMonth,
    ModuleRating,
    PulseResponse,
    PulseRound,
    PulseTaken,
    YouSaidWeDid,
)
from .huddles import Huddle, HuddleAttendance, HuddleCard
from .outbox import BackgroundJob, EmailState, JobState, OutboxEmail
from .people import AppRole, JobRole, Team, TeamKind, TeamManager, TeamMembership, User
from .progress import AttemptQuestion, Completion, LessonProgress, QuizAttempt
from .sessions import SignInSession
from .site import HelpPage, OrganisationVision
from .versions import TeamVersion

__all__ = [
    "SignInSession",
    "PulseRound",
    "YouSaidWeDid",
    "PulseTaken",
    "PulseResponse",
    "ModuleRating",
    "FeedbackMonth",
    "FeedbackEntry",
    "TeamSupervisor",
    "PriorLearning",
    "PracticeObservation",
    "ObservationItem",
    "EvidencePackChunk",
    "EvidencePack",
    "Certificate",
    "Assignment",
    "AuthToken",
    "LearningPath",
    "LearningPathStep",
    "OnboardingRule",
    "SentReminder",
    "TrainingRecord",
    "AppRole",
    "AttemptQuestion",
    "AuditEvent",
    "BackgroundJob",
    "Completion",
    "EmailState",
    "HelpPage",
    "Huddle",
    "HuddleAttendance",
    "HuddleCard",
    "JobRole",
    "JobState",
    "Lesson",
    "LessonProgress",
    "Module",
    "ModuleVersion",
    "Option",
    "OrganisationVision",
    "OutboxEmail",
    "Question",
    "QuizAttempt",
    "Team",
    "TeamKind",
    "TeamManager",
    "TeamMembership",
    "TeamVersion",
    "User",
]
