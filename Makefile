# Sprout's front door. CMake does the building; these targets are what people type.
#   make run     boot Sprout in QEMU (TCG) into busybox sh on this terminal; poweroff or Ctrl-A X quits
#   make test    every test: hosted unit tests, in-kernel self-tests in QEMU, lints
#   make debug   QEMU halted with its gdb stub, and gdb attached with the kernel's symbols
#   make golden  run tests/user on Linux (one boot) and rewrite their goldens; TESTS="a b" for some
#   make fuzz    the syscall fuzzer (tests/kernel/programs/fuzz.c) in one boot: FUZZ_SEED=1, FUZZ_ITERS=N
#                (default: FUZZ_TIME=180 seconds), FUZZ_ARGS="-f FIRST -v ..." (docs/reliability.md)
#   make bench   bench/procbench on Linux and on Sprout in the same QEMU: medians, Sprout/Linux ratios
#                (ICOUNT=1 repeatable figures, KVM=1, NOHUGE=1, BENCH_SCALE=F, REUSE=linux: bench/run --help)
# Variables: APPEND="kernel command line" MEM=256M KVM=1 (opt-in, never for tests) BUILD=build

BUILD ?= build
MEM ?= 256M
JOBS ?= $(shell nproc)

.PHONY: all build run test debug golden bootstrap clean

all: build

bootstrap:
	@tools/bootstrap

$(BUILD)/CMakeCache.txt: | bootstrap
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: bootstrap $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# busybox sh on the serial console (tools/shell-initramfs); `poweroff` ends it.
run: build
	tools/shell-initramfs $(BUILD)/shell.cpio
	SPROUT_BUILD=$(BUILD) tools/vmrun --interactive --initrd $(BUILD)/shell.cpio --mem $(MEM) --append "$(APPEND)"

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# The expected output of each user test is what Debian's Linux prints for the same binary.
golden: bootstrap $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) --target user_programs -j$(JOBS)
	tests/user/usertest golden --build $(BUILD) $(TESTS)

# The same procbench binary on both kernels, same QEMU options; docs/performance.md keeps the table.
.PHONY: bench
bench: bootstrap $(BUILD)/CMakeCache.txt
	bench/run --build $(BUILD)

# The fuzzer prints its summary (iterations, system calls, distinct outcomes) and any crash,
# hang or leak with the seed and iteration that replay it.
FUZZ_SEED ?= 1
FUZZ_ITERS ?=
FUZZ_TIME ?= 180
.PHONY: fuzz
fuzz: build
	SPROUT_BUILD=$(BUILD) tools/vmrun --kernel-path $(BUILD)/sprout.elf --mem $(MEM) --timeout 0 -- \
		$(BUILD)/tests/kernel/programs/fuzz -s $(FUZZ_SEED) $(if $(FUZZ_ITERS),-n $(FUZZ_ITERS),-t $(FUZZ_TIME)) $(FUZZ_ARGS)

debug: build
	SPROUT_BUILD=$(BUILD) tools/debug --mem $(MEM) --append "$(APPEND)"

clean:
	rm -rf $(BUILD)
