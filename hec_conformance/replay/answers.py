"""Each answer compared with the recorded one (status, then HEC code) and with the --against target's;
--save written in capture order; the read-back check of every request the target accepted kept."""

from __future__ import annotations

from dataclasses import replace

from hec_conformance.replay.capture import CaptureWriter, Exchange, Response, hec_code
from hec_conformance.replay.client import Answer, ClientError
from hec_conformance.replay.requests import Check, Prepared
from hec_conformance.replay.stats import Stats


def shown(ex: Exchange) -> str:
    """How a difference names its request."""
    return f"{ex.method} {ex.target()}"


def _brief(answer: Answer | None) -> str:
    if answer is None:
        return "no answer"
    code = hec_code(answer.body)
    return f"{answer.status}" + (f" code {code}" if code is not None else "")


def _brief_recorded(ex: Exchange) -> str:
    r = ex.response
    assert r is not None
    return f"{r.status}" + (f" code {r.hec_code()}" if r.hec_code() is not None else "")


def _both(ex: Exchange, answer: Answer) -> str:
    return f"recorded {_brief_recorded(ex)}, replay {_brief(answer)}"


class Answers:
    """Takes the answers of every request as they come (any order) and counts what differs in `stats`;
    `checks` collects, per correlation key, the events read-back should find."""

    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self.checks: dict[tuple[str, str], Check] = {}
        self.save: CaptureWriter | None = None  # --save: the capture again, with these answers
        self._unsaved: dict[int, Exchange] = {}
        self._next_saved = 0

    def take(
        self, prep: Prepared, answers: list[Answer | None], errors: list[BaseException] | tuple[()]
    ) -> None:
        """The answers of one request (one per target; None where it failed with one of `errors`)."""
        ex = prep.exchange
        for error in errors:
            if not isinstance(error, ClientError):
                raise error
            self.stats.differ(ex.seq, "transport", shown(ex), str(error))
        first = answers[0]
        if first is not None:
            self._compare_recorded(ex, first)
        if self.save is not None:
            answer = None if first is None else Response(first.status, tuple(first.headers), first.body)
            self._save_in_order(prep.index, replace(ex, response=answer))
        if len(answers) == 2 and None not in answers:
            self._compare_against(ex, answers)
        if prep.check is not None:
            self._remember(prep.check, first is not None and first.status == 200)

    def _compare_recorded(self, ex: Exchange, first: Answer) -> None:
        stats = self.stats
        stats.answered += 1
        stats.latency.add(first.elapsed)
        recorded = ex.response
        if recorded is None:
            return
        stats.compared += 1
        if first.status != recorded.status:
            stats.differ(ex.seq, "status", shown(ex), _both(ex, first))
        # the same body has the same code: decode only a body that differs from the recorded one
        elif first.body != recorded.body and hec_code(first.body) != recorded.hec_code():
            stats.differ(ex.seq, "hec-code", shown(ex), _both(ex, first))

    def _compare_against(self, ex: Exchange, answers: list[Answer | None]) -> None:
        a, b = answers
        assert a is not None and b is not None
        if (a.status, hec_code(a.body)) != (b.status, hec_code(b.body)):
            self.stats.differ(ex.seq, "against-answer", shown(ex), f"{_brief(a)} vs {_brief(b)}")

    def _save_in_order(self, index: int, exchange: Exchange) -> None:
        """--save writes in capture order: answers that come early wait (at most the requests in flight)."""
        assert self.save is not None
        self._unsaved[index] = exchange
        while self._next_saved in self._unsaved:
            self.save.write(self._unsaved.pop(self._next_saved))
            self._next_saved += 1

    def _remember(self, check: Check, ok: bool) -> None:
        expected = check.expected if ok else []
        self.stats.events += len(expected)
        self.merge(Check(check.seq, check.request, check.role, check.key, list(expected), check.all_timed))

    def merge(self, check: Check) -> None:
        """Add a check (raw requests sharing one channel, or another process's, are read back together)."""
        known = self.checks.get(check.key)
        if known is None:
            self.checks[check.key] = check
        else:
            known.expected.extend(check.expected)
