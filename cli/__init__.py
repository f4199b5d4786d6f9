"""zoo's command line: thin click commands over the core, no logic of their own."""
