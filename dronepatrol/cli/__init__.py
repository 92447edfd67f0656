"""Command line: typer commands that parse options, call the library and print with rich."""
