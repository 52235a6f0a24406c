"""doctor: what is wrong with this deployment, and how to fix each thing."""

from __future__ import annotations

import sys

import click

from bot import texts
from bot.cli.common import CONFIG_OPTION, load_cli_config

_LEVELS = {"ok": texts.DOCTOR_OK, "warn": texts.DOCTOR_WARN, "error": texts.DOCTOR_ERROR}


@click.command()
@CONFIG_OPTION
@click.option("--url", default=None, help="Test a running server's callback, e.g. https://linli.example.org "
                                          "(default: an in-process app on this config).")
def doctor(config_path: str | None, url: str | None) -> None:
    """Check the database, the WeChat callback and APIs, delivery, the calendar and every capability.

    Exit code 0 when nothing is wrong, 1 when something must be fixed (warnings alone exit 0).
    """
    from bot.ops.doctor import Level, diagnose, worst

    config = load_cli_config(config_path)
    findings = diagnose(config, url=url)
    for finding in findings:
        click.echo(texts.DOCTOR_LINE.format(level=_LEVELS[finding.level], check=finding.check,
                                            message=finding.message))
        if finding.fix and finding.level is not Level.OK:
            click.echo(texts.DOCTOR_FIX_LINE.format(fix=finding.fix))
    errors = sum(f.level is Level.ERROR for f in findings)
    warnings = sum(f.level is Level.WARN for f in findings)
    click.echo(texts.DOCTOR_SUMMARY.format(errors=errors, warnings=warnings))
    if worst(findings) is Level.ERROR:
        sys.exit(1)
