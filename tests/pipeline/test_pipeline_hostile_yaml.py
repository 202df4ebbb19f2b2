"""Hostile or runaway pipeline files are refused quickly with exit 2 and a reason: alias bombs,
self-referring aliases, deep nesting, huge files; a pipe is read once."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecaster.cli import main
from forecaster.pipeline.pipeline_file import MAX_VALUES

ROOT = Path(__file__).resolve().parents[2]
GOOG = ROOT / "datasets" / "GOOG.csv"
GOOD = f"data:\n  path: {GOOG}\n  targets: [Close]\ntracking: {{enabled: false}}\n"


def billion_laughs(levels: int = 9) -> str:
    """Nine strings, each level nine aliases of the one before: 9**10 values once expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + f"\n{GOOD}"


def validate(*args: object):
    return CliRunner().invoke(main, ["validate", *map(str, args)])


def test_a_billion_laughs_is_refused_by_counting_before_expanding(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    result = validate(path)  # refused by counting, before the expansion is built
    assert result.exit_code == 2, result.output
    assert (f"{path}: refused: its aliases (*name) expand to more than {MAX_VALUES:,} values "
            f"(the value at line 6)") in result.output
    assert "billion laughs" in result.output


def test_a_few_aliases_are_still_fine(tmp_path):
    path = tmp_path / "aliases.yaml"
    path.write_text(f"common: &t [Close]\n{GOOD}".replace("targets: [Close]", "targets: *t")
                    .replace("common:", "x-common:"), encoding="utf-8")
    result = validate(path)
    assert result.exit_code == 2  # an unknown top-level key, reported as such, not refused
    assert "unknown key 'x-common'" in result.output and "refused" not in result.output
    shared = tmp_path / "shared.yaml"
    shared.write_text("data:\n  path: &p " + str(GOOG) + "\n  targets: [Close]\n"
                      "tracking: {enabled: false}\n", encoding="utf-8")
    assert validate(shared).exit_code == 0


def test_an_alias_inside_its_own_value_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("data: &d\n  path: x.csv\n  again: *d\n", encoding="utf-8")
    result = validate(path)
    assert result.exit_code == 2
    assert "refused: an alias refers to the value that contains it (line 1)" in result.output


def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("data: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    result = validate(path)
    assert result.exit_code == 2, result.output
    assert "refused: values nested more than 64 levels deep (at line 1)" in result.output


def test_a_huge_file_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(GOOD + "#" * (2 << 20), encoding="utf-8")
    result = validate(path)
    assert result.exit_code == 2
    assert f"{path}: refused: larger than 1 MiB" in result.output


def test_an_alias_bomb_in_set_is_refused(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(GOOD, encoding="utf-8")
    bomb = "[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], " + \
        "&c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], " + \
        "&e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]]"
    result = validate(path, "--set", f"data.features={bomb}")
    assert result.exit_code == 2
    assert "--set data.features=...: refused: its aliases (*name) expand" in result.output


def test_a_long_wrong_value_is_cut_in_the_message(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(GOOD, encoding="utf-8")
    result = validate(path, "--set", f"model.cell=[{','.join(['x'] * 5000)}]")
    assert result.exit_code == 2
    assert "… (" in result.output and len(result.output) < 1000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_read_once_and_its_relative_paths_are_from_the_current_directory(
        tmp_path, monkeypatch):
    monkeypatch.chdir(GOOG.parent)
    fifo = tmp_path / "pipeline.yaml"
    os.mkfifo(fifo)
    text = "data:\n  path: GOOG.csv\n  targets: [Close]\ntracking: {enabled: false}\n"

    def write() -> None:
        with open(fifo, "w", encoding="utf-8") as stream:  # blocks until the reader opens
            stream.write(text)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    result = validate(fifo, "--json")
    writer.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert f'"input_files": [\n    "{GOOG}"\n  ]' in result.output


def test_an_escape_sequence_in_a_key_is_printed_escaped(tmp_path):
    path = tmp_path / "escape.yaml"
    path.write_text(f'"\\e[2J\\e[31mRED": 1\n{GOOD}', encoding="utf-8")
    result = validate(path)
    assert result.exit_code == 2
    assert "\x1b" not in result.output
    assert "unknown key '\\x1b[2J\\x1b[31mRED'" in result.output
