# jester: build, run, test and benchmark.
#
#   make run     build in release mode and run jesterd in the foreground on the bundled data
#   make test    the whole test suite
#   make bench   the benchmark (release build)
#   make install / make uninstall   PREFIX (default /usr/local) and DESTDIR honoured

SWIFT ?= swift
RUN_DIR ?= $(CURDIR)/.run
SOCKET ?= $(RUN_DIR)/jesterd.sock
DATA_DIR ?= $(CURDIR)/data
RELEASE_BIN = $(CURDIR)/.build/release

# Installation. jesterd's built-in defaults are /etc/jesterd/jesterd.conf, /var/lib/jesterd
# and /run/jesterd, whatever PREFIX is, so the configuration and data directories are fixed.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
UNITDIR = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions
CONFDIR = /etc/jesterd
DATAINSTALLDIR = /var/lib/jesterd/data
# Release binaries with the Swift runtime linked in, so they run without a toolchain; built
# apart from .build/release, which stays dynamic for the benchmark.
STATIC_SCRATCH = $(CURDIR)/.build/static
STATIC_BIN = $(STATIC_SCRATCH)/release
MAN_PAGES = $(wildcard man/*.[1-8])
DATA_FILES = data/jester_items.dat data/ATTRIBUTION.md $(wildcard data/*ratings*.dat)

.PHONY: all deps build release static run test bench install uninstall clean

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

static: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(STATIC_SCRATCH) --product jesterd
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(STATIC_SCRATCH) --product jesterctl

# jesterd learns from and writes to its data directory (new ratings files, the inbox of
# `rate`), so `make run` serves a copy of the bundled data in $(RUN_DIR)/data, made once.
run: release
	@mkdir -p $(RUN_DIR)
	@[ -d $(RUN_DIR)/data ] || cp -R $(DATA_DIR) $(RUN_DIR)/data
	@echo
	@echo "jesterd is starting on a copy of the bundled data in $(RUN_DIR)/data;"
	@echo "it answers as soon as training ends."
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
	exec $(RELEASE_BIN)/jesterd --data-dir $(RUN_DIR)/data --socket $(SOCKET) --state-dir $(RUN_DIR)/state

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: deps
	$(SWIFT) build -c release --product jester-bench
	$(RELEASE_BIN)/jester-bench --data-dir $(DATA_DIR)

# The configuration file is installed only when none exists, so an edited one survives.
install: static
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(CONFDIR) $(DESTDIR)$(DATAINSTALLDIR)
	install -m 0755 $(STATIC_BIN)/jesterd $(STATIC_BIN)/jesterctl $(DESTDIR)$(BINDIR)
	for unit in jesterd.service jesterd.socket; do \
		sed 's|/usr/local/bin|$(BINDIR)|g' systemd/$$unit > $(DESTDIR)$(UNITDIR)/$$unit && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$unit || exit 1; \
	done
	install -m 0644 systemd/jesterd.sysusers $(DESTDIR)$(SYSUSERSDIR)/jesterd.conf
	for page in $(MAN_PAGES); do \
		section=$${page##*.}; \
		install -d $(DESTDIR)$(MANDIR)/man$$section && \
		install -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$section || exit 1; \
	done
	test -e $(DESTDIR)$(CONFDIR)/jesterd.conf || \
		install -m 0644 dist/jesterd.conf $(DESTDIR)$(CONFDIR)/jesterd.conf
	install -m 0644 $(DATA_FILES) $(DESTDIR)$(DATAINSTALLDIR)
	install -m 0644 dist/jesterctl.bash $(DESTDIR)$(COMPLETIONDIR)/jesterctl

# Removes what install put in place except the configuration file, which may hold edits.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/jesterd $(DESTDIR)$(BINDIR)/jesterctl
	rm -f $(DESTDIR)$(UNITDIR)/jesterd.service $(DESTDIR)$(UNITDIR)/jesterd.socket
	rm -f $(DESTDIR)$(SYSUSERSDIR)/jesterd.conf $(DESTDIR)$(COMPLETIONDIR)/jesterctl
	for page in $(MAN_PAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${page##*.}/$${page#man/}; done
	for file in $(DATA_FILES); do rm -f $(DESTDIR)$(DATAINSTALLDIR)/$${file#data/}; done
	-rmdir $(DESTDIR)$(DATAINSTALLDIR) 2>/dev/null
	@echo "make: $(DESTDIR)$(CONFDIR)/jesterd.conf is kept; remove it by hand if unwanted"

clean:
	rm -rf .build $(RUN_DIR)
