"""The sentences of the evidence audit entries (see audit_kinds.py): certificates issued,
downloaded and revoked, and people taking their own record away."""

from __future__ import annotations

from .audit_sentences import SLUG, Said, describes


@describes("certificate.issue", "Certificate issued", module=SLUG)
def _certificate_issued(s: Said) -> str:
    sentence = (
        f"CareLearn issued {s.subject} a certificate for {s.name(SLUG, s.d.get('module'))} "
        f"(version {s.d.get('version')}), code {s.d.get('code')}"
    )
    if s.event.actor_id is not None:
        sentence += f", first downloaded by {s.actor}"
    return sentence


@describes("certificate.download", "Certificate downloaded")
def _certificate_downloaded(s: Said) -> str:
    return f"{s.actor} downloaded the certificate of {s.subject}, code {s.d.get('code')}"


@describes("certificate.revoke", "Certificate revoked", module=SLUG)
def _certificate_revoked(s: Said) -> str:
    return (
        f"{s.actor} revoked the certificate of {s.subject} for {s.name(SLUG, s.d.get('module'))}, "
        f"code {s.d.get('code')}: “{s.d.get('reason')}”"
    )


@describes("record.download", "Own record downloaded")
def _record_downloaded(s: Said) -> str:
    return f"{s.subject} downloaded their own training record ({str(s.d.get('format')).upper()})"
