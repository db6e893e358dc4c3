"""Discord adapter: slash commands, embeds, buttons, modals and the outbox delivery loop."""
