"""The one place that writes files and directories: whole or not at all, never over something
that is not ours, and every failure a user error (exit 2) that names the path.

A write goes to a hidden sibling, `.<name>.tmp-<random>`, which is renamed into place, so a
reader (or a kill) sees the old thing or the new one, never half of one. A directory being
replaced is first moved aside as `.<name>.old-<pid>-<random>`. A killed write leaves only names
of these two patterns, which `remove_leftovers` (and the pipeline runner, `.*.tmp-*` and
`.*.old-*`) clear on the next run.

Permissions come from the process umask without reading it: temporary files and folders are
created with modes 0o666 / 0o777 and the kernel applies the umask (reading it with `os.umask`
means setting it, which races with every other thread that creates files).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from forecaster.errors import OutputError
from forecaster.training.signals import signals_deferred

TMP_MARK = ".tmp-"
OLD_MARK = ".old-"
_NAME_KEEP = 80  # characters of a name kept in its temporary sibling's name (limit: 255 bytes)

# errno -> (what happened, what to do). Those in _ALWAYS are about the place, whoever asked.
_REASONS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the disk is full", "Free some space or write somewhere else."),
    errno.EDQUOT: ("the disk quota is used up", "Free some space or write somewhere else."),
    errno.EFBIG: ("the file is too large for this file system", "Write somewhere else."),
    errno.EROFS: ("the file system is read-only", "Choose a place this user can write to."),
    errno.EIO: ("the disk reported an input/output error", "Check the disk or write elsewhere."),
    errno.EACCES: ("permission denied", "Choose a place this user can write to."),
    errno.EPERM: ("the operation is not permitted there", "Choose a place this user can write to."),
    errno.ENAMETOOLONG: ("a name in the path is too long", "Choose a shorter name."),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "Choose another path."),
    errno.EEXIST: ("a part of the path is a file, not a folder", "Choose another path."),
    errno.EISDIR: ("it is a directory", "Give a file name."),
    errno.ENOENT: ("its folder cannot be created there", "Choose a place this user can write to."),
    errno.ENOTEMPTY: ("a directory appeared there while this one was written",
                      "Choose another path, or run again."),
}
_ALWAYS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}
_OS_ERROR_TEXT = re.compile(r"os error (\d+)")  # how Rust libraries (safetensors) report errno


# ------------------------------------------------------------------ errors


def write_failure(path: Path, exc: BaseException) -> OutputError:
    """An OutputError naming `path`, saying what went wrong and what to do."""
    number = _errno_of(exc)
    reason, advice = _REASONS.get(number or -1, (_strerror(exc), "Choose another place."))
    if number in (errno.ENOTDIR, errno.EEXIST):
        blocker = _file_on_the_way(Path(path))
        if blocker is not None:
            reason = f"'{blocker}' is a file, not a folder"
    return OutputError(f"Cannot write '{path}': {reason}. {advice} Nothing was written there.")


def _errno_of(exc: BaseException) -> int | None:
    """The errno of an OSError, or of one it was raised from, or quoted in a library's text."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno:
            return seen.errno
        seen = seen.__cause__ or seen.__context__
    match = _OS_ERROR_TEXT.search(str(exc))
    return int(match.group(1)) if match else None


def _strerror(exc: BaseException) -> str:
    number = _errno_of(exc)
    return os.strerror(number).lower() if number else str(exc)


def _is_write_failure(exc: BaseException, places: Iterable[Path]) -> bool:
    """Whether `exc`, raised while writing into `places`, is the place's fault (disk full,
    no permission...) rather than a bug: the disk-level errors always, the others only when
    they name a file in one of `places`."""
    number = _errno_of(exc)
    if number in _ALWAYS:
        return True
    if number not in _REASONS or not isinstance(exc, OSError):
        return False
    names = [name for name in (exc.filename, exc.filename2) if name is not None]
    if not names:
        return False
    roots = [os.path.abspath(place) for place in places]
    return any(_within(os.path.abspath(os.fsdecode(name)), root)
               for name in names for root in roots)


def _within(name: str, root: str) -> bool:
    return name == root or name.startswith(root.rstrip(os.sep) + os.sep)


def _file_on_the_way(path: Path) -> Path | None:
    """The nearest existing ancestor of `path` when it is not a folder."""
    for ancestor in _ancestors(path):
        if os.path.lexists(ancestor):
            return None if ancestor.is_dir() else ancestor
    return None


def _ancestors(path: Path) -> Iterator[Path]:
    """The folders above `path`, as the user wrote them (relative stays relative)."""
    yield from Path(path).parents


# ------------------------------------------------------------------ checks before any work


