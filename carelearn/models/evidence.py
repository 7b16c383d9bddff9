"""Evidence for inspectors: certificates, observed practice, prior learning, evidence packs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import Model
from .content import ModuleVersion


class Certificate(Model):
    """The PDF issued for one completion, kept byte for byte so anyone can check a copy against
    its SHA-256. Whether it still stands (valid, expired, superseded) is worked out from the
    completions, so it is never out of date; only a revocation is written here."""

    __table_args__ = (
        CheckConstraint("length(code) >= 16", name="code_long_enough"),
        CheckConstraint("length(sha256) = 64", name="sha256_hex"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("completion.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)


class TeamSupervisor(Model):
    """Someone named to watch and sign off the practice of a team's staff (besides managers)."""

    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    named_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PracticeObservation(Model):
    """A manager or supervisor watched someone at work against a module's practice checklist."""

    __table_args__ = (CheckConstraint("outcome IN ('met', 'not yet')", name="outcome_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"), index=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id"))
    observer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    observed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # "met" only when every item was met.
    outcome: Mapped[str] = mapped_column(String(8))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)

    module_version: Mapped[ModuleVersion] = relationship()
    items: Mapped[list[ObservationItem]] = relationship(
        order_by="ObservationItem.position", back_populates="observation"
    )


class ObservationItem(Model):
    __table_args__ = (UniqueConstraint("observation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("practice_observation.id"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    met: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")

    observation: Mapped[PracticeObservation] = relationship(back_populates="items")


class PriorLearning(Model):
    """Equivalent training done elsewhere, recognised by an admin: it stands behind a completion
    whose method is 'prior_learning'."""

    __table_args__ = (
        CheckConstraint("expires_on IS NULL OR expires_on > completed_on", name="expires_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"))
    title: Mapped[str] = mapped_column(String(200))  # what
    provider: Mapped[str] = mapped_column(String(200))  # where
    completed_on: Mapped[date] = mapped_column(Date)  # when
    expires_on: Mapped[date | None] = mapped_column(Date)
    approved_by: Mapped[str] = mapped_column(String(120))
    evidence_name: Mapped[str] = mapped_column(String(200))
    evidence_type: Mapped[str] = mapped_column(String(80))
    evidence: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class EvidencePack(Model):
    """A ZIP of the evidence for some teams, or the whole organisation, as at a date. Built by the
    worker; kept in the database in chunks, so any web process can stream it."""

    __table_args__ = (
        CheckConstraint("state IN ('queued', 'building', 'ready', 'failed')", name="state_known"),
        CheckConstraint("scope IN ('teams', 'organisation')", name="scope_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    team_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    as_at: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class EvidencePackChunk(Model):
    __table_args__ = (UniqueConstraint("pack_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("evidence_pack.id"))
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
