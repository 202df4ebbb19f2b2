"""What a job says while it runs: one JSON object per line for schedulers (`--log-format
json`, on stdout), or short human lines on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from forecaster.data.printable import printable
from forecaster.pipeline.timestamps import utc_now


class EventLog:
    """`emit("series_done", series="AAPL", seconds=12.3)` -> a JSON line or a readable line."""

    def __init__(self, log_format: str = "human", stream: TextIO | None = None) -> None:
        self.json = log_format == "json"
        self.stream = stream or (sys.stdout if self.json else sys.stderr)

    def emit(self, event: str, **fields: Any) -> None:
        if self.json:
            line = json.dumps({"time": utc_now(), "event": event, **fields}, default=str)
        else:
            line = self._human(event, fields)
        print(line, file=self.stream, flush=True)

    @staticmethod
    def _human(event: str, fields: dict[str, Any]) -> str:
        """One line for a person at a terminal: names from the data (series ids, reasons
        quoting cells) are printed with control characters escaped."""
        fields = {key: printable(value) if isinstance(value, str) else value
                  for key, value in fields.items()}
        series = fields.get("series")
        if event == "series_done":
            return (f"[done]    {series} in {fields.get('seconds', 0):.1f} s"
                    + (f" (resumed from epoch {fields['resumed_from_epoch']})"
                       if fields.get("resumed_from_epoch") else ""))
        if event == "series_failed":
            return f"[FAILED]  {series}: {fields.get('reason')}"
        if event == "series_skipped":
            return f"[skip]    {series}: {fields.get('reason')}"
        if event == "series_started":
            return f"[start]   {series}"
        if event == "tracking_failed":
            return f"[warning] {series or 'job'} not logged to MLflow: {fields.get('reason')}"
        details = ", ".join(f"{key} {value}" for key, value in fields.items())
        return f"[{event.replace('_', ' ')}] {details}"
