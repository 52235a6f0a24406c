"""Linli (邻里): the server behind a community's WeChat Official Account and WeCom app."""

from __future__ import annotations

from bot.app import create_app

__all__ = ["create_app"]
