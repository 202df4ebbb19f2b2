"""Pipeline files: the shipped ones validate; every mistake is a ConfigError naming the file and
the dotted key (all of them at once); paths are resolved where they were written."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from forecaster.errors import ConfigError
from forecaster.pipeline import ClassifyPipeline, ForecastPipeline, load_pipeline

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "pipelines").glob("*.yaml"))
GOOG = ROOT / "datasets" / "GOOG.csv"


def write(folder: Path, text: str, name: str = "job.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def minimal(extra: str = "", path: Path = GOOG) -> str:
    return f"data:\n  path: {path}\n  targets: [Close]\n{extra}"


def error_of(path: Path, overrides: list[str] | tuple[str, ...] = ()) -> str:
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path, overrides)
    return str(caught.value)


def test_four_pipelines_are_shipped():
    assert [p.name for p in SHIPPED] == ["gafa_nightly.yaml", "goog_close_lstm.yaml",
                                         "rotten_tomatoes_sentiment.yaml", "vic_elec_gru.yaml"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_pipeline_validates(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a cron job starts anywhere: paths come from the file's folder
    pipeline = load_pipeline(path)
    assert pipeline.name == path.stem
    assert pipeline.source_file == path
    assert pipeline.input_files() and all(f.is_file() for f in pipeline.input_files())
    assert pipeline.output_dir == tmp_path / "runs" / "pipelines" / path.stem
    assert len(pipeline.config_hash()) == 64


def test_shipped_pipelines_say_what_they_promise():
    gafa = load_pipeline(ROOT / "pipelines" / "gafa_nightly.yaml")
    assert (gafa.data.id_column, gafa.data.targets, gafa.mode) == ("Symbol", ["Close"],
                                                                   "per-series")
    goog = load_pipeline(ROOT / "pipelines" / "goog_close_lstm.yaml")
    assert (goog.model.cell, goog.model.num_layers, goog.model.hidden_size) == ("lstm", 3, 50)
    assert (goog.preprocessing.lookback, goog.split.test_size) == (100, 0.25)
    vic = load_pipeline(ROOT / "pipelines" / "vic_elec_gru.yaml")
    assert (vic.model.cell, vic.preprocessing.lookback, vic.data.features) == ("gru", 96,
                                                                               ["Temperature"])
    text = load_pipeline(ROOT / "pipelines" / "rotten_tomatoes_sentiment.yaml")
    assert isinstance(text, ClassifyPipeline) and text.data.kind == "text"


def test_defaults_fill_every_section(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pipeline = load_pipeline(write(tmp_path, minimal("training:\n")))  # empty section: defaults
    assert isinstance(pipeline, ForecastPipeline)
    assert pipeline.name == "job" and pipeline.task == "forecast" and pipeline.mode == "per-series"
    model = pipeline.model
    assert (model.cell, model.hidden_size, model.num_layers) == ("lstm", 50, 3)
    assert pipeline.training.epochs is None and pipeline.training.learning_rate == 0.001
    assert (pipeline.split.test_size, pipeline.split.val_size) == (0.25, 0.1)
    assert pipeline.execution.workers == 1 and pipeline.tracking.enabled is True
    assert pipeline.output.dir == tmp_path / "runs" / "pipelines" / "job"


def test_classify_defaults(tmp_path):
    path = write(tmp_path, f"task: classify\ndata:\n  path: {ROOT}/datasets/rotten_tomatoes.csv\n"
                           f"  kind: text\n")
    pipeline = load_pipeline(path)
    assert isinstance(pipeline, ClassifyPipeline)
    # unset model settings mean the estimator's own defaults, which differ by kind
    assert set(pipeline.model.model_dump().values()) == {None}
    assert pipeline.data.test_size == 0.2


def test_unknown_nested_key_names_file_key_valid_keys_and_suggestion(tmp_path):
    path = write(tmp_path, minimal("model:\n  hiden: 64\n"), "x.yaml")
    message = error_of(path)
    assert message == (f"{path}: unknown key 'model.hiden'. Valid keys under 'model': "
                       f"bidirectional, cell, combine, dropout, hidden_size, num_layers, "
                       f"pooling "
                       f"(did you mean 'hidden_size'?).")


def test_unknown_top_level_key(tmp_path):
    message = error_of(write(tmp_path, minimal("trainig:\n  epochs: 3\n")))
    assert "unknown key 'trainig'. Valid keys at the top level: data, evaluation, execution" in \
        message
    assert "(did you mean 'training'?)" in message


def test_unknown_key_from_another_api_gets_our_name(tmp_path):
    message = error_of(write(tmp_path, minimal("model:\n  n_layers: 2\n")))
    assert "unknown key 'model.n_layers'" in message and "did you mean 'num_layers'?" in message


def test_key_of_the_other_task_says_so(tmp_path):
    path = write(tmp_path, f"task: classify\ndata:\n  path: {GOOG}\n  kind: text\nsplit: {{}}\n")
    assert "'split' is a setting of task: forecast pipelines" in error_of(path)


def test_wrong_type(tmp_path):
    path = write(tmp_path, minimal("training:\n  epochs: ten\n"), "x.yaml")
    assert error_of(path) == f"{path}: 'training.epochs' must be an integer, got 'ten'."


@pytest.mark.parametrize("setting, expected", [
    ("model:\n  hidden_size: true", "'model.hidden_size' must be an integer, got true"),
    ("model:\n  num_layers: 2.0", "'model.num_layers' must be an integer, got 2.0"),
    ("model:\n  bidirectional: maybe", "'model.bidirectional' must be true or false, got 'maybe'"),
    ("split:\n  test_size: 1.5", "'split.test_size' must be in (0, 1), got 1.5"),
    ("split:\n  val_size: -0.1", "'split.val_size' must be in [0, 1), got -0.1"),
    ("preprocessing:\n  lookback: 1", "'preprocessing.lookback' must be an integer >= 2, got 1"),
    ("execution:\n  workers: 0", "'execution.workers' must be an integer >= 1, got 0"),
    ("training:\n  learning_rate: fast", "'training.learning_rate' must be a number, got 'fast'"),
    ("data:\n  path: x\n  targets: [Close]\n  encoding: klingon",
     "'data.encoding' must be a text encoding such as utf-8 or latin-1, got 'klingon'"),
    ("name: my job", "'name' must be usable as a folder name"),
    ("model: 3", "'model' must be a section of keys"),
])
def test_values_out_of_range_or_of_the_wrong_type(tmp_path, setting, expected):
    text = setting + "\n" if setting.startswith("data:") else minimal(setting + "\n")
    assert expected in error_of(write(tmp_path, text))


def test_yaml_1_1_exponent_is_still_a_number(tmp_path):
    pipeline = load_pipeline(write(tmp_path, minimal("training:\n  learning_rate: 1e-3\n")))
    assert pipeline.training.learning_rate == 0.001


def test_bad_choice_lists_the_choices(tmp_path):
    message = error_of(write(tmp_path, minimal("model:\n  cell: lstn\n")))
    assert "'model.cell' must be one of rnn, lstm, gru, got 'lstn' (did you mean 'lstm'?)" in \
        message
    message = error_of(write(tmp_path, minimal("training:\n  optimizer: 3\n")))
    assert "'training.optimizer' must be one of adam, rmsprop, sgd, got 3" in message


def test_every_problem_is_reported_one_per_line(tmp_path):
    path = write(tmp_path, minimal("model:\n  hiden: 1\n  cell: x\ntraining:\n  epochs: ten\n"))
    lines = error_of(path).splitlines()
    assert len(lines) == 3 and all(line.startswith(f"{path}: ") for line in lines)
    for line, key in zip(lines, ["'model.cell'", "'model.hiden'", "'training.epochs'"],
                         strict=True):
        assert key in line


def test_missing_required_keys(tmp_path):
    assert "missing required section 'data'" in error_of(write(tmp_path, "task: forecast\n"))
    message = error_of(write(tmp_path, f"data:\n  path: {GOOG}\n"))
    assert "missing required key 'data.targets': the column(s) to forecast" in message
    message = error_of(write(tmp_path, f"task: classify\ndata:\n  path: {GOOG}\n"))
    assert "missing required key 'data.kind'" in message


def test_bad_task(tmp_path):
    assert "'task' must be one of forecast, classify, got 'regress'" in \
        error_of(write(tmp_path, minimal("task: regress\n")))


def test_cross_field_checks(tmp_path):
    message = error_of(write(tmp_path, f"data:\n  path: {GOOG}\n  targets: [Close]\n"
                                       f"  features: [Close, Open]\n"))
    assert "'data.features' must not repeat a target column (Close)" in message
    message = error_of(write(tmp_path, minimal("execution:\n  ray_address: ray://head:10001\n")))
    assert "'execution.ray_address' is only used with executor: ray" in message
    message = error_of(write(tmp_path, f"task: classify\ndata:\n  path: {GOOG}\n"
                                       f"  kind: sequence\n"))
    assert "'data.steps' is needed for a CSV of flattened sequences" in message


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = write(tmp_path, "data:\n  path: a.csv\n  targets: [Close\nmodel: {}\n")
    message = error_of(path)
    assert message.startswith(f"{path}: not valid YAML at line 4")


def test_duplicate_key_is_an_error(tmp_path):
    path = write(tmp_path, minimal("model:\n  hidden_size: 8\nmodel:\n  num_layers: 1\n"))
    assert "key 'model' appears twice in the same section (lines 4 and 6)" in error_of(path)


def test_file_that_is_not_a_mapping_empty_or_missing(tmp_path):
    assert "expected a mapping of keys at the top" in error_of(write(tmp_path, "- a\n- b\n"))
    assert "the file is empty" in error_of(write(tmp_path, ""))
    missing = tmp_path / "nope.yaml"
    assert error_of(missing).startswith(f"Pipeline file '{missing}' does not exist")


def test_missing_data_file_names_key_and_resolved_path(tmp_path):
    path = write(tmp_path, "data:\n  path: data/GOOG.csv\n  targets: [Close]\n")
    message = error_of(path)
    assert f"'data.path' does not exist: {tmp_path / 'data' / 'GOOG.csv'}" in message
    assert f"taken from the pipeline file's folder, {tmp_path}" in message


def test_glob_matching_nothing(tmp_path):
    path = write(tmp_path, "data:\n  path: data/*.csv\n  targets: [Close]\n")
    assert f"'data.path' matches no file: {tmp_path / 'data' / '*.csv'}" in error_of(path)


def test_glob_matches_one_series_per_file(tmp_path):
    (tmp_path / "data").mkdir()
    for name in ("b.csv", "a.csv", "notes.txt"):
        (tmp_path / "data" / name).write_text("Date,Close\n2020-01-01,1\n", encoding="utf-8")
    pipeline = load_pipeline(write(tmp_path, "data:\n  path: data/*.csv\n  targets: [Close]\n"))
    assert pipeline.input_files() == [tmp_path / "data" / "a.csv", tmp_path / "data" / "b.csv"]


def test_paths_in_the_file_are_relative_to_the_file(tmp_path, monkeypatch):
    folder = tmp_path / "pipelines"
    folder.mkdir()
    (tmp_path / "data.csv").write_text("Date,Close\n2020-01-01,1\n", encoding="utf-8")
    path = write(folder, "data:\n  path: ../data.csv\n  targets: [Close]\noutput:\n  dir: out\n")
    monkeypatch.chdir(tmp_path / "pipelines")
    pipeline = load_pipeline("job.yaml")
    assert pipeline.data.path == tmp_path / "data.csv"
    assert pipeline.output.dir == folder / "out"
    assert pipeline.source_file == path


def test_paths_given_with_set_are_relative_to_the_current_directory(tmp_path, monkeypatch):
    folder = tmp_path / "pipelines"
    folder.mkdir()
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    (cwd / "mine.csv").write_text("Date,Close\n2020-01-01,1\n", encoding="utf-8")
    path = write(folder, minimal())
    monkeypatch.chdir(cwd)
    pipeline = load_pipeline(path, ["data.path=mine.csv", "output.dir=out"])
    assert pipeline.data.path == cwd / "mine.csv"
    assert pipeline.output.dir == cwd / "out"
    message = error_of(path, ["data.path=gone.csv"])
    assert message.startswith(f"{path} (--set data.path=gone.csv): 'data.path' does not exist: "
                              f"{cwd / 'gone.csv'}")
    assert "taken from the current directory" in message


def test_config_hash_ignores_key_order_and_run_settings(tmp_path):
    first = write(tmp_path, minimal("model:\n  hidden_size: 8\n  cell: gru\n"), "a.yaml")
    second = write(tmp_path, "model:\n  cell: gru\n  hidden_size: 8\n" + minimal(), "b.yaml")
    base = load_pipeline(first).config_hash()
    assert load_pipeline(second).config_hash() == base  # also: another name (a.yaml / b.yaml)
    same = ["output.dir=/tmp/elsewhere", "tracking.enabled=false", "execution.workers=2",
            "tracking.experiment=other"]
    assert load_pipeline(first, same).config_hash() == base
    assert load_pipeline(first, ["model.hidden_size=9"]).config_hash() != base
    assert load_pipeline(first, ["training.seed=1"]).config_hash() != base


def test_to_dict_round_trips_and_pickles_with_its_source(tmp_path):
    pipeline = load_pipeline(write(tmp_path, minimal()), ["model.hidden_size=8"])
    again = ForecastPipeline.model_validate(pipeline.to_dict())
    assert again.to_dict() == pipeline.to_dict()
    assert again.config_hash() == pipeline.config_hash()
    copied = pickle.loads(pickle.dumps(pipeline))  # workers get it this way
    assert copied.source_file == pipeline.source_file
    assert copied.overrides == ("model.hidden_size=8",)


def test_pipeline_is_immutable(tmp_path):
    pipeline = load_pipeline(write(tmp_path, minimal()))
    with pytest.raises(ValueError):
        pipeline.model.hidden_size = 3  # type: ignore[misc]
