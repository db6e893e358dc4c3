"""Follow-ups: the 12-month reminder to a contributor, its nudge, escalation and answers."""
