# smsemu -- top-level, non-recursive Makefile.
#
#   make                 build bin/jobsvc bin/despooler bin/pcm bin/logon
#   make check           build and run every test (GTest + shell tests, under prove)
#   make check-hosts     smbd + smbnetfs in network namespaces: a site over real SMB (root)
#   make demo            run the main job on a sample site in a fresh directory
#   make DEVELOPER=1     warnings are errors
#   make SANITIZE=address,undefined check
#   make install PREFIX=/usr/local DESTDIR=   (samples: $(PREFIX)/share/smsemu/samples)
#   make uninstall PREFIX=/usr/local DESTDIR=
#   make bench           build and run the benchmarks (results: bench/RESULTS.md)
#   make report-screenshot  regenerate doc/report.png (headless Chromium)

VERSION   := 0.1.0
PREFIX    ?= /usr/local
SHAREDIR  ?= $(PREFIX)/share/smsemu
DESTDIR   ?=
CC        ?= cc
PKGS      := glib-2.0 sqlite3 zlib json-glib-1.0
APT_PKGS  := libglib2.0-dev libsqlite3-dev zlib1g-dev libjson-glib-dev pkg-config

# ---------------------------------------------------------------------------
# Dependencies: install them as root, otherwise say exactly what to run.
# Evaluated once, before anything else is built.
ifeq ($(filter clean distclean help,$(MAKECMDGOALS)),)
DEPS_OK := $(shell pkg-config --exists $(PKGS) 2>/dev/null && echo yes)
ifneq ($(DEPS_OK),yes)
  ifeq ($(shell id -u),0)
    $(info smsemu: installing missing build dependencies: $(APT_PKGS))
    DEPS_INSTALL := $(shell (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKGS)) >/dev/null 2>&1 && echo ok)
    ifneq ($(DEPS_INSTALL),ok)
      $(error apt-get install $(APT_PKGS) failed; run it by hand and retry)
    endif
  else
    $(error missing build dependencies; run: sudo apt-get install $(APT_PKGS))
  endif
endif
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wmissing-prototypes \
        -Wstrict-prototypes -Wold-style-definition -Wno-unused-parameter \
        -Wdeclaration-after-statement -Wvla -Wno-missing-field-initializers
ifeq ($(DEVELOPER),1)
  WARN += -Werror
endif

OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -D_GNU_SOURCE -DSMS_VERSION='"$(VERSION)"' \
            -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_66 \
            -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 -Ilib
ALL_CFLAGS := -std=c11 $(OPT) $(WARN) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS  ?=

ifneq ($(SANITIZE),)
  ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
  LDFLAGS    += -fsanitize=$(SANITIZE)
endif

B ?= build
BIN ?= bin

# Quiet by default; `make V=1` shows the commands.
ifeq ($(V),1)
  Q :=
  say = @true
else
  Q := @
  say = @printf '  %-6s %s\n'
endif

