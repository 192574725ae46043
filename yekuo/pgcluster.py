"""Throwaway PostgreSQL clusters for tests and benchmarks (standard library only).

Usage from Python::

    from yekuo.pgcluster import throwaway_postgres

    with throwaway_postgres(settings={"shared_buffers": "256MB"}) as database_url:
        ...  # e.g. os.environ["DATABASE_URL"] = database_url

Usage from the shell (this is what ``scripts/test`` and the benchmarks do)::

    python -m yekuo.pgcluster -- python -m pytest
    python -m yekuo.pgcluster --set shared_buffers=256MB -- python benchmarks/run.py
    python -m yekuo.pgcluster --check    # only report which PostgreSQL would be used

Each cluster lives in a fresh ``yekuo-pg-*`` temporary directory, listens only on a
Unix socket inside that directory (no TCP port, so parallel runs never collide) and
trusts every local connection. Durability is switched off (``fsync``,
``synchronous_commit``, ``full_page_writes``) because the data is thrown away anyway.

The server is always stopped (``pg_ctl stop -m immediate``) and the directory removed
when the ``with`` block ends: normally, on an exception, on Ctrl-C, and on
SIGTERM/SIGHUP (turned into ``SystemExit`` while the cluster is up). SIGKILL of the
Python process cannot be caught; only then can a server and a ``yekuo-pg-*`` directory
be left behind.

PostgreSQL refuses to run as root. When this runs as root (as on the CI and dev
machines) ``initdb`` and ``pg_ctl`` run as the ``postgres`` system user via ``runuser``
(or ``su``) and the temporary directory is handed to that user first.

Binaries are looked up in this order: ``$YEKUO_PG_BIN``; ``pg_config --bindir``;
the newest ``/usr/lib/postgresql/<version>/bin`` (Debian layout); ``initdb`` on PATH.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = [
    "PgClusterError",
    "PostgresNotFound",
    "find_pg_bindir",
    "throwaway_postgres",
]

#: Superuser created by initdb and user name in the yielded URL.
DB_USER = "yekuo"
#: Database created in the cluster and named in the yielded URL.
DB_NAME = "yekuo"
#: System user the server runs as when we are root.
RUN_AS_WHEN_ROOT = "postgres"
#: Port used when none is given. It only names the socket file inside our private
#: directory, so it can never clash with another server.
DEFAULT_PORT = 5432

#: Settings that make a disposable cluster fast. ``settings`` passed by the caller win.
FAST_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}

# Exit codes of the CLI for its own failures, distinct from pytest's 0-5.
EXIT_NOT_FOUND = 69  # EX_UNAVAILABLE: no PostgreSQL binaries
EXIT_CLUSTER_FAILED = 70  # EX_SOFTWARE: the cluster could not be created or started

# Signals that must not kill us without cleaning up (SIGINT already raises
# KeyboardInterrupt, which unwinds the ``with`` block by itself).
_CLEANUP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

_REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")


class PgClusterError(RuntimeError):
    """The throwaway cluster could not be created, started or used."""


class PostgresNotFound(PgClusterError):
    """No usable PostgreSQL server binaries (initdb, pg_ctl, postgres) were found."""


# --------------------------------------------------------------------------- discovery


def _has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in _REQUIRED_BINARIES)


def _version_key(path: Path) -> tuple[int, ...]:
    """Sort key for ``/usr/lib/postgresql/<version>`` so that 16 > 9.6."""
    return tuple(int(part) for part in re.findall(r"\d+", path.name)) or (-1,)


def find_pg_bindir() -> Path:
    """Return the directory holding initdb, pg_ctl and postgres, or raise PostgresNotFound."""
    tried: list[str] = []

    # 1. Explicit override: trust it or fail loudly, never silently fall back.
    override = os.environ.get("YEKUO_PG_BIN")
    if override:
        bindir = Path(override).expanduser()
        if _has_server_binaries(bindir):
            return bindir
        raise PostgresNotFound(
            f"YEKUO_PG_BIN={override!r} does not contain executable {', '.join(_REQUIRED_BINARIES)}"
        )

    # 2. pg_config knows where its installation keeps the binaries. On Debian the
    #    client-only package may report a bindir without the server, hence the check.
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and _has_server_binaries(Path(out)):
            return Path(out)
        tried.append(f"pg_config --bindir ({out or 'failed'})")
    else:
        tried.append("pg_config (not on PATH)")

    # 3. Debian/Ubuntu layout: server binaries are not on PATH.
    candidates = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*") if p.is_dir()),
        key=_version_key,
        reverse=True,
    )
    for version_dir in candidates:
        if _has_server_binaries(version_dir / "bin"):
            return version_dir / "bin"
    tried.append("/usr/lib/postgresql/*/bin")

    # 4. initdb on PATH; follow symlinks (e.g. /usr/local/bin/initdb) to the real bindir.
    initdb = shutil.which("initdb")
    if initdb:
        for bindir in (Path(initdb).resolve().parent, Path(initdb).parent):
            if _has_server_binaries(bindir):
                return bindir
        tried.append(f"initdb on PATH ({initdb}, but no pg_ctl/postgres next to it)")
    else:
        tried.append("initdb on PATH")

    raise PostgresNotFound(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found. Tried: "
        + "; ".join(tried)
        + ". Install the PostgreSQL server (e.g. apt-get install postgresql) "
        "or set YEKUO_PG_BIN to its bin directory."
    )


def _server_version(bindir: Path) -> str:
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "PostgreSQL (unknown version)"
    # "postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)" -> "PostgreSQL 15.8 (...)"
    return out.replace("postgres (PostgreSQL)", "PostgreSQL", 1)


# ---------------------------------------------------------------- running as a user


def _as_server_user(cmd: list[str], user: str | None) -> list[str]:
    """Wrap ``cmd`` so that it runs as ``user`` (None: as ourselves)."""
    if user is None:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", user, "--", *cmd]
    su = shutil.which("su")
    if su:
        return [su, user, "-s", "/bin/sh", "-c", shlex.join(cmd)]
    raise PgClusterError(
        f"running as root, but neither runuser nor su is available to switch to {user!r}"
    )


def _clean_env() -> dict[str, str]:
    """Our environment minus PG* variables (PGPORT, PGOPTIONS, ...) that could leak in."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _run(cmd: list[str], *, what: str, cwd: Path, log: Path | None = None) -> None:
    """Run a setup command; on failure raise PgClusterError with its output (and log)."""
    result = subprocess.run(
        cmd,
        cwd=cwd,
        env=_clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        details = (result.stdout + result.stderr).strip()
        if log is not None and log.exists():
            with contextlib.suppress(OSError):
                details += f"\n--- {log} ---\n" + log.read_text(errors="replace")[-4000:]
        raise PgClusterError(
            f"{what} failed (exit {result.returncode}): {shlex.join(cmd)}\n{details}"
        )


def _setting_value(value: object) -> str:
    """Render a setting value for ``-c key=value``; booleans become on/off."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


# ------------------------------------------------------------------- signal handling


def _raise_system_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_raise_system_exit() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into SystemExit so that ``finally`` blocks run.

    Only possible in the main thread; elsewhere the caller's handlers stay as they are.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_system_exit) for sig in _CLEANUP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold back SIGINT/SIGTERM/SIGHUP while cleaning up, so a second Ctrl-C or kill
    cannot abort the cleanup half-way. Pending signals are delivered afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = {signal.SIGINT, *_CLEANUP_SIGNALS}
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


# -------------------------------------------------------------------------- cluster


def _stop_and_remove(
    bindir: Path, datadir: Path, tmpdir: Path, run_as: str | None, *, started: bool
) -> None:
    """Stop the server if it may be running, then delete the temporary directory."""
    if started or (datadir / "postmaster.pid").exists():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                _as_server_user(
                    [str(bindir / "pg_ctl"), "stop", "-D", str(datadir), "-m", "immediate", "-w"],
                    run_as,
                ),
                cwd=tmpdir,
                env=_clean_env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=60,
                check=False,
            )
        # Belt and braces: if pg_ctl could not stop it (or raced with a start that was
        # interrupted), kill the postmaster's whole process group. pg_ctl starts the
        # postmaster with setsid(), so its PID is also its process group ID.
        _kill_leftover_postmaster(datadir)
    shutil.rmtree(tmpdir, ignore_errors=True)
    if tmpdir.exists():
        print(f"pgcluster: warning: could not remove {tmpdir}", file=sys.stderr)


def _kill_leftover_postmaster(datadir: Path) -> None:
    pidfile = datadir / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return
    # The PID file can outlive the server, and a stale PID may now belong to anyone
    # else: only kill it if it is still a postgres process using our data directory.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return
    if not any(str(datadir).encode() == arg for arg in cmdline):
        return
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(OSError):
            target()
    for _ in range(100):  # wait up to 10 s for it to disappear
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)


@contextlib.contextmanager
def throwaway_postgres(
    *, port: int | None = None, settings: Mapping[str, object] | None = None
) -> Iterator[str]:
    """Start a disposable PostgreSQL cluster and yield its DATABASE_URL.

    The URL looks like ``postgres://yekuo@:5432/yekuo?host=/tmp/yekuo-pg-abc123``: user
    ``yekuo`` (superuser, no password), database ``yekuo``, Unix socket directory in the
    ``host`` query parameter. Both dj-database-url and psycopg 3 / libpq accept it.

    :param port: port number; it only names the socket file (``.s.PGSQL.<port>``),
        as the server does not listen on TCP. Defaults to 5432.
    :param settings: extra server settings passed as ``-c key=value`` (e.g.
        ``{"shared_buffers": "256MB", "max_connections": 200}``); booleans become
        on/off. They override the built-in speed settings.
    :raises PostgresNotFound: no server binaries found (see module docstring).
    :raises PgClusterError: initdb, start-up or database creation failed.
    """
    bindir = find_pg_bindir()
    port = DEFAULT_PORT if port is None else int(port)
    run_as = RUN_AS_WHEN_ROOT if os.geteuid() == 0 else None

    server_settings: dict[str, str] = dict(FAST_SETTINGS)
    for key, value in (settings or {}).items():
        server_settings[key] = _setting_value(value)

    with _signals_raise_system_exit():
        tmpdir = Path(tempfile.mkdtemp(prefix="yekuo-pg-"))
        datadir = tmpdir / "data"
        logfile = tmpdir / "postgres.log"
        started = False
        try:
            if run_as is not None:
                try:
                    pw = pwd.getpwnam(run_as)
                except KeyError:
                    raise PgClusterError(
                        f"running as root, but there is no {run_as!r} system user to run "
                        "PostgreSQL as (PostgreSQL refuses to run as root)"
                    ) from None
                os.chown(tmpdir, pw.pw_uid, pw.pw_gid)
                # Fail clearly if the user cannot even reach the directory (e.g. TMPDIR
                # under /root): otherwise initdb reports something far less obvious.
                _run(
                    _as_server_user(["test", "-w", str(tmpdir), "-a", "-x", str(tmpdir)], run_as),
                    what=f"checking that user {run_as!r} can use {tmpdir} (set TMPDIR?)",
                    cwd=Path("/"),
                )

            print(
                f"pgcluster: {_server_version(bindir)} from {bindir}"
                + (f" as user {run_as!r}" if run_as else "")
                + f"; socket {tmpdir}/.s.PGSQL.{port}; settings: "
                + " ".join(f"{k}={v}" for k, v in server_settings.items()),
                file=sys.stderr,
                flush=True,
            )

            initdb = [
                str(bindir / "initdb"),
                "-D",
                str(datadir),
                "--auth=trust",
                "-U",
                DB_USER,
                "--encoding=UTF8",
                "--locale=C",
                "-N",  # no fsync of the new cluster: it is thrown away anyway
            ]
            _run(_as_server_user(initdb, run_as), what="initdb", cwd=tmpdir)

            server_options = [
                "listen_addresses=",  # Unix socket only: no TCP port to collide on
                f"unix_socket_directories={tmpdir}",
                f"port={port}",
                *(f"{k}={v}" for k, v in server_settings.items()),
            ]
            # pg_ctl hands -o to /bin/sh, hence shell quoting.
            options = " ".join(f"-c {shlex.quote(opt)}" for opt in server_options)
            pg_ctl_start = [
                str(bindir / "pg_ctl"),
                "start",
                "-D",
                str(datadir),
                "-l",
                str(logfile),
                "-w",
                "-t",
                "120",
                "-o",
                options,
            ]
            started = True  # from here on a postmaster may exist, even if start fails
            _run(
                _as_server_user(pg_ctl_start, run_as), what="pg_ctl start", cwd=tmpdir, log=logfile
            )

            _create_database(bindir, tmpdir, port)
            yield f"postgres://{DB_USER}@:{port}/{DB_NAME}?host={tmpdir}"
        finally:
            with _signals_deferred():
                _stop_and_remove(bindir, datadir, tmpdir, run_as, started=started)


def _create_database(bindir: Path, socket_dir: Path, port: int) -> None:
    """Create the ``yekuo`` database (clients may run as any OS user: auth is trust)."""
    conn = ["-h", str(socket_dir), "-p", str(port), "-U", DB_USER]
    createdb = bindir / "createdb"
    if os.access(createdb, os.X_OK):
        cmd = [str(createdb), *conn, DB_NAME]
    else:
        psql = bindir / "psql" if os.access(bindir / "psql", os.X_OK) else shutil.which("psql")
        if not psql:
            raise PgClusterError(f"neither createdb nor psql found to create database {DB_NAME}")
        cmd = [str(psql), *conn, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c"]
        cmd.append(f'CREATE DATABASE "{DB_NAME}"')
    _run(cmd, what=f"creating database {DB_NAME}", cwd=socket_dir)


# ------------------------------------------------------------------------------ CLI


def _run_child(cmd: list[str], env: dict[str, str]) -> int:
    """Run ``cmd`` and return its exit status (128+N when killed by signal N).

    If we are interrupted (Ctrl-C, SIGTERM, SIGHUP) the child is stopped before the
    exception propagates, so the cluster is never stopped under a running child.
    """
    try:
        child = subprocess.Popen(cmd, env=env)
    except OSError as exc:
        print(f"pgcluster: cannot run {shlex.join(cmd)}: {exc}", file=sys.stderr)
        return 127
    try:
        returncode = child.wait()
    except BaseException as exc:
        # Ctrl-C in a terminal reaches the child too (same process group), so give it
        # time to finish on its own; for kill/SIGHUP pass a SIGTERM on.
        if not isinstance(exc, KeyboardInterrupt):
            with contextlib.suppress(OSError):
                child.terminate()
        with _signals_deferred():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        raise
    return 128 - returncode if returncode < 0 else returncode


def _parse_setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" in argv:
        split = argv.index("--")
        options, command = argv[:split], argv[split + 1 :]
    else:
        options, command = argv, []

    parser = argparse.ArgumentParser(
        prog="python -m yekuo.pgcluster",
        usage="%(prog)s [--port N] [--set KEY=VALUE]... -- COMMAND [ARGS...]\n"
        "       %(prog)s --check",
        description="Start a throwaway PostgreSQL cluster, run COMMAND with DATABASE_URL "
        "pointing at it, then stop and delete the cluster. Exits with COMMAND's status "
        f"({EXIT_NOT_FOUND}: PostgreSQL not found, {EXIT_CLUSTER_FAILED}: cluster failed).",
    )
    parser.add_argument("--port", type=int, default=None, help="socket port (default 5432)")
    parser.add_argument(
        "--set",
        dest="settings",
        metavar="KEY=VALUE",
        type=_parse_setting,
        action="append",
        default=[],
        help="extra server setting, e.g. --set shared_buffers=256MB (repeatable)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"only print which PostgreSQL would be used; exit {EXIT_NOT_FOUND} if none",
    )
    args = parser.parse_args(options)

    if args.check:
        try:
            bindir = find_pg_bindir()
        except PostgresNotFound as exc:
            print(f"pgcluster: {exc}", file=sys.stderr)
            return EXIT_NOT_FOUND
        print(f"{_server_version(bindir)} in {bindir}")
        return 0
    if not command:
        parser.error("missing COMMAND after --")

    try:
        with throwaway_postgres(port=args.port, settings=dict(args.settings)) as url:
            env = dict(os.environ, DATABASE_URL=url)
            return _run_child(command, env)
    except PostgresNotFound as exc:
        print(f"pgcluster: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except PgClusterError as exc:
        print(f"pgcluster: {exc}", file=sys.stderr)
        return EXIT_CLUSTER_FAILED
    except KeyboardInterrupt:
        return 128 + signal.SIGINT


if __name__ == "__main__":
    sys.exit(main())
