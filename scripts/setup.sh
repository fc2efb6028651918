#!/usr/bin/env bash
# Checks and, where it can, installs what building and testing PeerPulse needs on Debian:
# a JDK 17+, Maven 3.8.7+ and libpulse0. Says exactly what is missing when it cannot install it.
#
#   scripts/setup.sh              what the build and the `peerpulse` command need (fast: no download
#                                 once libpulse0 is there)
#   scripts/setup.sh --for-tests  also the external tools some tests drive (./run-tests uses this):
#                                 Debian's `chromium` (installed with apt-get when run as root) and the
#                                 `prometheus` binary (Debian's package fetched with `apt-get download`
#                                 and unpacked with `dpkg -x` into a cache; no service, nothing
#                                 system-wide). Where it cannot get them it prints one line saying what
#                                 to install and carries on: the tests that need them are then skipped,
#                                 each saying what is missing.
#
# The tests only look for these tools, they never install anything: Chromium as
# -Dpeerpulse.chromium=<binary>, else `chromium` on the PATH, else /usr/bin/chromium; Prometheus as
# -Dpeerpulse.prometheus=<binary>, else `prometheus` on the PATH, else the cache below.
set -euo pipefail

fail() { echo "peerpulse setup: $*" >&2; exit 1; }
note() { echo "peerpulse setup: $*" >&2; }

for_tests=false
for arg in "$@"; do
  case "$arg" in
    --for-tests) for_tests=true ;;
    *) fail "unknown option '$arg' (usage: scripts/setup.sh [--for-tests])" ;;
  esac
done

# the java that ./peerpulse and Maven run: JAVA_HOME's when it is set, else the PATH's
if [ -n "${JAVA_HOME:-}" ]; then
  java_cmd="$JAVA_HOME/bin/java"
  [ -x "$java_cmd" ] || fail "JAVA_HOME is '$JAVA_HOME', which has no bin/java: point it at a JDK 17 or newer, or unset it"
else
  java_cmd=java
  command -v java >/dev/null || fail "no 'java' on PATH: install a JDK 17 or newer (Debian: apt-get install openjdk-17-jdk-headless)"
fi
command -v mvn >/dev/null || fail "no 'mvn' on PATH: install Maven 3.8.7 or newer (Debian: apt-get install maven)"
# captured whole, then read: a java that fails here (not a JDK) must reach the message below, not end set -e
# (without JAVA_TOOL_OPTIONS: a flight recording asked of the demo would be this JVM's too, and its "Picked up"
# line is no property)
java_props="$(env -u JAVA_TOOL_OPTIONS "$java_cmd" -XshowSettings:properties -version 2>&1 || true)"
java_major="$(printf '%s\n' "$java_props" | sed -n 's/^ *java.specification.version = //p')"
if [ -n "${JAVA_HOME:-}" ]; then
  java_fix=" (from JAVA_HOME: point it at a JDK 17 or newer, or unset it)"
else
  java_fix=": install one (Debian: apt-get install openjdk-17-jdk-headless) and put it first on the PATH, or set JAVA_HOME to it"
fi
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null \
  || fail "Java 17 or newer is needed, $java_cmd is ${java_major:-not a JDK}$java_fix"
# a runtime alone (a JRE: what Debian's maven package brings) has no javac, and Maven's build then fails
# with ten "Unknown module: jdk.compiler" warnings (.mvn/jvm.config) and a missing javadoc or compiler
java_home="$(printf '%s\n' "$java_props" | sed -n 's/^ *java.home = //p')"
[ -z "$java_home" ] || [ -x "$java_home/bin/javac" ] \
  || fail "$java_cmd is a Java runtime without javac (a JRE, in $java_home): the build needs the JDK (Debian: apt-get install openjdk-${java_major%%.*}-jdk-headless)${JAVA_HOME:+, or point JAVA_HOME at a JDK 17 or newer}"

is_root() { [ "$(id -u)" = 0 ]; }
can_apt() { is_root && command -v apt-get >/dev/null; }
export DEBIAN_FRONTEND=noninteractive
# waits for another apt/dpkg run (another checkout's set-up) instead of failing at once
apt_install() {
  timeout 900 apt-get install -y -q -o DPkg::Lock::Timeout=300 "$@"
}
apt_update() {
  timeout 900 apt-get update -q
}

