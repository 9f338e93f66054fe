"""The HEC error answer: one exception carries status, code, text and the envelope number."""

from __future__ import annotations


class HecError(Exception):
    """An HEC error response (SPEC BODY-12): ``{"text": ..., "code": ...[, "invalid-event-number": k]}``."""

    def __init__(self, status: int, code: int, text: str, event_number: int | None = None) -> None:
        super().__init__(f"{status} code {code}: {text}")
        self.status = status
        self.code = code
        self.text = text
        self.event_number = event_number

    def body(self) -> dict[str, object]:
        out: dict[str, object] = {"text": self.text, "code": self.code}
        if self.event_number is not None:
            out["invalid-event-number"] = self.event_number
        return out


def no_data() -> HecError:
    return HecError(400, 5, "No data")


def invalid_format(event_number: int | None) -> HecError:
    return HecError(400, 6, "Invalid data format", event_number)
