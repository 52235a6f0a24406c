"""Pure natural-language engine: normalise, tokenise, route by keyword rules, extract entities.

Nothing here imports Flask, SQLAlchemy or the bot/models packages; only `tokenizer`
imports jieba. The bot calls `nlp.understand.understand()`.
"""
