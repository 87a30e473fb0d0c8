"""What a flow shows while it runs, on stderr: one line per call, then page progress.

On a terminal the pages show as a live rich progress line (rows, pages, rows/s);
anywhere else (CI logs, pipes, files) as plain lines, at most one every two
seconds plus the last, so logs stay short and nothing depends on cursor control.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["FlowReporter"]


class FlowReporter:
    """Implements ``appflow_mysql.flow.Reporter``."""

    def __init__(self, console: Console | None = None, plain_interval: float = 2.0) -> None:
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)
        self._interval = plain_interval
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self.rows = self.pages = self.written = 0
        self._started = self._last_line = 0.0

    def step(self, name: str, seconds: float, detail: str) -> None:
        self.console.print(f"[green]ok[/]  {escape(name):<36} {seconds * 1000:6.0f} ms  {escape(detail)}")

    def notice(self, text: str) -> None:
        self.console.print(f"    {escape(text)}")

    def start_pages(self) -> None:
        self.rows = self.pages = self.written = 0
        self._started = self._last_line = time.monotonic()
        if self.console.is_terminal:
            self._progress = Progress(SpinnerColumn(), TextColumn("QueryData"),
                                      TextColumn("{task.fields[line]}"), TimeElapsedColumn(),
                                      console=self.console, transient=False)
            self._task = self._progress.add_task("pages", total=None, line=self._line())
            self._progress.start()

    def _rate(self) -> float:
        elapsed = time.monotonic() - self._started
        return self.rows / elapsed if elapsed > 0 else 0.0

    def _line(self) -> str:
        text = f"{self.rows:,} rows  {self.pages:,} pages  {self._rate():,.0f} rows/s"
        if self.written:
            text += f"  {self.written:,} written"
        return text

    def page(self, rows: int, written: int) -> None:
        self.rows, self.pages, self.written = self.rows + rows, self.pages + 1, self.written + written
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, line=self._line())
        elif time.monotonic() - self._last_line >= self._interval:
            self._last_line = time.monotonic()
            self.console.print(f"    QueryData  {self._line()}")

    def end_pages(self, outcome: str = "done") -> None:
        """The last progress line, saying how the pages ended: done, interrupted or failed."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, line=f"{self._line()}  ({outcome})")
            self._progress.stop()
            self._progress = None
        else:
            self.console.print(f"    QueryData  {self._line()}  ({outcome})")
