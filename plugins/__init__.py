"""zoo's builtin plugins. They register through the same hooks a third-party plugin uses;
the core lists them in ``zoo.app.BUILTIN_PLUGINS`` and nothing else special-cases them."""
