// fuzz-replays: every fuzzer iteration that once failed (a hang, a leak or a panic; listed in
// docs/reliability.md), replayed with its seed on every `make test` run, with the invariant
// checks of a normal run. The fuzzer itself is fuzz.c; this file only selects the replays.
#define FUZZ_REPLAYS 1
#define FUZZ_NAME "fuzz-replays"
#include "fuzz.c"
