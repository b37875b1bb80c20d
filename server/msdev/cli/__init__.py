"""Command-line surfaces: one module per subcommand, each thin (parse, call the library, print)."""
