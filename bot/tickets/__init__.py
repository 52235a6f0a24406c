"""The tickets domain: people and places, ticket life cycle, media; handlers in handlers/ call it."""
