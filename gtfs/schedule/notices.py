"""Validation notices: a stable code, a severity, and where (file, line, field)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Notice:
    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    value: str | None = None
    context: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "severity": self.severity.value}
        for name in ("file", "line", "field", "value"):
            if (v := getattr(self, name)) is not None:
                data[name] = v
        data["message"] = self.message
        if self.context:
            data["context"] = self.context
        return data

    def as_text(self) -> str:
        where = self.file or "feed"
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f" [{self.field}]"
        return f"{self.severity.value.upper():7} {self.code:45} {where}: {self.message}"


@dataclass
class NoticeContainer:
    """Collects notices; counts every one, keeps at most `sample_limit` of each code."""

    sample_limit: int = 100
    counts: Counter[str] = field(default_factory=Counter)
    severities: dict[str, Severity] = field(default_factory=dict)
    samples: dict[str, list[Notice]] = field(default_factory=lambda: defaultdict(list))
    error_count: int = 0  # kept apart: the row loop asks for it on every row

    def add(self, notice: Notice) -> None:
        self.counts[notice.code] += 1
        if notice.severity is Severity.ERROR:
            self.error_count += 1
        self.severities[notice.code] = notice.severity
        bucket = self.samples[notice.code]
        if len(bucket) < self.sample_limit:
            bucket.append(notice)

    def count(self, severity: Severity) -> int:
        return sum(n for code, n in self.counts.items() if self.severities[code] is severity)

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def codes(self) -> set[str]:
        return set(self.counts)

    def all_samples(self) -> list[Notice]:
        order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        codes = sorted(self.counts, key=lambda c: (order[self.severities[c]], c))
        return [n for c in codes for n in self.samples[c]]

    def find(self, code: str) -> list[Notice]:
        return list(self.samples.get(code, []))

    def summary(self) -> dict[str, Any]:
        return {
            "errors": self.count(Severity.ERROR),
            "warnings": self.count(Severity.WARNING),
            "infos": self.count(Severity.INFO),
            "by_code": [
                {"code": c, "severity": self.severities[c].value, "total": n}
                for c, n in sorted(self.counts.items())
            ],
        }
