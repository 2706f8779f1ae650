"""What a batch returns: one TaskResult per task, a Failure where it failed, the BatchReport."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Failure:
    """Where and how a report failed."""

    province_id: str
    province: str
    year: int
    ename: str
    evalue: str
    cell_index: int | None = None  # in the executed notebook (papermill's index)
    template_cell: int | None = None  # the same cell in the template
    exec_count: int | None = None
    log: str | None = None
    stage: str | None = None  # what the runner was doing when it was not a cell: "writing" ...
    log_error: str | None = None  # why the failure log could not be written (a full disk)

    def line(self) -> str:
        """One line: province, cell and error."""
        where = self.stage or "kernel/runner"
        if self.cell_index is not None:
            where = f"cell {self.cell_index}"
            if self.template_cell is not None and self.template_cell != self.cell_index:
                where = f"template cell {self.template_cell} (executed cell {self.cell_index})"
        evalue = (self.evalue or "").strip().splitlines()
        text = f"{self.ename}: {evalue[0][:200]}" if evalue else self.ename
        log = f" [log: {self.log}]" if self.log else ""
        if self.log_error:
            log += f" [log not written: {self.log_error}]"
        return f"{self.province} ({self.province_id}), {self.year}: {where}: {text}{log}"


@dataclass
class TaskResult:
    """What happened to one task."""

    province_id: str
    year: int
    status: str  # "ok", "failed" or "skipped"
    duration_s: float = 0.0
    failure: Failure | None = None
    attempts: int = 0


@dataclass
class BatchReport:
    """The outcome of ``run()``."""

    results: list[TaskResult] = field(default_factory=list)
    duration_s: float = 0.0
    jobs: int = 0
    index: Path | None = None
    index_errors: list[str] = field(default_factory=list)  # index pages that could not be written

    def _count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def rendered(self) -> int:
        return self._count("ok")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    @property
    def failures(self) -> list[Failure]:
        return [r.failure for r in self.results if r.failure is not None]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.index_errors

    def summary(self) -> str:
        """Counts, then one line per failure (province, cell, error) and per index page not written."""
        head = (
            f"{self.rendered} rendered, {self.skipped} up to date (skipped), {len(self.failures)} failed "
            f"in {self.duration_s:.1f} s with {self.jobs} worker(s)"
        )
        lines = [head, *("FAILED " + f.line() for f in self.failures)]
        return "\n".join(lines + ["FAILED index page " + e for e in self.index_errors])
