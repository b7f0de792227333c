#!/usr/bin/env python3
"""The production stack of deploy/ on this machine's loopback: `make stack-up`, `make stack-down`.

    scripts/stack.py up      nginx (HTTPS, self-signed) -> gunicorn (unix socket) -> the portal on PostgreSQL,
                             RQ workers on Redis, the housekeeping loop and moto's server as S3 for media
    scripts/stack.py down    stops everything `up` started and drops its database (nothing to stop: fine)
    scripts/stack.py status  what runs
    scripts/stack.py render-nginx --env FILE --out DIR [--behind-proxy]
                             writes nginx's site and its vksnd/ snippets from an environment file (production)

Everything lives under var/stack/ (logs in var/stack/logs/); var/stack/stack.json says what runs where, for the
smoke tests (tests/stack/) and the benchmark. Only the virtual environment and Debian packages are used.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
STACK = ROOT / "var" / "stack"
LOGS = STACK / "logs"
STATE = STACK / "stack.json"
PYTHON = ROOT / ".venv" / "bin" / "python"
BIN = PYTHON.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Another stack beside this one (another clone) needs its own: STACK_DATABASE, STACK_REDIS_DB, STACK_PORT.
DATABASE = os.environ.get("STACK_DATABASE", "vksnd_stack")
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_DB = int(os.environ.get("STACK_REDIS_DB", "3"))
if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", DATABASE):
    raise SystemExit(f"STACK_DATABASE must be a plain PostgreSQL name (a-z, 0-9, _), not {DATABASE!r}")
BUCKET = "vksnd-media"
DEMO_PASSWORD = "demo12345"  # noqa: S105 - portal.home.demo's published demo password
DEMO_USERS = ["admin", "editor", "reviewer", "submitter", "viewer"]
NGINX_USER = "www-data"
# The placeholders of deploy/nginx/*.conf (replaced by name only: nginx's own $variables are left alone).
PLACEHOLDER = re.compile(r"\$\{(VKSND_[A-Z0-9_]+)\}")


class StepFailed(Exception):
    def __init__(self, step: str, detail: str, log: Path | None = None) -> None:
        super().__init__(step)
        self.step, self.detail, self.log = step, detail, log


def say(message: str) -> None:
    print(message, flush=True)


# --- environment files ------------------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


def write_env_file(template: Path, target: Path, overrides: dict[str, str]) -> None:
    """The template with each KEY=value line of `overrides` replaced (or added at the end), comments kept."""
    pending = dict(overrides)
    lines = []
    for line in template.read_text(encoding="utf-8").splitlines():
        key = line.partition("=")[0].strip()
        if "=" in line and not line.lstrip().startswith("#") and key in pending:
            line = f"{key}={pending.pop(key)}"
        lines.append(line)
    if pending:
        lines += ["", "# --- Only on the loopback stack (scripts/stack.py) ---"]
        lines += [f"{key}={value}" for key, value in pending.items()]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target.chmod(0o600)


def stack_environ(env_file: Path) -> dict[str, str]:
    """os.environ with the stack's environment file on top: what its processes and manage.py run with."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    environ.update(read_env_file(env_file))
    environ["PYTHONUNBUFFERED"] = "1"
    return environ


# --- nginx's files ----------------------------------------------------------------------------------------------


