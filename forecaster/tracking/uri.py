"""Where runs go, and how a tracking URI (or any text that may quote one) is shown without its
secrets. The one redaction used for every message, log line, parameter and tag. No mlflow here.

A URI is parsed with `urllib.parse`, never cut at the first '@': in
'http://alice@example.com:secret@host/' the user-info is everything before the *last* '@'.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, quote, unquote, urlsplit

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"  # MLflow's own embedded default: no server needed
MASK = "***"
# A query key holding one of these words (any case: 'Password', 'api_key', 'X-Amz-Signature')
# has its value masked. Masking a harmless value too is cheap; showing a secret is not.
SECRET_WORDS = ("auth", "sig", "signature", "access_token", "token", "credential", "password",
                "passwd", "pwd", "secret", "key")
# Variables MLflow reads credentials from; their values are masked wherever they appear.
SECRET_ENV = ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN",
              "MLFLOW_TRACKING_USERNAME", "DATABRICKS_TOKEN", "AWS_SECRET_ACCESS_KEY")
_MIN_SECRET = 3  # shorter known values are not replaced in free text (they would hit words)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>()\[\]{}]+")
_WORDS = "|".join(SECRET_WORDS)
_KEY_VALUE = re.compile(rf"([A-Za-z0-9_.\-]*(?:{_WORDS})[A-Za-z0-9_.\-]*=)[^&\s'\"<>()]+",
                        flags=re.IGNORECASE)


def resolve_tracking_uri(uri: str | None) -> str:
    """--tracking-uri, else MLFLOW_TRACKING_URI, else the local SQLite store."""
    return uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


def redact(uri: str) -> str:
    """`uri` with the whole user-info part and every secret query value replaced by ***.

    >>> redact("http://alice@example.com:secret@127.0.0.1:9/?auth=x&n=1")
    'http://***@127.0.0.1:9/?auth=***&n=1'
    """
    try:
        parts = urlsplit(uri)
    except ValueError:  # not a valid URI (e.g. an unbalanced '['): mask what looks secret
        return _KEY_VALUE.sub(rf"\1{MASK}", re.sub(r"//[^/?#]*@", f"//{MASK}@", uri))
    shown = uri  # edited in place: a round trip through urlunsplit rewrites 'sqlite:///x'
    if "@" in parts.netloc:
        shown = shown.replace(f"//{parts.netloc}",
                              f"//{MASK}@{parts.netloc.rpartition('@')[2]}", 1)
    if parts.query:
        query = "&".join(_masked_pair(pair) for pair in parts.query.split("&"))
        shown = shown.replace(f"?{parts.query}", f"?{query}", 1)
    if parts.fragment:
        shown = shown.replace(f"#{parts.fragment}",
                              "#" + _KEY_VALUE.sub(rf"\1{MASK}", parts.fragment), 1)
    return shown


def _masked_pair(pair: str) -> str:
    key, sep, value = pair.partition("=")
    return f"{key}={MASK}" if sep and value and is_secret_key(unquote(key)) else pair


def secrets_of(uri: str | None) -> set[str]:
    """The literal secrets a URI holds: its user-info (whole and each part, raw and decoded)
    and its secret query values."""
    if not uri:
        return set()
    try:
        parts = urlsplit(uri)
    except ValueError:
        return set()
    found: set[str] = set()
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        user, _, password = userinfo.partition(":")
        found |= {userinfo, unquote(userinfo), user, unquote(user), password, unquote(password)}
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if is_secret_key(key):
            found |= {value, quote(value, safe="")}
    return {value for value in found if len(value) >= _MIN_SECRET}


def scrub(text: str, uri: str | None = None) -> str:
    """Any text we show (an exception from MLflow or requests, a log line) with every URL in it
    redacted, `key=value` pairs of secret-looking keys masked, and the literal secrets of `uri`
    and of MLflow's credential variables replaced by ***, wherever they appear."""
    known = secrets_of(uri) | secrets_of(os.environ.get("MLFLOW_TRACKING_URI"))
    known |= {os.environ[name] for name in SECRET_ENV[1:]
              if len(os.environ.get(name, "")) >= _MIN_SECRET}
    for secret in sorted(known, key=len, reverse=True):  # the whole user-info before its parts
        text = text.replace(secret, MASK)
    text = _URL.sub(lambda match: redact(match.group(0)), text)
    return _KEY_VALUE.sub(rf"\1{MASK}", text)


def first_line(exc: BaseException, uri: str | None = None, limit: int = 300) -> str:
    """The first line of an exception's message (or its type), scrubbed: what a one-line error
    may quote of a failure inside MLflow."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return scrub(line, uri)[:limit]
