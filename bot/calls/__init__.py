"""Calls for practice: moderators ask for practices on a theme until a closing date."""
