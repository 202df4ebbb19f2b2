"""Asking a served model (`mlflow models serve`) for predictions, as an HTTP client would."""

from __future__ import annotations

import json
import urllib.request

import pandas as pd


def served_predictions(url: str, frame: pd.DataFrame, params: dict | None = None) -> list[dict]:
    """POST `frame` (empty cells as null) to `url`/invocations; the answer's predictions."""
    rows = frame.astype(object).where(frame.notna(), None)
    payload = {"dataframe_split": {"columns": list(rows.columns), "data": rows.values.tolist()},
               **({"params": params} if params else {})}
    request = urllib.request.Request(f"{url}/invocations", data=json.dumps(payload).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return json.loads(response.read())["predictions"]
