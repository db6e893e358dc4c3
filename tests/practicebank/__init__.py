"""Tests of the `practicebank` command line: each subcommand via `main(argv)`, and the script."""