def check_writable_place(path: Path) -> None:
    """Fail now, not after an hour of training, when `path` cannot be created: a file on the
    way, a name too long, a read-only or unwritable folder. Leaves nothing behind."""
    path = Path(path)
    existing = next(a for a in _ancestors(path) if os.path.lexists(a))
    if not existing.is_dir():
        raise OutputError(f"Cannot write '{path}': '{existing}' is a file, not a folder. "
                          f"Choose another path.")
    limit = _name_max(existing)
    for part in Path(os.path.abspath(path)).parts[1:]:
        if len(os.fsencode(part)) > limit:
            raise OutputError(f"Cannot write '{path}': the name '{part[:40]}...' is "
                              f"{len(os.fsencode(part))} bytes long and this file system allows "
                              f"{limit}. Choose a shorter name.")
    probe = existing / _hidden_name(path.name or "out", TMP_MARK)
    try:
        os.mkdir(probe, 0o700)
    except OSError as exc:
        raise write_failure(path, exc) from exc
    os.rmdir(probe)


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):  # ValueError: the name is unknown on this platform
        return 255


def check_file_target(path: Path, inputs: Iterable[Path | str | None] = ()) -> None:
    """Refuse a file output that is a directory or one of the inputs (or inside one: a model
    directory), before any work."""
    path = Path(path)
    real = Path(os.path.realpath(path))
    if real.is_dir():
        raise OutputError(f"Cannot write '{path}': it is a directory. Give a file name, e.g. "
                          f"'{path / 'forecast.csv'}'.")
    for source in inputs:
        if source is None or not os.path.exists(source):
            continue
        held = Path(os.path.realpath(source))
        if real == held or held in real.parents:
            raise OutputError(f"Refusing to write '{path}': it is (or is inside) the input "
                              f"'{source}', which would be lost. Choose another output file.")
    if not os.path.lexists(real) or real.is_file():
        check_writable_place(real)


def check_out_dir(out: Path, overwrite: bool,
                  inputs: Iterable[Path | str | None] = ()) -> None:
    """Refuse, before any work, an output directory that cannot or must not be written.

    An existing empty directory is used. A non-empty one is replaced only with `overwrite`
    and only when it is a run directory this tool wrote (`is_run_directory`). Never: a
    symbolic link, a file, the root folder, the home or current folder (or one above them),
    a folder holding one of `inputs`.
    """
    out = Path(out)
    if os.path.islink(out):
        raise OutputError(f"Output directory '{out}' is a symbolic link (to "
                          f"'{os.readlink(out)}'); a link is never replaced. Give the folder "
                          f"it points to, or another --out.")
    if not os.path.lexists(out):
        check_writable_place(out)
        return
    if not out.is_dir():
        raise OutputError(f"Output directory '{out}' already exists and is a file. Choose "
                          f"another --out (--overwrite only replaces run directories).")
    _refuse_protected(out, inputs)
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise write_failure(out, exc) from exc
    if empty:
        check_writable_place(out.parent / f"{out.name}-probe")
        return
    if not overwrite:
        raise OutputError(f"Output directory '{out}' already exists and is not empty. Choose "
                          f"another --out, or pass --overwrite to replace it (only a run "
                          f"directory written by forecaster is ever replaced).")
    if not is_run_directory(out):
        raise OutputError(f"Refusing to replace '{out}': --overwrite only replaces a run "
                          f"directory written by forecaster (metrics.json with model/config.json, "
                          f"or with predictions.csv from `evaluate --out`), and this is not one. "
                          f"Nothing was changed. Choose another --out, or move its files away.")


def is_run_directory(path: Path) -> bool:
    """Whether `path` looks like a directory this tool wrote: metrics.json holding our
    "metrics", beside model/config.json (a run) or predictions.csv (an evaluation)."""
    path = Path(path)
    try:
        payload = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    if not isinstance(payload, dict) or "metrics" not in payload:
        return False
    return (path / "model" / "config.json").is_file() or (path / "predictions.csv").is_file()


def _refuse_protected(out: Path, inputs: Iterable[Path | str | None]) -> None:
    """The places that --out must never name, whatever they hold."""
    real = Path(os.path.realpath(out))
    what = None
    if real == Path(real.anchor):
        what = "the root of the file system"
    elif real == _home() or real in _home().parents:
        what = "your home folder (or a folder above it)"
    elif real == Path.cwd().resolve() or real in Path.cwd().resolve().parents:
        what = "the current folder (or a folder above it)"
    else:
        for source in inputs:
            if source is not None and os.path.exists(source):
                held = Path(os.path.realpath(source))
                if held == real or real in held.parents:
                    what = f"the folder holding the input '{source}'"
                    break
    if what is not None:
        raise OutputError(f"Refusing to write a run into '{out}': it is {what}. Nothing was "
                          f"changed. Give a new folder as --out, e.g. runs/<name>.")


def _home() -> Path:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError):  # no $HOME and no password entry
        return Path("/nonexistent-home")


