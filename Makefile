# jester: build, run, test and benchmark.
#
#   make run     build in release mode and run jesterd in the foreground on the bundled data
#   make test    the whole test suite
#   make bench   the benchmark (release build)

SWIFT ?= swift
RUN_DIR ?= $(CURDIR)/.run
SOCKET ?= $(RUN_DIR)/jesterd.sock
DATA_DIR ?= $(CURDIR)/data
RELEASE_BIN = $(CURDIR)/.build/release

.PHONY: all deps build release run test bench clean

all: build

# libsystemd-dev provides the headers and pkg-config file the CSystemd target needs.
deps:
	@if pkg-config --exists libsystemd 2>/dev/null; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; \
		elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
		else echo "make: jester needs libsystemd-dev and pkg-config; run as root:" \
			"apt-get install libsystemd-dev pkg-config" >&2; exit 1; fi; \
		echo "make: installing libsystemd-dev and pkg-config"; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libsystemd-dev pkg-config \
		|| { echo "make: could not install libsystemd-dev; install it by hand" >&2; exit 1; }; \
	else echo "make: jester needs libsystemd (pkg-config libsystemd) and this is not a" \
		"Debian or Ubuntu system; install your distribution's systemd development package" >&2; \
		exit 1; fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	@mkdir -p $(RUN_DIR)
	@echo
	@echo "jesterd is starting on the bundled data; it answers as soon as training ends."
	@echo "In another terminal, try:"
	@echo
	@echo "  export JESTERD_SOCKET=$(SOCKET)"
	@echo "  $(RELEASE_BIN)/jesterctl predict 5 77"
	@echo "  $(RELEASE_BIN)/jesterctl similar 2"
	@echo "  $(RELEASE_BIN)/jesterctl joke 3"
	@echo "  $(RELEASE_BIN)/jesterctl status"
	@echo
	@echo "Stop jesterd with Ctrl-C."
	@echo
	exec $(RELEASE_BIN)/jesterd --data-dir $(DATA_DIR) --socket $(SOCKET) --state-dir $(RUN_DIR)/state

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: deps
	$(SWIFT) build -c release --product jester-bench
	$(RELEASE_BIN)/jester-bench --data-dir $(DATA_DIR)

clean:
	rm -rf .build $(RUN_DIR)
