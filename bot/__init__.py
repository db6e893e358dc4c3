"""Platform-neutral core of the practice bank bot: search, conversations, moderation, access."""
