"""serve, worker and demo: the long-running processes."""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

import click

from bot import texts
from bot.cli.common import CONFIG_OPTION, build_services, load_cli_config, warmed_up
from bot.cli.preflight import check_database, check_port
from bot.config import REPO_ROOT
from bot.jobs import scheduler

log = logging.getLogger("bot")
DEMO_ADMIN = ("admin", "linli-demo")


@click.command()
@CONFIG_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per process.")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="Processes (default: server.workers in the config, 1), forked by gunicorn from the preloaded "
                   "app and sharing it copy-on-write.")
@click.option("--engine", type=click.Choice(["auto", "gunicorn", "waitress"]), default=None,
              help="The HTTP server (default: server.engine in the config, auto: waitress for one process, "
                   "gunicorn for more; gunicorn runs on Linux and macOS only).")
@click.option("--dev", is_flag=True, help="Development: Flask's server with the reloader (one process).")
def serve(config_path: str | None, host: str, port: int, threads: int, workers: int | None, engine: str | None,
          dev: bool) -> None:
    """Run the webhook server (/wechat, /wecom, /healthz, /api/v1, /admin)."""
    config = load_cli_config(config_path)
    processes = workers or config.server.workers
    server = _engine(engine or config.server.engine, processes)
    _preflight(config, host, port)
    if processes > 1 and not dev:
        from bot.ops import metrics

        # Before anything counts: every gunicorn worker writes its samples here; /metrics adds them up.
        metrics.prepare_multiprocess(str(config.var_path / "prometheus"))
    services = build_services(config)
    if dev:
        from bot import create_app

        warmed_up()
        create_app(services=services).run(host=host, port=port, debug=True, use_reloader=True)
    elif server == "gunicorn":
        from bot import create_app
        from bot.web import gunicorn_server

        app = create_app(services=services)
        warmed_up()  # before the fork: the workers share what start-up built
        gunicorn_server.run(app, services, host=host, port=port, workers=processes, threads=threads)
    else:
        _serve(services, host, port, threads)


@click.command()
@CONFIG_OPTION
def worker(config_path: str | None) -> None:
    """Run the scheduler and the outbox dispatcher."""
    config = load_cli_config(config_path)
    _preflight(config)
    if config.scheduler.metrics_port:  # the port for its counters is free, before anything starts
        host, port = config.scheduler.metrics_host, config.scheduler.metrics_port
        try:
            check_port(host, port)
        except click.ClickException:
            raise click.ClickException(texts.CLI_METRICS_PORT_TAKEN.format(host=host, port=port)) from None
    services = build_services(config, warm=False)
    from bot.jobs.worker import run_worker

    scheduler.register(services.registry.jobs(services))
    warmed_up()
    run_worker(services)