def nginx_values(config: dict[str, str], *, conf_dir: Path | None = None) -> dict[str, str]:
    """The ${VKSND_...} placeholders of deploy/nginx/ from an environment file's values."""
    base_url = config.get("BASE_URL", "").rstrip("/")
    chunk_mb = int(config.get("MEDIA_UPLOAD_CHUNK_MB") or 8)
    endpoint = (config.get("S3_ENDPOINT_URL") or "").rstrip("/")
    hosts = [h.strip() for h in config.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    https_port = config.get("NGINX_LISTEN_HTTPS", "443")
    return {
        "VKSND_SERVER_NAME": " ".join(hosts) or "_",
        "VKSND_LISTEN_HTTP": config.get("NGINX_LISTEN_HTTP", "80"),
        "VKSND_LISTEN_HTTPS": https_port,
        "VKSND_PUBLIC_ORIGIN": base_url,
        "VKSND_TLS_CERTIFICATE": config.get("NGINX_TLS_CERTIFICATE", ""),
        "VKSND_TLS_CERTIFICATE_KEY": config.get("NGINX_TLS_CERTIFICATE_KEY", ""),
        "VKSND_TLS_PROXY_ADDRESS": config.get("NGINX_TLS_PROXY_ADDRESS", "127.0.0.1"),
        "VKSND_SOCKET": config.get("GUNICORN_SOCKET", "/run/vksnd/gunicorn.sock"),
        "VKSND_STATIC_ROOT": config.get("STATIC_ROOT", "").rstrip("/"),
        "VKSND_MEDIA_ROOT": config.get("MEDIA_ROOT", "").rstrip("/"),
        # A piece of an upload plus the form around it.
        "VKSND_CLIENT_MAX_BODY": f"{chunk_mb + 8}m",
        "VKSND_S3_ENDPOINT": endpoint,
        "VKSND_S3_BUCKET": config.get("S3_BUCKET", ""),
        "VKSND_S3_HOST": endpoint.split("://", 1)[-1].split("/", 1)[0],
        # The HLS segments nginx keeps when they come from the bucket (hls-cache-zone-s3.conf).
        "VKSND_HLS_CACHE_DIR": (config.get("NGINX_HLS_CACHE_DIR") or "/var/cache/nginx/vksnd").rstrip("/"),
        "VKSND_HLS_CACHE_MAX_SIZE": config.get("NGINX_HLS_CACHE_MAX_SIZE") or "2g",
    }


def render(template: Path, values: dict[str, str]) -> str:
    text = template.read_text(encoding="utf-8")
    missing = sorted({name for name in PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise SystemExit(f"{template}: no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def read_secret(config: dict[str, str], name: str) -> str:
    path = config.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return config.get(name, "")


def write_nginx_files(config: dict[str, str], out: Path, *, behind_proxy: bool = False) -> Path:
    """The site file (out/vksnd.conf) and its snippets (out/vksnd/*.conf), as nginx reads them from /etc/nginx."""
    values = nginx_values(config)
    snippets = out / "vksnd"
    snippets.mkdir(parents=True, exist_ok=True)
    site = DEPLOY / "nginx" / ("vksnd-behind-proxy.conf" if behind_proxy else "vksnd.conf")
    (out / "vksnd.conf").write_text(render(site, values), encoding="utf-8")
    for name in ("portal.conf", "proxy-headers.conf"):
        (snippets / name).write_text(render(DEPLOY / "nginx" / name, values), encoding="utf-8")
    source = "media-source-s3.conf" if config.get("S3_BUCKET") else "media-source-local.conf"
    (snippets / "media-source.conf").write_text(render(DEPLOY / "nginx" / source, values), encoding="utf-8")
    # HLS segments fetched from the bucket are kept by nginx; from the local disk they need no cache.
    for name in ("hls-cache-zone.conf", "hls-cache.conf"):
        template = DEPLOY / "nginx" / name.replace(".conf", "-s3.conf")
        text = render(template, values) if config.get("S3_BUCKET") else "# Media on the local disk: no cache.\n"
        (snippets / name).write_text(text, encoding="utf-8")
    (snippets / "hls.conf").write_text(render(DEPLOY / "nginx" / "hls.conf", values), encoding="utf-8")
    key = read_secret(config, "HLS_SIGNING_KEY")
    if '"' in key or "\\" in key or "$" in key:
        raise SystemExit("HLS_SIGNING_KEY must not contain quotes, backslashes or dollar signs (nginx reads it).")
    secret = snippets / "hls-secret.conf"
    secret.write_text(
        f'# The HLS signing secret (HLS_SIGNING_KEY): root-only.\nset $hls_secret "{key}";\n', encoding="utf-8"
    )
    secret.chmod(0o600)
    return out / "vksnd.conf"


# --- processes ---------------------------------------------------------------------------------------------------


def load_state() -> dict[str, Any]:
    try:
        return json.loads(STATE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_state(state: dict[str, Any]) -> None:
    STATE.write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (ours, not yet reaped) is not running.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
            return False
    return True


def ours(pid: int, marker: str) -> bool:
    """The process `pid` is still the one we started (not a later process given the same number)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return marker in cmdline


def start(state: dict[str, Any], name: str, argv: list[str], environ: dict[str, str]) -> subprocess.Popen:
    log = LOGS / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own programs
            argv,
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a process group of its own: `down` stops it with its children
        )
    state["pids"][name] = process.pid
    state.setdefault("markers", {})[name] = argv[-1] if name != "nginx" else str(STACK / "nginx")
    save_state(state)
    return process


def stop_group(pid: int, deadline: float) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    while time.monotonic() < deadline and group_alive(pid):
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    if group_alive(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        end = time.monotonic() + 5
        while time.monotonic() < end and group_alive(pid):
            time.sleep(0.1)


def group_alive(pgid: int) -> bool:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def wait_for(what: str, check, *, seconds: float, process: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StepFailed(what, f"the process ended with status {process.returncode}", log)
        try:
            result = check()
        except Exception as exc:  # whatever the probe met: wait, and say it at the end
            last = f"{type(exc).__name__}: {exc}"
        else:
            if result:
                return result
        time.sleep(0.25)
    raise StepFailed(what, f"not ready after {seconds:.0f} s {('(' + last + ')') if last else ''}", log)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_step(step: str, argv: list[str], environ: dict[str, str], *, log_name: str, timeout: float = 900) -> None:
    log = LOGS / f"{log_name}.log"
    with log.open("ab") as out:
        out.write(f"$ {' '.join(argv)}\n".encode())
        out.flush()
        try:
            result = subprocess.run(  # noqa: S603 - our own programs
                argv,
                cwd=ROOT,
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise StepFailed(step, f"still running after {timeout:.0f} s", log) from exc
    if result.returncode != 0:
        raise StepFailed(step, f"exited with status {result.returncode}", log)


# --- services ----------------------------------------------------------------------------------------------------


def postgres_up(state: dict[str, Any]) -> str:
    import psycopg
    from psycopg import sql

    if os.environ.get("STACK_POSTGRES") == "private":  # to try the fallback where a service answers
        return private_cluster(state)
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True) as conn:
            owner = database_owner(conn)
            if owner and owner != str(STACK) and stack_running(Path(owner)):
                raise StepFailed(
                    "PostgreSQL",
                    f"the database {DATABASE} belongs to the stack running in {owner}: stop it, or give this one "
                    "its own with STACK_DATABASE (and STACK_REDIS_DB, STACK_PORT)",
                )
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DATABASE}")
            # Whose it is: `down` drops only its own, never another clone's stack's.
            conn.execute(f"COMMENT ON DATABASE {DATABASE} IS {sql.quote(str(STACK))}")
        state["postgres"] = {"service": "127.0.0.1:5432"}
        return f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    except psycopg.OperationalError as exc:
        say(f"  PostgreSQL does not answer on 127.0.0.1:5432 ({str(exc).strip()[:120]}): a private cluster.")
    return private_cluster(state)


def database_owner(conn: Any) -> str:
    """The var/stack folder of the stack that made the database (its comment), or ""."""
    row = conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (DATABASE,)
    ).fetchone()
    return (row[0] or "") if row else ""


def stack_running(folder: Path) -> bool:
    try:
        pids = json.loads((folder / "stack.json").read_text(encoding="utf-8")).get("pids") or {}
    except (OSError, ValueError):
        return False
    return any(alive(pid) for pid in pids.values())


def pg_bindir() -> Path:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)  # noqa: S607
        if (Path(out.stdout.strip()) / "pg_ctl").exists():
            return Path(out.stdout.strip())
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not candidates:
        raise StepFailed("PostgreSQL", "no server on 127.0.0.1:5432 and no pg_ctl (apt-get install postgresql)")
    return candidates[-1].parent


def private_cluster(state: dict[str, Any]) -> str:
    bindir = pg_bindir()
    data = STACK / "pgdata"
    port = free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
    log = LOGS / "postgres.log"
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if as_user:
            shutil.chown(data, "postgres", "postgres")
        run_step(
            "PostgreSQL initdb",
            [
                *as_user,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            dict(os.environ),
            log_name="postgres",
        )
    sockets = STACK / "pgrun"
    sockets.mkdir(exist_ok=True)
    if as_user:
        shutil.chown(sockets, "postgres", "postgres")
        shutil.chown(log, "postgres", "postgres")
    run_step(
        "PostgreSQL start",
        [
            *as_user,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-o",
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1",
            "start",
        ],
        dict(os.environ),
        log_name="postgres",
    )
    state["postgres"] = {"private": str(data), "port": port, "bindir": str(bindir), "as_user": as_user}
    save_state(state)
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"


def postgres_down(state: dict[str, Any]) -> None:
    pg = state.get("postgres") or {}
    if pg.get("private"):
        subprocess.run(  # noqa: S603
            [
                *pg.get("as_user", []),
                str(Path(pg["bindir"]) / "pg_ctl"),
                "-D",
                pg["private"],
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        return
    if pg.get("service"):
        import psycopg

        with (
            contextlib.suppress(psycopg.Error),
            psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True) as conn,
        ):
            if database_owner(conn) in ("", str(STACK)):
                conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def redis_up(state: dict[str, Any], environ: dict[str, str]) -> str:
    import redis

    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    try:
        redis.Redis.from_url(url, socket_timeout=3).flushdb()
        return url
    except redis.RedisError as exc:
        server = shutil.which("redis-server")
        if not server:
            raise StepFailed(
                "Redis", f"nothing answers on 127.0.0.1:6379 ({exc}) and there is no redis-server"
            ) from exc
    port = free_port()
    process = start(
        state,
        "redis",
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(STACK)],
        environ,
    )
    url = f"redis://127.0.0.1:{port}/{REDIS_DB}"
    wait_for("Redis", lambda: redis.Redis.from_url(url).ping(), seconds=20, process=process, log=LOGS / "redis.log")
    return url


def moto_up(state: dict[str, Any], environ: dict[str, str]) -> str:
    server = BIN / "moto_server"
    if not server.exists():
        raise StepFailed("S3 stand-in", "moto_server is missing: .venv/bin/pip install -e '.[s3,stack]'")
    port = free_port()
    process = start(state, "moto", [str(server), "-H", "127.0.0.1", "-p", str(port)], environ)
    endpoint = f"http://127.0.0.1:{port}"
    wait_for("S3 stand-in", lambda: port_open("127.0.0.1", port), seconds=30, process=process, log=LOGS / "moto.log")
    import boto3

    stand_in_key = "stack"  # moto's stand-in takes any key
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="stack",
        aws_secret_access_key=stand_in_key,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    # As deploy/README.md asks of a real store: nginx's host reads objects without a signature, nobody else.
    client.put_bucket_policy(
        Bucket=BUCKET,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "nginx-reads",
                        "Effect": "Allow",
                        "Principal": {"AWS": ["*"]},
                        "Action": ["s3:GetObject"],
                        "Resource": [f"arn:aws:s3:::{BUCKET}/*"],
                        "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.1/32"]}},
                    }
                ],
            }
        ),
    )
    return endpoint


# --- up / down ---------------------------------------------------------------------------------------------------


def self_signed_certificate() -> tuple[Path, Path]:
    tls = STACK / "tls"
    tls.mkdir(parents=True, exist_ok=True)
    cert, key = tls / "stack.crt", tls / "stack.key"
    if not (cert.exists() and key.exists()):
        run_step(
            "TLS certificate",
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            dict(os.environ),
            log_name="openssl",
        )
        key.chmod(0o600)
    return cert, key


def reachable_by(user: str, folder: Path) -> bool:
    """`user` may pass through every folder down to `folder` (nginx's workers must reach the socket)."""
    try:
        result = subprocess.run(  # noqa: S603
            ["runuser", "-u", user, "--", "test", "-x", str(folder)],  # noqa: S607
            capture_output=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def shared_folder(path: Path, group: str | None) -> None:
    """A folder the portal writes and nginx's workers read through the group: 2750 (new files inherit it)."""
    path.mkdir(parents=True, exist_ok=True)
    if group:
        shutil.chown(path, group=group)
    path.chmod(0o2750 if group else 0o750)


def up(args: argparse.Namespace) -> int:
    if load_state().get("pids"):
        say("A stack is already recorded in var/stack/stack.json: stopping it first.")
        down(argparse.Namespace())
    port = int(os.environ.get("STACK_PORT", "8443"))
    http_port = int(os.environ.get("STACK_HTTP_PORT", str(port - 363)))  # 8443 -> 8080
    for taken in (port, http_port):
        if port_open("127.0.0.1", taken):
            say(f"Port {taken} on 127.0.0.1 is in use: set STACK_PORT (HTTPS) or STACK_HTTP_PORT.")
            return 1
    if not Path(NGINX).exists():
        say("nginx is not installed: `make stack-up` installs it as root (scripts/system-deps.sh).")
        return 1
    for sub in ("logs", "run", "nginx", "var"):
        (STACK / sub).mkdir(parents=True, exist_ok=True)
    for old in LOGS.glob("*.log"):
        old.unlink()
    group = None
    if os.geteuid() == 0:
        group = NGINX_USER
        if not reachable_by(NGINX_USER, STACK.parent):
            say(f"  The folders above {STACK.parent} are closed to {NGINX_USER}: nginx's workers run as root, so file")
            say("  modes are not tested (clone the repository where other users may pass, e.g. /srv or /opt).")
            group = None
    os.umask(0o027)
    state: dict[str, Any] = {"pids": {}, "var_dir": str(STACK / "var"), "started": time.time()}
    save_state(state)
    try:
        return bring_up(state, port, http_port, group)
    except StepFailed as failure:
        say(f"\nFAILED at step: {failure.step}: {failure.detail}")
        if failure.log:
            say(f"Its log: {failure.log.relative_to(ROOT)}")
        say(f"(All logs: {LOGS.relative_to(ROOT)}/.) Stopping what started…")
        down(argparse.Namespace(quiet=True))
        return 1
    except BaseException as exc:
        say(f"Stopped by {type(exc).__name__}: {exc}. Stopping what started… (logs: var/stack/logs/)")
        down(argparse.Namespace(quiet=True))
        raise


def bring_up(state: dict[str, Any], port: int, http_port: int, group: str | None) -> int:
    url = f"https://127.0.0.1:{port}/"
    var = STACK / "var"
    # The folders nginx's workers must reach: the socket's, the static files', the media's (local media).
    # var/stack itself stays open to passing (0755: nginx's workers and a private cluster's postgres user go
    # through it); what is in it is closed one by one (env 0600, the TLS key 0600, the shared folders 2750).
    STACK.chmod(0o755)
    for folder in (var, var / "media", var / "static", STACK / "run"):
        shared_folder(folder, group)
    (var / "work").mkdir(exist_ok=True)
    environ = dict(os.environ)
    say("Starting the loopback stack (logs in var/stack/logs/)…")
    say("  S3 stand-in (moto)…")
    endpoint = moto_up(state, environ)
    say(f"  PostgreSQL database {DATABASE}…")
    database_url = postgres_up(state)
    say(f"  Redis database {REDIS_DB}…")
    redis_url = redis_up(state, environ)
    cert, key = self_signed_certificate()
    env_file = STACK / "env"
    overrides = {
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY_FILE": "",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BASE_URL": url.rstrip("/"),
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port},https://localhost:{port}",
        "SERVE_MEDIA_WITH": "x-accel",
        "TRUSTED_PROXY_COUNT": "1",
        "HEALTHZ_TOKEN_FILE": "",
        "HEALTHZ_TOKEN": secrets.token_urlsafe(24),
        "VAR_DIR": str(var),
        "MEDIA_ROOT": str(var / "media"),
        "STATIC_ROOT": str(var / "static"),
        "MEDIA_WORK_DIR": str(var / "work"),
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "rq",
        "REDIS_URL": redis_url,
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_FILE": "",
        "S3_SECRET_KEY_FILE": "",
        "S3_ACCESS_KEY": "stack",
        "S3_SECRET_KEY": "stack",
        "HLS_SIGNING_KEY_FILE": "",
        "HLS_SIGNING_KEY": secrets.token_urlsafe(32),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "DEFAULT_FROM_EMAIL": "cong-tap-huan@localhost",
        "GUNICORN_SOCKET": str(STACK / "run" / "gunicorn.sock"),
        "GUNICORN_WORKERS": os.environ.get("STACK_GUNICORN_WORKERS", ""),
        "NGINX_LISTEN_HTTP": f"127.0.0.1:{http_port}",
        "NGINX_LISTEN_HTTPS": f"127.0.0.1:{port}",
        "NGINX_TLS_CERTIFICATE": str(cert),
        "NGINX_TLS_CERTIFICATE_KEY": str(key),
        "NGINX_HLS_CACHE_DIR": str(STACK / "nginx" / "cache"),
        # A browser must not remember HTTPS-only for 127.0.0.1/localhost after trying the stack.
        "SECURE_HSTS_SECONDS": "0",
        "WHISPER_MODEL_DIR": os.environ.get("WHISPER_MODEL_DIR", ""),
        "ELASTICSEARCH_URL": os.environ.get("ELASTICSEARCH_URL", ""),
    }
    write_env_file(DEPLOY / "env.template", env_file, overrides)
    config = read_env_file(env_file)
    environ = stack_environ(env_file)
    state.update(
        {
            "url": url,
            "http_url": f"http://127.0.0.1:{http_port}/",
            "env_file": str(env_file),
            "media_root": str(var / "media"),
            "static_root": str(var / "static"),
            "socket": overrides["GUNICORN_SOCKET"],
            "s3": {"endpoint": endpoint, "bucket": BUCKET, "access_key": "stack", "secret_key": "stack"},
            "database_url": database_url,
            "redis_url": redis_url,
            "healthz_token": overrides["HEALTHZ_TOKEN"],
            "users": dict.fromkeys(DEMO_USERS, DEMO_PASSWORD),
            "logs": str(LOGS),
            "nginx_user": group,
        }
    )
    save_state(state)

    manage = [str(PYTHON), "manage.py"]
    say("  migrate, collectstatic, seed_demo, search_index…")
    run_step("migrate", [*manage, "migrate", "--noinput"], environ, log_name="migrate")
    run_step("collectstatic", [*manage, "collectstatic", "--noinput", "-v", "0"], environ, log_name="collectstatic")
    run_step("seed_demo", [*manage, "seed_demo", "--force"], environ, log_name="seed_demo", timeout=1800)
    run_step("search_index", [*manage, "search_index", "--rebuild"], environ, log_name="search_index")

    say("  nginx configuration…")
    nginx_dir = STACK / "nginx"
    write_nginx_files(config, nginx_dir)
    # As root without www-data: workers as root too (nginx's default, nobody, could not reach the socket).
    user_line = f"user {NGINX_USER} {group};" if group else ("user root root;" if os.geteuid() == 0 else "")
    (nginx_dir / "nginx.conf").write_text(
        f"""# Written by scripts/stack.py: the loopback stack's nginx (deploy/nginx/ does the rest).
{user_line}
# more_set_headers (deploy/nginx/portal.conf): Debian's libnginx-mod-http-headers-more-filter.
load_module /usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so;
worker_processes auto;
pid {nginx_dir / "nginx.pid"};
error_log {LOGS / "nginx-error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    log_format vksnd '$remote_addr "$request" $status $body_bytes_sent $request_time '
                     'upstream=$upstream_response_time "$http_user_agent"';
    access_log {LOGS / "nginx-access.log"} vksnd;
    client_body_temp_path {nginx_dir / "tmp" / "body"};
    proxy_temp_path {nginx_dir / "tmp" / "proxy"};
    fastcgi_temp_path {nginx_dir / "tmp" / "fastcgi"};
    uwsgi_temp_path {nginx_dir / "tmp" / "uwsgi"};
    scgi_temp_path {nginx_dir / "tmp" / "scgi"};
    include vksnd.conf;
}}
""",
        encoding="utf-8",
    )
    # nginx's master creates the temp folders (tmp/body, tmp/proxy...) and the HLS cache's folder and gives them
    # to its workers' user, but the workers must reach them: tmp/ is theirs (with root's 0750 a request body or an
    # answer too big for the memory buffers failed with "Permission denied"). The cache starts empty.
    shutil.rmtree(nginx_dir / "cache", ignore_errors=True)
    for folder in (nginx_dir / "tmp", nginx_dir / "cache"):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o700)
        if group:
            shutil.chown(folder, NGINX_USER, group)
    nginx_argv = [NGINX, "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf")]
    run_step("nginx -t", [*nginx_argv, "-t"], environ, log_name="nginx-test")

    say("  gunicorn (deploy/gunicorn.conf.py, unix socket)…")
    sock = Path(overrides["GUNICORN_SOCKET"])
    gunicorn = start(
        state, "gunicorn", [str(BIN / "gunicorn"), "-c", str(DEPLOY / "gunicorn.conf.py"), "portal.wsgi"], environ
    )
    wait_for("gunicorn", sock.exists, seconds=60, process=gunicorn, log=LOGS / "gunicorn.log")
    if group:  # as vksnd-web.service's socket belongs to the vksnd group, which nginx's user joins
        shutil.chown(sock, group=group)
    say("  nginx…")
    nginx = start(state, "nginx", [*nginx_argv, "-g", "daemon off;"], environ)
    wait_for("nginx", lambda: port_open("127.0.0.1", port), seconds=20, process=nginx, log=LOGS / "nginx-error.log")

    queues = worker_queues(environ)
    say(f"  workers for {', '.join(queues)} (RQ)…")
    for queue in queues:
        start(state, f"worker-{queue}", [*manage, "run_worker", "--queue", queue], environ)
    start(state, "housekeeping", [*manage, "housekeeping", "--loop", "60"], environ)

    say("  waiting for /healthz through nginx…")
    wait_for("healthz", lambda: healthz_ok(url, state["healthz_token"]), seconds=120, log=LOGS / "gunicorn.log")
    for name, pid in state["pids"].items():
        if not alive(pid):
            raise StepFailed(name, "stopped after starting", LOGS / f"{name}.log")
    say(f"""
The stack is up: {url}  (self-signed certificate: your browser will ask to go on)
Demo accounts, password {DEMO_PASSWORD}: {", ".join(DEMO_USERS)}
Media in moto's S3 at {endpoint} (bucket {BUCKET}); database {database_url}; Redis {redis_url}
Logs: var/stack/logs/   State: var/stack/stack.json   Environment: var/stack/env
Stop it with: make stack-down
""")
    return 0


def worker_queues(environ: dict[str, str]) -> list[str]:
    code = "import django; django.setup(); from django.conf import settings; print(','.join(settings.WORKER_QUEUES))"
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [str(PYTHON), "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise StepFailed("settings.WORKER_QUEUES", out.stderr.strip()[-500:])
    return [q for q in out.stdout.strip().split(",") if q]


def healthz_ok(url: str, token: str) -> bool:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url + "healthz", headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, context=context, timeout=5) as response:  # noqa: S310
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code}: {exc.read()[:300]!r}") from exc
    return body.get("status") == "ok"


def down(args: argparse.Namespace) -> int:
    state = load_state()
    quiet = getattr(args, "quiet", False)
    pids: dict[str, int] = state.get("pids", {})
    markers: dict[str, str] = state.get("markers", {})
    # nginx first (no new requests), then the portal and its workers, the services last.
    order = sorted(
        pids,
        key=lambda n: (
            ["nginx", "gunicorn"].index(n) if n in ["nginx", "gunicorn"] else (3 if n in ("moto", "redis") else 2)
        ),
    )
    for name in order:
        pid = pids[name]
        if alive(pid) and ours(pid, markers.get(name, "")):
            if not quiet:
                say(f"Stopping {name} (pid {pid})…")
            stop_group(pid, time.monotonic() + 30)
    postgres_down(state)
    left = [f"{name} ({pid})" for name, pid in pids.items() if group_alive(pid)]
    if STATE.exists():
        state = {k: v for k, v in state.items() if k not in ("pids", "markers")}
        state["stopped"] = time.time()
        save_state(state)
    if left:
        say(f"Still running: {', '.join(left)}")
        return 1
    if not quiet:
        say("The stack is stopped." if pids else "No stack was running.")
    return 0


def status(args: argparse.Namespace) -> int:
    state = load_state()
    if not state.get("pids"):
        say("No stack is running.")
        return 1
    for name, pid in state["pids"].items():
        say(f"{name:<20} pid {pid:<8} {'running' if alive(pid) else 'STOPPED'}")
    say(state.get("url", ""))
    return 0


def render_nginx(args: argparse.Namespace) -> int:
    config = read_env_file(Path(args.env))
    site = write_nginx_files(config, Path(args.out), behind_proxy=args.behind_proxy)
    say(f"Wrote {site} and {Path(args.out) / 'vksnd'}/ (check with: nginx -t)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up").set_defaults(func=up)
    sub.add_parser("down").set_defaults(func=down)
    sub.add_parser("status").set_defaults(func=status)
    render_parser = sub.add_parser("render-nginx")
    render_parser.add_argument("--env", required=True, help="the environment file (/etc/vksnd/env)")
    render_parser.add_argument("--out", required=True, help="nginx's configuration folder (/etc/nginx)")
    render_parser.add_argument("--behind-proxy", action="store_true", help="plain HTTP behind a TLS terminator")
    render_parser.set_defaults(func=render_nginx)
    args = parser.parse_args(argv)
    if args.command in ("up", "down"):
        with one_at_a_time():
            return args.func(args)
    return args.func(args)


@contextlib.contextmanager
def one_at_a_time():
    """`up` and `down` share var/stack/: a second one waits until the first has finished."""
    import fcntl

    STACK.mkdir(parents=True, exist_ok=True)
    with (STACK / ".lock").open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("Another scripts/stack.py up/down is running: waiting for it to finish…")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


if __name__ == "__main__":
    sys.exit(main())
