# Sprout's front door. CMake does the building; these targets are what people type.
#   make run     boot Sprout in QEMU (TCG) on this terminal; Ctrl-A X quits
#   make test    every test: hosted unit tests, in-kernel self-tests in QEMU, lints
#   make debug   QEMU halted with its gdb stub, and gdb attached with the kernel's symbols
# Variables: APPEND="kernel command line" MEM=256M KVM=1 (opt-in, never for tests) BUILD=build

BUILD ?= build
MEM ?= 256M
JOBS ?= $(shell nproc)

.PHONY: all build run test debug bootstrap clean

all: build

bootstrap:
	@tools/bootstrap

$(BUILD)/CMakeCache.txt: | bootstrap
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: bootstrap $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: build
	SPROUT_BUILD=$(BUILD) tools/vmrun --interactive --mem $(MEM) --append "$(APPEND)"

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

debug: build
	SPROUT_BUILD=$(BUILD) tools/debug --mem $(MEM) --append "$(APPEND)"

clean:
	rm -rf $(BUILD)
