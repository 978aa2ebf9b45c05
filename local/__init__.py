"""The local stack: the platform's handlers, state machines and table on an embedded emulator, in this
one process (docs/architecture.md, "Local stack").

Importing `functions` pauses the garbage collector, and the first entry point built freezes what
exists then (docs/architecture.md, "Cold start"): right for a Lambda process, which holds only its
handler, wrong here, where the emulator's state lives in the same process. A table frozen that way
is never collected once the emulator is reset, and with it every item written to it since, which
every later full collection walks. So the collector runs here and nothing is frozen.

It runs less often than Python's default, though (`COLLECTOR_THRESHOLDS`): the emulator holds about
300 objects per item written (a 1,000-lead import adds 290,000), and with the default thresholds a
full collection walked them all two to four times per such import, a fifth of its time
(benchmarks/README.md, "Garbage collection in the local stack"). A young collection now comes every
5,000 new objects instead of 700, and a full one at most every 10 million.
"""

import gc

import functions  # noqa: F401  (pauses the collector: resumed below, before any entry point is built)

COLLECTOR_THRESHOLDS = (5_000, 20, 100)  # Python's default: (700, 10, 10)

gc.set_threshold(*COLLECTOR_THRESHOLDS)
gc.enable()
