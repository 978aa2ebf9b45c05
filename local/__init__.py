"""The local stack: the platform's handlers, state machines and table on an embedded emulator, in this
one process (docs/architecture.md, "Local stack").

Importing `functions` pauses the garbage collector, and the first entry point built freezes what
exists then (docs/architecture.md, "Cold start"): right for a Lambda process, which holds only its
handler, wrong here, where the emulator's state lives in the same process. A table frozen that way
is never collected once the emulator is reset, and with it every item written to it since, which
every later full collection walks. So the collector runs as usual here and nothing is frozen.
"""

import gc

import functions  # noqa: F401  (pauses the collector: resumed below, before any entry point is built)

gc.enable()
