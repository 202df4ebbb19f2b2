"""Series ids become output folder names: ids that would share a folder are refused by
`validate` and `run` (exit 2, both ids named) before anything is written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster.cli import main
from forecaster.pipeline.series import folder_name

GAFA = Path(__file__).resolve().parents[2] / "datasets" / "gafa_stock.csv"

PIPELINE = """\
data:
  path: {data}
  id_column: Symbol
  date_column: Date
  targets: [Close]
training: {{epochs: 1, device: cpu}}
tracking: {{enabled: false}}
output: {{dir: {out}}}
"""


def pipeline_with_ids(tmp_path: Path, renamed: dict[str, str]) -> Path:
    """The shipped GAFA file with some tickers renamed, and a pipeline over it."""
    frame = pd.read_csv(GAFA)
    frame["Symbol"] = frame["Symbol"].replace(renamed)
    data = tmp_path / "tickers.csv"
    frame.to_csv(data, index=False)
    path = tmp_path / "job.yaml"
    path.write_text(PIPELINE.format(data=data, out=tmp_path / "out"), encoding="utf-8")
    return path


@pytest.mark.parametrize(("renamed", "shown"), [
    ({"AAPL": "A/B", "AMZN": "A_B"}, ["'A/B' and 'A_B'", "both become the folder", "A_B"]),
    ({"AAPL": ".", "AMZN": ".."}, ["'.' and '..'", "both become the folder", "series"]),
    ({"AAPL": "x y", "AMZN": "x_y"}, ["'x y' and 'x_y'", "both become the folder"]),
    ({"AAPL": "GOOG.", "AMZN": "FB"}, ["'GOOG.' and 'GOOG'", "both become the folder"]),
    ({"AAPL": "aapl", "AMZN": "AAPL"},
     ["'aapl' and 'AAPL'", "differ only in case", "'aapl' and 'AAPL'"]),
], ids=["slash", "dots", "space", "trailing-dot", "case"])
def test_colliding_ids_are_refused_by_validate_and_run(tmp_path, renamed, shown):
    path = pipeline_with_ids(tmp_path, renamed)
    for command in ("validate", "run"):
        result = CliRunner().invoke(main, [command, str(path)])
        assert result.exit_code == 2, result.output
        assert "would overwrite the other's results" in result.output
        for text in shown:
            assert text in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()  # refused before the output was touched


def test_distinct_ids_validate_and_list_every_series(tmp_path):
    path = pipeline_with_ids(tmp_path, {"AAPL": "A/B"})
    result = CliRunner().invoke(main, ["validate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert '"series_ids": [\n    "A/B",' in result.output


def test_folder_names_are_safe_and_long_ids_stay_unique():
    assert folder_name("../../etc") == "etc"
    assert folder_name(".hidden") == "hidden"
    assert folder_name("..") == folder_name(".") == "series"
    long_a, long_b = "x" * 300 + "a", "x" * 300 + "b"
    assert len(folder_name(long_a)) == 200 and folder_name(long_a) != folder_name(long_b)
    assert folder_name("AAPL-Close") == "AAPL-Close"


def test_ids_from_the_data_are_printed_with_escapes(tmp_path):
    path = pipeline_with_ids(tmp_path, {"AAPL": "\x1b[2JA"})
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "4: \\x1b[2JA, AMZN, FB, GOOG" in result.output


def test_progress_lines_print_ids_and_reasons_with_escapes():
    import io

    from forecaster.pipeline.events import EventLog

    stream = io.StringIO()
    EventLog("human", stream).emit("series_failed", series="\x1b[2JA", reason="bad\x07 cell")
    assert stream.getvalue() == "[FAILED]  \\x1b[2JA: bad\\x07 cell\n"


def test_two_files_of_a_glob_with_the_same_name_are_refused(tmp_path):
    frame = pd.read_csv(GAFA)
    goog = frame[frame["Symbol"] == "GOOG"].drop(columns="Symbol")
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        goog.to_csv(tmp_path / folder / "goog.csv", index=False)
    path = tmp_path / "job.yaml"
    path.write_text(f"data: {{path: '*/goog.csv', date_column: Date, targets: [Close]}}\n"
                    f"tracking: {{enabled: false}}\noutput: {{dir: {tmp_path / 'out'}}}\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert (f"two series share the name 'goog' ({tmp_path / 'a' / 'goog.csv'} and "
            f"{tmp_path / 'b' / 'goog.csv'}); give the files distinct names") in result.output
