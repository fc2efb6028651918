#!/usr/bin/env bash
# PeerPulse on JDK 25: a quick selection of the modules' unit tests (the core, the session
# and the modules that load webrtc-java's native library) and the demo, which must print no
# restricted-method warning. Maven and the compiler stay on the default JDK (17), so every
# target/ directory holds classes of one compiler; only the test JVMs (surefire's `jvm`) and the demo
# run on JDK 25. CI (.ci/run) runs it after ./run-tests; about 2-3 minutes (all unit tests would take 5).
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

# a quick selection until ./run-tests has a --quick (unit tests only) to run here instead
echo "jdk25-check: unit tests on $jdk"
mvn -B -ntp test -pl telemetry-core,game-session,lab,webrtc-adapter -am -Djvm="$jdk/bin/java" "$@"

echo "jdk25-check: the demo on $jdk"
env -u JAVA_HOME ./peerpulse --version >/dev/null   # builds the launcher's jar with the default JDK if needed
work="$(mktemp -d -t peerpulse-jdk25.XXXXXX)"
trap 'rm -rf "$work"' EXIT
if ! JAVA_HOME="$jdk" timeout 300 ./peerpulse demo --duration 3s --out "$work/out" >"$work/stdout" 2>"$work/stderr"; then
  cat "$work/stdout" "$work/stderr"; echo "jdk25-check: the demo failed on JDK 25"; exit 1
fi
if grep -q "restricted method\|enable-native-access" "$work/stderr" "$work/stdout"; then
  grep -h "WARNING" "$work/stderr" "$work/stdout"; echo "jdk25-check: the demo printed a restricted-method warning"
  exit 1
fi
grep -q "^wrote $work/out/.*\.json$" "$work/stdout" \
  || { cat "$work/stdout" "$work/stderr"; echo "jdk25-check: the demo wrote no JSON export"; exit 1; }
echo "jdk25-check: the demo ran on JDK 25 without a restricted-method warning"
