"""WSGI entry point for gunicorn/uwsgi: ``gunicorn 'bot.web.wsgi:app'`` (config from $BOT_CONFIG)."""

from bot import create_app
from bot.config import load_config
from bot.db import Database
from bot.ops import redact
from bot.ops.logging_setup import setup_logging
from bot.routing.engine import attach_nlp
from bot.services import Services

_config = load_config()
redact.add_config_secrets(_config)
setup_logging(_config.log_level, _config.log_format)
_services = Services(config=_config, db=Database(_config.database_url), background_replay=True)
attach_nlp(_services)
app = create_app(services=_services)
