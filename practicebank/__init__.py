"""Command-line entry point and composition root of the practice bank bot."""
