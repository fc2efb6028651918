#!/usr/bin/env bash
# PeerPulse on JDK 25: every module's unit tests (./run-tests --quick: not the tests tagged `integration`)
# and the demo, which must print no warning of the JVM's ("WARNING: A restricted method…", a sun.misc.Unsafe
# deprecation, a dynamically loaded agent). Maven and the compiler stay on the default JDK (17), so every
# target/ directory holds classes of one compiler; only the test JVMs (surefire's `jvm`, and the child JVMs
# the tests start from its java.home) and the demo run on JDK 25. CI (.ci/run) runs it after ./run-tests;
# on 2 cores 1.5 minutes measured, the unit tests 3.5 minutes alone while another build ran.
#   scripts/jdk25-check.sh [maven options]     JDK 25 from $PEERPULSE_JDK25, else
#                                              /usr/lib/jvm/temurin-25-jdk-amd64; skipped (exit 0,
#                                              saying so) where there is none
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jdk="${PEERPULSE_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [ ! -x "$jdk/bin/java" ]; then
  echo "jdk25-check: SKIPPED: no JDK 25 at $jdk (install one there or set PEERPULSE_JDK25)"
  exit 0
fi
version="$("$jdk/bin/java" -version 2>&1)"   # captured: `| head` under pipefail could fail on SIGPIPE
echo "${version%%$'\n'*}"

echo "jdk25-check: unit tests on $jdk"
./run-tests --quick -Djvm="$jdk/bin/java" "$@"

echo "jdk25-check: the demo on $jdk"
env -u JAVA_HOME ./peerpulse --version >/dev/null   # builds the launcher's jar with the default JDK if needed
work="$(mktemp -d -t peerpulse-jdk25.XXXXXX)"
trap 'rm -rf "$work"' EXIT
if ! JAVA_HOME="$jdk" timeout 300 ./peerpulse demo --duration 3s --out "$work/out" >"$work/stdout" 2>"$work/stderr"; then
  cat "$work/stdout" "$work/stderr"; echo "jdk25-check: the demo failed on JDK 25"; exit 1
fi
# the JVM's own warnings start with "WARNING: " (the command's log lines with "peerpulse: warning: ")
if grep -q "^WARNING: \|restricted method\|enable-native-access" "$work/stderr" "$work/stdout"; then
  grep -h "WARNING\|restricted method\|enable-native-access" "$work/stderr" "$work/stdout"
  echo "jdk25-check: the demo printed a warning of the JVM's on JDK 25"
  exit 1
fi
grep -q "^wrote $work/out/.*\.json$" "$work/stdout" \
  || { cat "$work/stdout" "$work/stderr"; echo "jdk25-check: the demo wrote no JSON export"; exit 1; }
echo "jdk25-check: the demo ran on JDK 25 without a warning of the JVM's"
