# ClusterLab's front door. The real build is CMake, out of source in build/.
#   make            build everything
#   make test       build and run every test (ctest)
#   make demo       run every lesson with --auto, then the harness table
#   make bench      run the benchmarks
#   make lesson L=1 walk through one lesson interactively
#   make watch      fix the exercises one by one (lesson watch)
#   SANITIZE=address|thread builds in build-<sanitizer>/ with that sanitizer.

SANITIZE ?=
BUILD_TYPE ?= RelWithDebInfo
BUILD := $(if $(SANITIZE),build-$(SANITIZE),build)
JOBS ?= $(shell nproc)
BIN := $(BUILD)/bin
L ?= 1

.PHONY: all bootstrap configure build test demo bench lesson watch format clean

all: build

bootstrap:
	@scripts/bootstrap

# Configured once, for Ninja (from bootstrap); a tree an older checkout configured for make
# is configured again rather than refused. Later runs of CMake are Ninja's business.
configure: bootstrap
	@grep -qs '^CMAKE_GENERATOR:INTERNAL=Ninja$$' $(BUILD)/CMakeCache.txt || { \
	  rm -rf $(BUILD)/CMakeCache.txt $(BUILD)/CMakeFiles; \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSANITIZE=$(SANITIZE) \
	    >/dev/null; }

build: configure
	@scripts/build $(BUILD) $(JOBS)

# Twice as many test slots as cores: a busy test takes two (tests/CMakeLists.txt).
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $$(( 2 * $(JOBS) )) --timeout 600

demo: build
	@$(BIN)/lesson all --auto
	@$(BIN)/harness run

bench: build
	@scripts/bootstrap --bench
	@bench/runtime_compare.sh $(BIN)
	@bench/idle_connections.sh $(BIN)
	@$(BIN)/bench-ipc --benchmark_min_time=0.2
	@$(BIN)/bench-load --benchmark_min_time=0.2
	@$(BIN)/bench-coord --benchmark_min_time=0.5
	@$(BIN)/bench-monitor --benchmark_min_time=0.5
	@bench/dashboard_agreement.sh $(BIN)
	@bench/loadgen_speed.sh $(BIN)
	@bench/pm_speed.sh $(BIN)
	@$(BIN)/classroom-bench --out $(BUILD)/bench
	@$(BIN)/classroom-bench --model threads --out $(BUILD)/bench/threads

lesson: build
	@$(BIN)/lesson $(L)

watch: build
	@$(BIN)/lesson watch

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf build build-*