# ------------------------------------------------------------------ writing


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends it replaces `path` (flushed
    to disk). On failure the temporary file is removed and `path` is untouched.

    A symbolic link is followed (the file it names is replaced, not the link); a device or
    pipe such as /dev/stdout cannot be replaced and is written in place.
    """
    path = Path(path)
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    if target.is_dir():
        raise OutputError(f"Cannot write '{path}': it is a directory. Give a file name.")
    if os.path.exists(target) and not target.is_file():
        with _mapped(path, [target]):
            yield target
        return
    _make_parents(target.parent, path)
    tmp = _new_temporary_file(target, path)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if _is_write_failure(exc, [tmp, target]):
            raise write_failure(path, exc) from exc
        raise
    _fsync_directory(target.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data`, whole or not at all."""
    with atomic_file(path) as tmp, open(tmp, "wb") as stream:
        stream.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8), whole or not at all."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_temporary(directory: Path, prefix: str, text: str) -> Path:
    """A new file `<prefix><random>.tmp` in `directory` holding `text`, flushed to disk; the
    caller renames or links it into place (same folder, so that is atomic)."""
    directory = Path(directory)
    for _ in range(100):
        name = directory / f"{prefix}{secrets.token_hex(4)}.tmp"
        try:
            handle = os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise write_failure(name, exc) from exc
    else:
        raise FileExistsError(f"no free temporary name in {directory}")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(name)
        if _is_write_failure(exc, [name]):
            raise write_failure(name, exc) from exc
        raise
    return name


@contextmanager
def atomic_directory(out: Path, overwrite: bool = False,
                     inputs: Iterable[Path | str | None] = ()) -> Iterator[Path]:
    """Yield a temporary directory that becomes `out` only if the block finishes.

    `out` is checked first (`check_out_dir`) and again just before it is replaced, since the
    block may run for hours. On failure the temporary directory is removed; a failure of the
    disk or the place (full, read-only, no permission) becomes an OutputError naming `out`.
    """
    out = Path(out)
    inputs = list(inputs)
    check_out_dir(out, overwrite, inputs)
    _make_parents(out.parent, out)
    tmp = _new_temporary_dir(out)
    try:
        with signals_deferred():
            yield tmp
            _swap_in(tmp, out, overwrite, inputs)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if _is_write_failure(exc, [tmp, out]):
            raise write_failure(out, exc) from exc
        raise
    _fsync_directory(out.parent)


def _swap_in(tmp: Path, out: Path, overwrite: bool, inputs: list) -> None:
    """Rename `tmp` to `out`; an existing run directory is moved aside first, then deleted."""
    if not os.path.lexists(out):
        os.replace(tmp, out)
        return
    check_out_dir(out, overwrite, inputs)  # it may have changed while the block ran
    if not any(out.iterdir()):
        os.replace(tmp, out)  # a rename over an empty directory is allowed
        return
    old = out.with_name(_hidden_name(out.name, OLD_MARK, f"{os.getpid()}-"))
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(directory: Path) -> list[Path]:
    """Remove what killed writes left directly in `directory` (`.*.tmp-*`, `.*.old-*`).
    Call it only while no other process writes there (under the job's lock)."""
    removed = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in Path(directory).iterdir():
            if entry.name.startswith(".") and (TMP_MARK in entry.name or OLD_MARK in entry.name):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        entry.unlink()
                removed.append(entry)
    return removed


# ------------------------------------------------------------------ helpers


def _hidden_name(name: str, mark: str, extra: str = "") -> str:
    return f".{name[:_NAME_KEEP]}{mark}{extra}{secrets.token_hex(4)}"


def _make_parents(directory: Path, shown: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failure(shown, exc) from exc


def _new_temporary_file(target: Path, shown: Path) -> Path:
    """An empty new file beside `target`; it keeps the mode of the file it will replace."""
    for _ in range(100):
        tmp = target.with_name(_hidden_name(target.name, TMP_MARK))
        try:
            handle = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise write_failure(shown, exc) from exc
        os.close(handle)
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        return tmp
    raise FileExistsError(f"no free temporary name beside {target}")


def _new_temporary_dir(out: Path) -> Path:
    for _ in range(100):
        tmp = out.with_name(_hidden_name(out.name, TMP_MARK))
        try:
            os.mkdir(tmp, 0o777)
        except FileExistsError:
            continue
        except OSError as exc:
            raise write_failure(out, exc) from exc
        return tmp
    raise FileExistsError(f"no free temporary name beside {out}")


@contextmanager
def _mapped(shown: Path, places: list[Path]) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if _is_write_failure(exc, places):
            raise write_failure(shown, exc) from exc
        raise


def _fsync_file(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable (best effort: not every OS opens directories)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