@click.command()
@CONFIG_OPTION
@click.option("--host", default=None, help="Default: demo.host in the config (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Default: demo.port in the config (8080).")
@click.option("--var-dir", default=None, help="Where the demo database lives (default: var/demo).")
def demo(config_path: str | None, host: str | None, port: int | None, var_dir: str | None) -> None:
    """Run server and worker in one process on SQLite with demo data and the console channel.

    The configuration (default: the repository's config.yaml) is the base; the
    demo always uses its own SQLite file and the console channel on top.
    """
    started = time.monotonic()
    var = Path(var_dir) if var_dir else REPO_ROOT / "var" / "demo"
    # The console channel, always: a secret in the environment must not make the demo talk to WeChat.
    config = load_cli_config(
        config_path or os.environ.get("BOT_CONFIG") or str(REPO_ROOT / "config.yaml"),
        database=f"sqlite:///{var / 'linli.db'}",
        var_dir=str(var),
        channels={"mode": "console"},
        admin={"cookie_secure": False},  # the demo serves plain http
    )
    host = host or config.demo.host
    port = port or config.demo.port
    check_port(host, port)  # before the database, the token and the worker: a taken port starts nothing
    from bot.importer import import_defaults, import_file
    from bot.routing.engine import attach_nlp

    services = build_services(config, warm=False)
    services.db.upgrade()
    import_defaults(services.db)
    import_file(services.db, REPO_ROOT / "data" / "demo.yaml")
    attach_nlp(services)
    from bot.jobs.worker import start_background_worker

    scheduler.register(services.registry.jobs(services))
    start_background_worker(services)
    from bot.clock import wall_now
    from bot.web.admin import accounts as web_accounts
    from bot.web.admin import texts as web_texts
    from bot.web.auth import create_admin, issue_token

    with services.db.session() as session:
        admin = create_admin(session, DEMO_ADMIN[0], DEMO_ADMIN[1])
        admin.role, admin.active, admin.failed_logins, admin.locked_until = "admin", True, 0, None
        token = issue_token(session, admin, days=config.admin.api_token_days, label="demo")
        roles = web_accounts.seed_demo_accounts(session, DEMO_ADMIN[1], wall_now())
    url = f"http://{host}:{port}"
    click.echo(texts.CLI_DEMO_STARTED.format(path=var / "linli.db"))
    click.echo(texts.CLI_DEMO_WEBHOOK.format(url=url))
    click.echo(texts.CLI_DEMO_CHAT.format(url=url))
    click.echo(texts.CLI_DEMO_API.format(url=url))
    click.echo(texts.CLI_DEMO_ADMIN.format(username=DEMO_ADMIN[0], password=DEMO_ADMIN[1], token=token))
    click.echo(web_texts.DEMO_WEB.format(url=url, username=DEMO_ADMIN[0], password=DEMO_ADMIN[1]))
    click.echo(web_texts.DEMO_WEB_ROLES.format(accounts=texts.LIST_SEPARATOR.join(
        web_texts.DEMO_WEB_ROLE.format(username=name, role=web_texts.ROLE_NAMES[role]) for name, role in roles)))
    click.echo(texts.CLI_DEMO_STARTUP_TIME.format(seconds=time.monotonic() - started))
    _serve(services, host, port, 8)


def _engine(name: str, processes: int) -> str:
    """The HTTP server to run: gunicorn or waitress (see ServerConfig.engine)."""
    if name == "auto":
        name = "gunicorn" if processes > 1 else "waitress"
    if name == "waitress" and processes > 1:
        raise click.ClickException(texts.CLI_WAITRESS_ONE_PROCESS.format(workers=processes))
    if name == "gunicorn" and os.name != "posix":
        raise click.ClickException(texts.CLI_GUNICORN_POSIX_ONLY)
    return name


def _preflight(config: Any, host: str | None = None, port: int | None = None) -> None:
    """The database is there, reachable and migrated, and the port is free; else one line with the fix."""
    from bot.db import Database

    if port is not None:
        check_port(host or "127.0.0.1", port)
    db = Database(config.database_url)  # no connection yet: a missing SQLite file is found before one is made
    try:
        check_database(db)
    finally:
        db.dispose()


def _serve(services: Any, host: str, port: int, threads: int) -> None:
    """Serve with waitress until SIGTERM or SIGINT, then stop with status 0 and say so in the log."""
    from waitress import create_server

    from bot import create_app
    from bot.web.stopping import log_stopped

    app = create_app(services=services)
    warmed_up()
    # Refuse oversize bodies in the server too, before Flask buffers anything.
    server = create_server(
        app, host=host, port=port, threads=threads, ident="linli",
        max_request_body_size=services.config.server.max_body_bytes,
    )
    log.info("listening on http://%s:%s", host, port)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop_waitress)
    server.run()  # the handler's SystemExit ends its loop: running requests get 5 s, queued ones are dropped
    log_stopped()


def _stop_waitress(signum: int, _frame: Any) -> None:
    """waitress installs no handler: without this SIGTERM killed the process (status 143) with nothing logged."""
    from bot.web.stopping import log_stopping

    log_stopping(signal.Signals(signum).name)
    raise SystemExit(0)
