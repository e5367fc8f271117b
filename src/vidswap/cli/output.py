"""What the Swap-flow commands show: live steps and a progress bar on stderr for people,
the outcome on stdout (a table and a few lines, or one JSON object with `--json`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from vidswap.client import VideoResult

STATUS_TEXT = {5: "generating", 1: "done", 7: "refused by moderation", 8: "failed"}


class Reporter:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.live = Console(stderr=True, quiet=as_json)
        self.out = Console(highlight=False, soft_wrap=True)

    @contextmanager
    def step(self, text: str) -> Iterator[None]:
        """A spinner while `text` happens, a tick once it has."""
        with self.live.status(text):
            yield
        self.live.print(f"[green]✓[/green] {text}")

    @contextmanager
    def generation(self) -> Iterator[Callable[[VideoResult], None]]:
        """A progress bar fed by each polled result (`progress` where the server has it)."""
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.live, transient=False) as bar:
            task = bar.add_task("queued", total=100)

            def update(result: VideoResult) -> None:
                done = result.progress if result.progress is not None else 0
                text = STATUS_TEXT.get(result.status, f"status {result.status}")
                bar.update(task, completed=100 if result.status == 1 else done, description=text)

            yield update

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        if self.as_json:
            return
        table = Table(*columns)
        for row in rows:
            table.add_row(*(str(cell) for cell in row))
        self.out.print(table)

    def warn(self, text: str) -> None:
        """On stderr for people (with `--json` the payload carries it)."""
        self.live.print(f"[yellow]warning:[/yellow] {text}", highlight=False)

    def finish(self, payload: dict[str, Any], lines: Sequence[str]) -> None:
        if self.as_json:
            self.out.print(json.dumps(payload, indent=2, default=str), markup=False)
            return
        for line in lines:
            self.out.print(line, markup=False)


def coverage(result: VideoResult) -> list[str]:
    """ "swapped 45 of 90 frames (50%)", or nothing from a server that does not count them."""
    if result.swapped_frames is None or not result.total_frames:
        return []
    share = 100 * result.swapped_frames // result.total_frames
    return [f"swapped {result.swapped_frames} of {result.total_frames} frames ({share}%)"]