# Rebuild everything when the flags change (as git's GIT-CFLAGS does).
FLAGS_STAMP := $(B)/.flags
FLAGS_NOW   := $(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS)
$(shell mkdir -p $(B); if [ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" != '$(FLAGS_NOW)' ]; then echo '$(FLAGS_NOW)' > $(FLAGS_STAMP); fi)

LIB_SRC  := $(sort $(wildcard lib/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
LIBA     := $(B)/libsmsemu.a

PROGRAMS := jobsvc despooler pcm logon
BINS     := $(PROGRAMS:%=$(BIN)/%)

TEST_SRC := $(sort $(wildcard tests/test-*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
TEST_SH  := $(sort $(wildcard tests/t[0-9]*.sh))
BENCH_SRC:= $(sort $(wildcard bench/bench-*.c))
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(B)/bench/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%-replay)

MANPAGES := $(sort $(wildcard man/*.1 man/*.5))

.SECONDARY:
.PHONY: all check check-unit check-shell check-hosts demo bench clean install uninstall help fuzz crash-test \
        crash-test-short report-screenshot
all: $(BINS)

$(B)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	$(say) AR $@
	$(Q)ar rcs $@ $^

define program_rule
$(1)_OBJ := $$(patsubst %.c,$(B)/%.o,$$(sort $$(wildcard $(1)/*.c)))
$(BIN)/$(1): $$($(1)_OBJ) $(LIBA)
	@mkdir -p $(BIN)
	$$(say) LINK $$@
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS) -o $$@ $$($(1)_OBJ) $(LIBA) $$(PKG_LIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

$(B)/tests/%: $(B)/tests/%.o $(LIBA)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS)

$(B)/bench/%: $(B)/bench/%.o $(LIBA)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS)

# Fuzz targets are replayed over their checked-in corpus by a plain driver.
$(B)/fuzz/%-replay: $(B)/tests/fuzz/%.o $(B)/tests/fuzz/replay-main.o $(LIBA)
	@mkdir -p $(dir $@)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The I/O fault shim (LD_PRELOAD; tests/iofault/iofault.c): plain, never sanitized.
IOFAULT := $(B)/iofault.so
$(IOFAULT): tests/iofault/iofault.c
	@mkdir -p $(dir $@)
	$(say) CC $@
	$(Q)$(CC) -std=c11 -O2 -Wall -Wextra -shared -fPIC -o $@ $< -ldl

# No test program may run longer than this (seconds): a hang fails its test, not the CI.
TEST_TIMEOUT ?= 900

check: all $(TEST_BIN) $(FUZZ_REPLAY) $(IOFAULT)
	@echo "== unit and shell tests"
	SMSEMU_BIN=$(abspath $(BIN)) SMSEMU_TOP=$(CURDIR) SMSEMU_FUZZ=$(CURDIR)/$(B)/fuzz SMSEMU_SIM_STRICT=1 TZ=UTC LANG=C LC_ALL=C \
	  SMSEMU_IOFAULT_SO=$(abspath $(IOFAULT)) \
	  prove --exec 'timeout -k 10 $(TEST_TIMEOUT)' $(PROVE_FLAGS) $(TEST_BIN) $(TEST_SH)

# Real hosts: smbd serving a site's shares to two workstation network namespaces that
# mount them with smbnetfs (tests/hosts/run.sh; root; < 3 minutes). As root, installs the
# Debian packages it needs when they are missing, as for the build dependencies.
HOSTS_APT_PKGS := samba smbclient smbnetfs fuse3
HOSTS_TIMEOUT ?= 180
check-hosts: all
	@if [ "$$(id -u)" = 0 ] && ! (command -v smbd && command -v smbnetfs && command -v testparm) >/dev/null 2>&1; then \
	  echo "smsemu: installing $(HOSTS_APT_PKGS)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(HOSTS_APT_PKGS)) >/dev/null 2>&1 || \
	  { echo "apt-get install $(HOSTS_APT_PKGS) failed; run it by hand and retry"; exit 1; }; \
	fi
	SMSEMU_BIN=$(abspath $(BIN)) SMSEMU_TOP=$(CURDIR) TZ=UTC LANG=C LC_ALL=C \
	  prove -v --exec 'timeout -k 10 $(HOSTS_TIMEOUT) sh' tests/hosts/run.sh

demo: all
	@SMSEMU_BIN=$(abspath $(BIN)) sh samples/demo.sh

# libFuzzer builds (clang): make fuzz FUZZ_SECONDS=600 runs every target that long,
# two at a time, adding what it finds to build-fuzz/corpus/<target>/ (FUZZ_UPDATE_CORPUS=1:
# to tests/fuzz/corpus/<target>/ in the checkout).
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
fuzz:
	$(MAKE) B=build-fuzz BIN=bin-fuzz CC=$(FUZZ_CC) SANITIZE=address,undefined \
	  CFLAGS=-fsanitize=fuzzer-no-link build-fuzz/libsmsemu.a
	@mkdir -p build-fuzz/fuzzers
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  $(FUZZ_CC) -std=c11 -g -O1 -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -o build-fuzz/fuzzers/$$n $$f build-fuzz/libsmsemu.a $(PKG_LIBS) || exit 1; done
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh build-fuzz/fuzzers

# Crash tests (bench/RESULTS.md): a 1,000-workstation site whose four daemons are killed
# with SIGKILL at 20 random moments (daemon-crash-test.sh), and the same site driven by
# the poll commands aborted at 20 random named fault points (crash-test.sh); the final
# state is compared with an uninterrupted run. CRASH_SEEDS runs them once per seed.
CRASH_SEEDS ?= 1
CRASH_WS ?= 1000
crash-test: all
	@for s in $(CRASH_SEEDS); do SMSEMU_BIN=$(abspath $(BIN)) SMSEMU_TOP=$(CURDIR) \
	  sh tests/crash/daemon-crash-test.sh $(CRASH_WS) 20 $$s || exit 1; \
	  SMSEMU_BIN=$(abspath $(BIN)) SMSEMU_TOP=$(CURDIR) \
	  sh tests/crash/crash-test.sh $(CRASH_WS) 20 $$s || exit 1; done

crash-test-short: all
	SMSEMU_BIN=$(abspath $(BIN)) SMSEMU_TOP=$(CURDIR) sh tests/crash/daemon-crash-test.sh 100 20 11
	SMSEMU_BIN=$(abspath $(BIN)) SMSEMU_TOP=$(CURDIR) sh tests/crash/crash-test.sh 100 20 11

# The screenshot of the README: the report of the KB Q140403 forced-delivery sample.
CHROMIUM ?= chromium
report-screenshot: all
	@rm -rf $(B)/screenshot && mkdir -p $(B)/screenshot
	$(BIN)/jobsvc simulate samples/scenarios/kb-forced-delivery.ini --quiet \
	  --site-dir $(B)/screenshot/sites --report $(B)/screenshot/report.html
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --hide-scrollbars \
	  --user-data-dir=$(abspath $(B))/screenshot/profile --window-size=1100,1250 \
	  --screenshot=$(CURDIR)/doc/report.png file://$(abspath $(B))/screenshot/report.html

bench: all $(BENCH_BIN)
	@sh bench/run.sh

# Programs, man pages (their "/usr/local/share/smsemu" made $(SHAREDIR)) and the samples
# (scenarios, PDFs, packages, registry files, MIFs, golden logs) under $(SHAREDIR)/samples.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	for m in $(MANPAGES); do sec=$${m##*.}; \
	  sed 's|/usr/local/share/smsemu|$(SHAREDIR)|g' $$m > $(DESTDIR)$(PREFIX)/share/man/man$$sec/$${m##*/} && \
	  chmod 0644 $(DESTDIR)$(PREFIX)/share/man/man$$sec/$${m##*/} || exit 1; done
	cd samples && find . -type f | LC_ALL=C sort | while read -r f; do \
	  if [ -x "$$f" ]; then mode=0755; else mode=0644; fi; \
	  install -D -m $$mode "$$f" "$(DESTDIR)$(SHAREDIR)/samples/$$f" || exit 1; done

uninstall:
	for p in $(PROGRAMS); do rm -f $(DESTDIR)$(PREFIX)/bin/$$p; done
	for m in $(MANPAGES); do sec=$${m##*.}; rm -f $(DESTDIR)$(PREFIX)/share/man/man$$sec/$${m##*/}; done
	rm -rf $(DESTDIR)$(SHAREDIR)

clean:
	rm -rf $(B) $(BIN)

help:
	@sed -n '2,12p' Makefile

-include $(shell find $(B) -name '*.d' 2>/dev/null)