# webrtc-java's native library links against libpulse.so.0 (Debian package libpulse0), even
# with the headless audio module; without it class loading fails with UnsatisfiedLinkError.
# ldconfig's list is captured first: `ldconfig -p | grep -q` under pipefail says "missing" whenever
# grep stops early and ldconfig dies of SIGPIPE. ldconfig lives in /sbin, which a normal user's PATH
# on Debian lacks; the library file itself is checked too.
has_libpulse() {
  local ldconfig libs
  ldconfig="$(command -v ldconfig || echo /sbin/ldconfig)"
  libs="$("$ldconfig" -p 2>/dev/null || true)"
  case "$libs" in *'libpulse.so.0 '*) return 0 ;; esac
  local dir
  for dir in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
    [ -e "$dir/libpulse.so.0" ] && return 0
  done
  return 1
}
if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] && ! has_libpulse; then
  if can_apt; then
    note "installing libpulse0 (needed by webrtc-java's native library)"
    apt_install libpulse0 >/dev/null 2>&1 \
      || { apt_update >/dev/null 2>&1 && apt_install libpulse0 >/dev/null 2>&1; } \
      || fail "could not install libpulse0 with apt-get; install it by hand: apt-get install libpulse0"
  else
    fail "libpulse.so.0 is missing: webrtc-java needs it. Run as root: apt-get install libpulse0"
  fi
fi

$for_tests || exit 0

# ---- tools that some tests drive; never fatal ------------------------------------------------

# Chromium: ChromiumScreenshotTest (export/html) renders a report in it.
if ! command -v chromium >/dev/null && [ ! -x /usr/bin/chromium ]; then
  if can_apt; then
    note "installing Debian's chromium (for ChromiumScreenshotTest; once, a few minutes)"
    log="$(mktemp -t peerpulse-chromium.XXXXXX.log)"
    if { apt_install chromium || { apt_update && apt_install chromium; }; } >"$log" 2>&1 \
        && [ -x /usr/bin/chromium ]; then
      rm -f "$log"
    else
      note "could not install chromium with apt-get (log: $log); ChromiumScreenshotTest will be skipped. To run it: apt-get install chromium"
    fi
  else
    note "Chromium is not installed; ChromiumScreenshotTest will be skipped. To run it, as root: apt-get install chromium (or pass -Dpeerpulse.chromium=<binary>)"
  fi
fi

# Prometheus: PrometheusScrapeTest (export/micrometer) runs a real server. Only the binary of
# Debian's package is kept, in a per-user cache; `apt-get download` works without root once the
# package lists exist, and root may fetch them (a fresh Debian image has none).
prometheus_cache="${XDG_CACHE_HOME:-${HOME:-}/.cache}/peerpulse/prometheus"
prometheus_help="to run it, run scripts/setup.sh --for-tests as root, or apt-get install prometheus, or pass -Dpeerpulse.prometheus=<binary>"
if ! command -v prometheus >/dev/null && [ ! -x "$prometheus_cache/prometheus" ]; then
  if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
    note "Prometheus is not installed and there is no apt-get/dpkg to fetch it; PrometheusScrapeTest will be skipped. To run it: put 'prometheus' on the PATH or pass -Dpeerpulse.prometheus=<binary>"
  elif ! mkdir -p "$prometheus_cache" 2>/dev/null; then
    note "cannot create $prometheus_cache for the Prometheus binary; PrometheusScrapeTest will be skipped. Set XDG_CACHE_HOME to a writable directory; or, $prometheus_help"
  else
    note "fetching Debian's prometheus package into $prometheus_cache (for PrometheusScrapeTest; once)"
    work="$(mktemp -d "$prometheus_cache/download.XXXXXX")"
    log="$prometheus_cache/setup.log"
    download() { (cd "$work" && timeout 600 apt-get download -q prometheus); }
    if { download || { is_root && apt_update && download; }; } >"$log" 2>&1 \
        && debs=("$work"/prometheus_*.deb) && [ -f "${debs[0]}" ] \
        && dpkg -x "${debs[0]}" "$work/x" >>"$log" 2>&1 \
        && [ -x "$work/x/usr/bin/prometheus" ]; then
      # a rename in one directory is atomic: a parallel run never sees half a binary
      cp "$work/x/usr/bin/prometheus" "$prometheus_cache/prometheus.partial.$$"
      mv -f "$prometheus_cache/prometheus.partial.$$" "$prometheus_cache/prometheus"
      rm -f "$log"
    elif is_root; then
      note "could not fetch Debian's prometheus package (no network? log: $log); PrometheusScrapeTest will be skipped. To run it: apt-get install prometheus, or pass -Dpeerpulse.prometheus=<binary>"
    else
      note "could not fetch Debian's prometheus package as a normal user (no package lists or no network; log: $log); PrometheusScrapeTest will be skipped; $prometheus_help"
    fi
    rm -rf "$work"
  fi
fi
exit 0
