"""Lambda entry points only: each module parses, calls one service function and returns its result.

Lambda imports this package first, before a handler module and everything it needs, so the process
is set up here for that import (docs/architecture.md, "Cold start"):

- the garbage collector pauses: the import creates objects that all stay alive (modules, classes,
  models), and the collector's passes over them, every 700 allocations, free nothing yet cost about a
  tenth of the import's CPU time. `observability.lambda_handler`, which builds every entry point at
  the end of its module's import, resumes it.
- pydantic looks for no plugins: the platform has none, and finding out scans the entry points of
  every installed package (40 ms) when the first model is built.
"""

import gc
import os

gc.disable()
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
