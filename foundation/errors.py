"""Domain errors: one small hierarchy that the API maps to problem+json in one place."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class DomainError(Exception):
    """Base of every refusal the domain or application layer can give."""


class NotFound(DomainError):
    """Unknown, or not visible to the principal (the two are never told apart)."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found")
        self.what = what
        self.ident = ident


class NotAllowedNow(DomainError):
    """The action is not allowed in the current state; says which actions are."""

    def __init__(self, action: str, state: str, allowed: Iterable[str], why: str = "") -> None:
        self.action = action
        self.state = state
        self.allowed = sorted(set(allowed))
        self.why = why
        reason = f": {why}" if why else ""
        super().__init__(
            f"'{action}' is not allowed while the {state}{reason}; "
            f"allowed now: {', '.join(self.allowed) or 'none'}"
        )


class FieldError:
    """One invalid field, named as the client sent it (dotted path), and why."""

    __slots__ = ("field", "message")

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class InvalidInput(DomainError):
    """Input that is well-formed but not acceptable; names each field and why."""

    def __init__(self, field: str = "", message: str = "", *, errors: Sequence[FieldError] = ()) -> None:
        self.errors = list(errors) or [FieldError(field, message)]
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))


class Forbidden(DomainError):
    """The principal may see the resource but may not do this to it."""


class AlreadyExists(DomainError):
    """A resource with this identity is already recorded."""


class VersionMismatch(DomainError):
    """If-Match named a version the resource has moved on from."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"expected version {expected}, the resource is at version {actual}")
        self.expected = expected
        self.actual = actual


class Unavailable(DomainError):
    """The service cannot answer consistently yet (a read model is behind); try again shortly."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after
