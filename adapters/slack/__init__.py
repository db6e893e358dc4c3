"""The Slack adapter: Bolt listeners, Block Kit rendering and outbox delivery for the core."""
