"""Credentials in a tracking URI never reach the screen: the user-info part and secret query
values are masked in every message, including the text of exceptions passed on from MLflow;
registry commands against a server that is not there end with exit 2 and one line."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from forecaster.tracking.uri import redact, scrub, secrets_of

pytestmark = pytest.mark.tracking

ROOT_GOOG = Path(__file__).resolve().parents[2] / "datasets" / "GOOG.csv"

# the case from the issue: the old redaction stopped at the first '@' and printed 'secret'
TRICKY = "http://alice@example.com:secret@127.0.0.1:{port}/"
SECRET_QUERY = "?auth=AUTHVAL&sig=SIGVAL&Signature=SIGNVAL&access_token=ACCESSVAL" \
               "&credential=CREDVAL&password=PASSVAL&Key=KEYVAL&token=TOKVAL&page=2"
LEAKS = ("secret", "alice", "example.com", "AUTHVAL", "SIGVAL", "SIGNVAL", "ACCESSVAL",
         "CREDVAL", "PASSVAL", "KEYVAL", "TOKVAL")


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} leaked in: {text}"


@pytest.mark.parametrize(("uri", "shown"), [
    ("http://alice@example.com:secret@127.0.0.1:9/", "http://***@127.0.0.1:9/"),
    ("http://alice:s3cret@mlflow.example.com:5000", "http://***@mlflow.example.com:5000"),
    ("https://token@mlflow.example.com/", "https://***@mlflow.example.com/"),
    ("postgresql://mlflow:pw@db:5432/mlflow", "postgresql://***@db:5432/mlflow"),
    ("https://h/api?token=abc&x=1", "https://h/api?token=***&x=1"),
    ("https://h/?Password=abc&api_key=def", "https://h/?Password=***&api_key=***"),
    ("https://h/?AUTH=a&Sig=b&signature=c&Access_Token=d&credential=e&KEY=f&page=3",
     "https://h/?AUTH=***&Sig=***&signature=***&Access_Token=***&credential=***&KEY=***&page=3"),
    ("https://h/x?X-Amz-Credential=a%2Fb&X-Amz-Signature=c",
     "https://h/x?X-Amz-Credential=***&X-Amz-Signature=***"),
    ("http://u:p@[::1/?token=t", "http://***@[::1/?token=***"),  # not a valid URI: still masked
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("sqlite:///mlflow.db", "sqlite:///mlflow.db"),
    ("file:///tmp/mlruns", "file:///tmp/mlruns"),
    ("databricks", "databricks"),
])
def test_redact(uri, shown):
    assert redact(uri) == shown


def test_scrub_masks_a_uri_that_mlflow_quotes_in_pieces():
    """MLflow and requests quote the URI whole, then again cut up ('url: /?auth=…')."""
    uri = TRICKY.format(port=9) + SECRET_QUERY
    text = (f"API request to {uri}/api/2.0/mlflow/experiments/search failed with exception "
            f"HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: "
            f"/{SECRET_QUERY}/api/2.0/mlflow/experiments/search (Caused by NewConnectionError)")
    scrubbed = scrub(text, uri)
    assert_no_leak(scrubbed)
    assert "http://***@127.0.0.1:9/?auth=***" in scrubbed
    assert "page=2" in scrubbed and "Max retries exceeded" in scrubbed


def test_scrub_masks_the_secrets_of_mlflow_credential_variables(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "hunter22")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://bob:pa55word@tracking.internal/")
    assert scrub("login bob:pa55word refused; password was hunter22") == \
        "login *** refused; password was ***"


def test_secrets_of_a_uri_include_decoded_forms():
    assert {"alice@example.com:secret", "alice@example.com", "secret", "AUTHVAL"} <= \
        secrets_of(TRICKY.format(port=9) + "?auth=AUTHVAL")
    assert "p@ss" in secrets_of("http://user:p%40ss@h/")
    assert secrets_of("sqlite:///mlflow.db") == set()


def test_mlflow_log_lines_are_scrubbed(capfd):
    from forecaster.tracking.mlflow_run import _quiet_http

    _quiet_http()
    uri = TRICKY.format(port=9) + SECRET_QUERY
    logging.getLogger("mlflow.tracking.test").warning("retrying %s", uri)
    err = capfd.readouterr().err
    assert "retrying http://***@127.0.0.1:9/?auth=***" in err
    assert_no_leak(err)


@pytest.mark.parametrize("command", [["models", "list"], ["models", "list", "--json"],
                                     ["models", "show", "goog@champion"],
                                     ["models", "promote", "goog", "1"]])
def test_registry_commands_against_an_unreachable_server(cli, command):
    uri = TRICKY.format(port=closed_port()) + SECRET_QUERY
    result = cli(*command, "--tracking-uri", uri)
    assert result.exit_code == 2, result.output
    assert_no_leak(result.output)
    assert "Traceback" not in result.output and "During handling" not in result.output
    (line,) = result.output.strip().splitlines()
    redacted = redact(uri)
    assert line == (f"Error: The MLflow tracking server at {redacted} cannot be reached "
                    f"(connection refused). Start it, or fix --tracking-uri / "
                    f"MLFLOW_TRACKING_URI.")


def test_registry_uri_from_the_environment_is_redacted_too(cli):
    uri = TRICKY.format(port=closed_port())
    result = cli("models", "list", env={"MLFLOW_TRACKING_URI": uri})
    assert result.exit_code == 2, result.output
    assert_no_leak(result.output)
    assert "http://***@127.0.0.1:" in result.output


def test_train_against_an_unreachable_server_shows_no_credentials(cli, tiny_train_args,
                                                                   tmp_path):
    uri = TRICKY.format(port=closed_port()) + SECRET_QUERY
    result = cli("train", *tiny_train_args, "--out", tmp_path / "run", "--tracking-uri", uri)
    assert result.exit_code == 2, result.output
    assert_no_leak(result.output)
    assert f"The MLflow tracking server at {redact(uri)} cannot be reached (connection " \
           f"refused)" in result.output


def test_predict_from_an_unreachable_registry_shows_no_credentials(cli, tmp_path):
    uri = TRICKY.format(port=closed_port()) + SECRET_QUERY
    result = cli("predict", "models:/goog@champion", ROOT_GOOG, "--tracking-uri", uri)
    assert result.exit_code == 2, result.output
    assert_no_leak(result.output)
