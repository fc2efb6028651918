#!/usr/bin/env bash
# Checks, through the ./peerpulse launcher itself, that the command's standard output is the shell's:
# in a file shared with the shell's own lines, in a pipe, or alone, everything comes out in order, and
# the native library's lines ("VM attach current thread failed") never reach standard output. Also how it
# starts: its module path (no test library), through a symbolic link, JAVA_HOME, help colours in a file; and
# what a newcomer's machine gets wrong (an old java or a JRE, Maven Central out of reach, LANG=C), and its build.
#   scripts/check-launcher-output.sh     (CI runs it after ./run-tests; builds the launcher's jar if needed)
# Each command runs under `timeout`; the last line is "check-launcher-output: N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pp="$root/peerpulse"
fixtures="$root/cli/src/test/resources/browser-session"   # a Java export and a browser export
work="$(mktemp -d -t peerpulse-launcher-check.XXXXXX)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

check() { # name, expected file, actual file
  if cmp -s "$2" "$3"; then
    passed=$((passed + 1)); echo "ok   $1"
  else
    failed=$((failed + 1)); echo "FAIL $1: expected, then actual:"; cat "$2"; echo "----"; cat "$3"; echo "----"
  fi
}
# the same time limit for every run of the launcher; its standard error is kept for the failure message
run() { timeout 300 "$pp" "$@" 2>>"$work/stderr"; }

# builds the jar on first use, so that the runs below are quick
if ! timeout 900 "$pp" --version >"$work/version" 2>"$work/build.log"; then
  cat "$work/build.log"; echo "check-launcher-output: 0 passed, 1 failed"; exit 1
fi

# the command's module path holds its runtime dependencies only: no test library (the cli pom's rule)
if ls "$root/cli/target/dependency" | grep -E '^(junit|assertj|byte-buddy|opentest4j|apiguardian|testkit|.*-tests)' \
    >"$work/test-jars"; then
  failed=$((failed + 1)); echo "FAIL test libraries on the command's module path:"; cat "$work/test-jars"
else
  passed=$((passed + 1)); echo "ok   no test library on the command's module path"
fi

# help written to a file from a terminal carries no colour codes (java's own descriptor 1 is then the terminal)
if ! command -v script >/dev/null; then
  echo "skip help into a file from a terminal: no 'script' (util-linux) to make a terminal"
else
  for term in xterm dumb; do
    TERM=$term timeout 300 script -qec "'$pp' demo --help >'$work/help-$term'" /dev/null >/dev/null 2>&1
    if grep -q "^Usage: peerpulse demo" "$work/help-$term" && ! grep -q $'\e\[' "$work/help-$term"; then
      passed=$((passed + 1)); echo "ok   help into a file from a terminal (TERM=$term) has no colour codes"
    else
      failed=$((failed + 1)); echo "FAIL help into a file from a terminal (TERM=$term):"; head -n 3 "$work/help-$term" | cat -v
    fi
  done
fi

# Ctrl-C during the launcher's build: exit 130, no build log left in the temporary folder, no "build failed"
mkdir -p "$work/tmp"
touch "$root/cli/src/main/java/io/peerpulse/cli/Errors.java"   # a source newer than the build: it builds again
set -m   # the launcher in a process group of its own, as a terminal runs it, with SIGINT not ignored
TMPDIR="$work/tmp" timeout 300 "$pp" --version >/dev/null 2>"$work/build-int" &
job=$!
set +m
for _ in $(seq 600); do   # until the build's log exists (at most 60 s): the launcher is in its build
  ls "$work/tmp" | grep -q '^peerpulse-build' && break
  sleep 0.1
done
kill -INT -- "-$job"
if wait "$job"; then code=0; else code=$?; fi
if [ "$code" = 130 ] && [ -z "$(ls "$work/tmp")" ] && ! grep -q "build failed" "$work/build-int"; then
  passed=$((passed + 1)); echo "ok   Ctrl-C during the build: exit 130, no log left"
else
  failed=$((failed + 1)); echo "FAIL Ctrl-C during the build: exit $code, left: $(ls "$work/tmp")"; cat "$work/build-int"
fi
# Maven Central out of reach on a first build (an empty Maven cache, every download sent to a closed port):
# the launcher says it is the download, not the sources, and what to check; and before it, how long a build
# takes and that it downloads
mkdir -p "$work/offline-home/.m2" "$work/offline-m2"
printf '<settings><mirrors><mirror><id>unreachable</id><mirrorOf>*</mirrorOf><url>http://127.0.0.1:9/maven2</url></mirror></mirrors></settings>\n' \
  >"$work/offline-home/.m2/settings.xml"
touch "$root/cli/src/main/java/io/peerpulse/cli/Errors.java"   # it builds again
if MAVEN_OPTS="-Duser.home=$work/offline-home -Dmaven.repo.local=$work/offline-m2" timeout 300 "$pp" --version \
    >/dev/null 2>"$work/offline"; then code=0; else code=$?; fi
if [ "$code" = 1 ] && grep -q "^peerpulse: the build failed: Maven could not download .* Check the network" "$work/offline" \
   && grep -q "^peerpulse: building the command line .*about a minute.* Maven downloading .* nothing more is printed" \
     "$work/offline" \
   && [ "$(wc -l <"$work/offline")" -le 45 ]; then
  passed=$((passed + 1)); echo "ok   Maven Central out of reach: exit 1, the download named, short"
else
  failed=$((failed + 1)); echo "FAIL Maven Central out of reach: exit $code"; tail -n 5 "$work/offline"
fi
rm -f "$(sed -n 's/.*Full log: //p' "$work/offline")"
# under LANG=C Maven runs under a UTF-8 locale too, for the launcher's build and for ./run-tests: Maven's
# JVM could not even name a checkout in a non-ASCII folder ("Versuch é"). An mvn that notes its locale's
# character set and builds nothing (the launcher then says the build failed; it builds again below).
mkdir -p "$work/mvn-locale"
printf '#!/bin/sh\nlocale charmap >>"%s" 2>/dev/null\nexit 1\n' "$work/charmaps" >"$work/mvn-locale/mvn"
chmod +x "$work/mvn-locale/mvn"
touch "$root/cli/src/main/java/io/peerpulse/cli/Errors.java"   # it builds again
LANG=C LC_ALL=C PATH="$work/mvn-locale:$PATH" timeout 300 "$pp" --version >/dev/null 2>"$work/locale-build"
LANG=C LC_ALL=C PATH="$work/mvn-locale:$PATH" timeout 300 "$root/run-tests" --quick >/dev/null 2>&1
if [ "$(cat "$work/charmaps" 2>/dev/null)" = "$(printf 'UTF-8\nUTF-8')" ]; then
  passed=$((passed + 1)); echo "ok   under LANG=C Maven runs under UTF-8 (the launcher's build, ./run-tests)"
else
  failed=$((failed + 1)); echo "FAIL under LANG=C Maven's character set (the launcher's build, ./run-tests):"; cat "$work/charmaps"
fi
rm -f "$(sed -n 's/.*(full log: \(.*\)); .*/\1/p' "$work/locale-build")"

# JAVA_TOOL_OPTIONS asking for a flight recording of the demo (export/jfr/README.md) reaches the launcher's build
# without it (else Maven's JVM writes a recording of the build under the same name), the rest of it kept; an mvn
# that notes what it got and builds nothing
mkdir -p "$work/mvn-jto" "$work/jto-cwd"
printf '#!/bin/sh\nprintf "[%%s]\\n" "${JAVA_TOOL_OPTIONS-unset}" >>"%s"\nexit 1\n' "$work/jto" >"$work/mvn-jto/mvn"
chmod +x "$work/mvn-jto/mvn"
# (the JVM reads quotes there: a recording's name with a space goes whole, and a quoted value stays one word)
for options in "-Dpeerpulse.check=1 -XX:StartFlightRecording=filename=demo.jfr,settings=profile -Xss2m" \
    "-XX:StartFlightRecording=filename=demo.jfr" \
    "-Dpeerpulse.check=\"a  b\" -XX:StartFlightRecording=\"filename=my demo.jfr\",settings=profile -Xss2m"; do
  touch "$root/cli/src/main/java/io/peerpulse/cli/Errors.java"   # it builds again
  (cd "$work/jto-cwd" && JAVA_TOOL_OPTIONS="$options" PATH="$work/mvn-jto:$PATH" timeout 300 "$pp" --version \
    >/dev/null 2>"$work/jto-build")
  rm -f "$(sed -n 's/.*(full log: \(.*\)); .*/\1/p' "$work/jto-build")"
done
# (nor its set-up check's java, which would leave a recording in the working directory)
if [ "$(cat "$work/jto" 2>/dev/null)" = "$(printf '[-Dpeerpulse.check=1 -Xss2m]\n[unset]\n[-Dpeerpulse.check="a  b" -Xss2m]')" ] \
   && [ -z "$(ls -A "$work/jto-cwd")" ]; then
  passed=$((passed + 1)); echo "ok   a flight recording in JAVA_TOOL_OPTIONS is not the launcher's build's, the rest is"
else
  failed=$((failed + 1)); echo "FAIL JAVA_TOOL_OPTIONS of the launcher's build:"; cat "$work/jto"; ls -A "$work/jto-cwd"
fi

# the build again, for the checks below, through an mvn that notes its arguments: the launcher's build makes
# no -javadoc or -sources jars (the command needs neither; they took 40 % of its time)
mkdir -p "$work/mvn-bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"%s"\nexec "%s" "$@"\n' "$work/mvn-args" "$(command -v mvn)" >"$work/mvn-bin/mvn"
chmod +x "$work/mvn-bin/mvn"
PATH="$work/mvn-bin:$PATH" timeout 900 "$pp" --version >/dev/null 2>>"$work/stderr"
if grep -qx -- -Dmaven.javadoc.skip=true "$work/mvn-args" && grep -qx -- -Dmaven.source.skip=true "$work/mvn-args"; then
  passed=$((passed + 1)); echo "ok   the launcher's build makes no -javadoc or -sources jar"
else
  failed=$((failed + 1)); echo "FAIL the launcher's build: mvn $(tr '\n' ' ' <"$work/mvn-args" 2>/dev/null)"
fi

# three commands started at once after a source changed (a script running them in parallel): one builds, the
# others wait for it and use its build; each built into the same target folders and removed the others' jars
touch "$root/cli/src/main/java/io/peerpulse/cli/Errors.java"   # it builds again
pids=()
for i in 1 2 3; do
  timeout 900 "$pp" --version >"$work/parallel-$i" 2>"$work/parallel-$i.err" &
  pids+=("$!")
done
codes=""
for pid in "${pids[@]}"; do
  if wait "$pid"; then codes="$codes 0"; else codes="$codes $?"; fi
done
if [ "$codes" = " 0 0 0" ] && cmp -s "$work/parallel-1" "$work/parallel-2" && cmp -s "$work/parallel-1" "$work/parallel-3" \
   && grep -q "^peerpulse" "$work/parallel-1" \
   && [ "$(cat "$work"/parallel-*.err | grep -c "^peerpulse: building the command line")" = 1 ]; then
  passed=$((passed + 1)); echo "ok   three launchers at once after a change: one build, all three run"
else
  failed=$((failed + 1)); echo "FAIL three launchers at once after a change: exit codes$codes"
  tail -n 5 "$work"/parallel-*.err
fi

# started through a symbolic link (e.g. ~/bin/peerpulse) and from another directory, it finds its checkout
mkdir -p "$work/bin" && ln -s "$pp" "$work/bin/peerpulse"
if (cd / && timeout 300 "$work/bin/peerpulse" --version) >"$work/link" 2>>"$work/stderr" \
   && cmp -s "$work/version" "$work/link"; then
  passed=$((passed + 1)); echo "ok   the launcher through a symbolic link, from another directory"
else
  failed=$((failed + 1)); echo "FAIL the launcher through a symbolic link:"; cat "$work/link"; tail -n 5 "$work/stderr"
fi

# JAVA_HOME is what the launcher runs: one without a java, or with an old one, is named before anything runs
mkdir -p "$work/nojdk" "$work/jdk11/bin"
printf '#!/bin/sh\n[ "$2" = -version ] && { echo "    java.specification.version = 11" >&2; exit 0; }\necho "Unrecognized option: $1" >&2\nexit 1\n' \
  >"$work/jdk11/bin/java" && chmod +x "$work/jdk11/bin/java"
for home in nojdk jdk11; do
  if JAVA_HOME="$work/$home" timeout 300 "$pp" --version >/dev/null 2>"$work/java_home"; then code=0; else code=$?; fi
  if [ "$code" = 1 ] && grep -q "^peerpulse setup: .*JAVA_HOME" "$work/java_home"; then
    passed=$((passed + 1)); echo "ok   JAVA_HOME at $home: exit 1, JAVA_HOME named"
  else
    failed=$((failed + 1)); echo "FAIL JAVA_HOME at $home: exit $code"; cat "$work/java_home"
  fi
done

# without JAVA_HOME, an old java on the PATH: named, with what to do
if env -u JAVA_HOME PATH="$work/jdk11/bin:$PATH" timeout 300 "$pp" --version >/dev/null 2>"$work/java_path"; then code=0; else code=$?; fi
if [ "$code" = 1 ] && grep -q "^peerpulse setup: Java 17 or newer is needed, java is 11: install one .*openjdk-17-jdk-headless.* PATH, or set JAVA_HOME" "$work/java_path"; then
  passed=$((passed + 1)); echo "ok   java 11 on the PATH: exit 1, what to install named"
else
  failed=$((failed + 1)); echo "FAIL java 11 on the PATH: exit $code"; cat "$work/java_path"
fi

# a Java 17 runtime without javac (a JRE, as Debian's maven package brings): named before any build
mkdir -p "$work/jre17/bin"
printf '#!/bin/sh\n[ "$2" = -version ] && { printf "    java.home = %%s\\n    java.specification.version = 17\\n" "%s" >&2; exit 0; }\necho "Unrecognized option: $1" >&2\nexit 1\n' \
  "$work/jre17" >"$work/jre17/bin/java" && chmod +x "$work/jre17/bin/java"
if JAVA_HOME="$work/jre17" timeout 300 "$pp" --version >/dev/null 2>"$work/jre"; then code=0; else code=$?; fi
if [ "$code" = 1 ] && grep -q "^peerpulse setup: .* is a Java runtime without javac .*openjdk-17-jdk-headless" "$work/jre"; then
  passed=$((passed + 1)); echo "ok   a JRE 17: exit 1, the JDK named"
else
  failed=$((failed + 1)); echo "FAIL a JRE 17: exit $code"; cat "$work/jre"
fi

# summarize alone: the reference table
run summarize "$fixtures" >"$work/alone" && [ -s "$work/alone" ] \
  && head -n 1 "$work/alone" | grep -q '^session_id,player_id,' \
  && { passed=$((passed + 1)); echo "ok   summarize alone writes the table"; } \
  || { failed=$((failed + 1)); echo "FAIL summarize alone:"; cat "$work/alone" "$work/stderr"; }
{ echo a; cat "$work/alone"; echo b; } >"$work/expected"

{ echo a; run summarize "$fixtures"; echo b; } >"$work/file"
check "summarize between the shell's lines in one file" "$work/expected" "$work/file"

{ echo a; run summarize "$fixtures"; echo b; } | cat >"$work/pipe"
check "summarize between the shell's lines in a pipe" "$work/expected" "$work/pipe"

{ echo a; run report "$fixtures/chromium-agreement.json" --out "$work/r1.html"; echo b; } >"$work/file"
printf 'a\nwrote %s\nb\n' "$work/r1.html" >"$work/expected"
check "report's 'wrote' line between the shell's lines in one file" "$work/expected" "$work/file"

{ run summarize "$fixtures"; run report "$fixtures/chromium-agreement.json" --out "$work/r2.html"; echo end; } \
  | cat >"$work/pipe"
{ cat "$work/alone"; printf 'wrote %s\nend\n' "$work/r2.html"; } >"$work/expected"
check "summarize, report and the shell in a pipe" "$work/expected" "$work/pipe"

{ run summarize "$fixtures"; run report "$fixtures/chromium-agreement.json" --out "$work/r3.html"; } >>"$work/appended"
{ cat "$work/alone"; printf 'wrote %s\n' "$work/r3.html"; } >"$work/expected"
check "summarize and report appended to a file (>>)" "$work/expected" "$work/appended"

# a standard output that cannot be written fails the command and says so (a PrintWriter would swallow it)
if run summarize "$fixtures" >/dev/full; then code=0; else code=$?; fi
if [ "$code" = 1 ] && grep -q "^peerpulse: cannot write standard output: no space left on device" "$work/stderr"; then
  passed=$((passed + 1)); echo "ok   summarize to /dev/full: exit 1, the cause named"
else
  failed=$((failed + 1)); echo "FAIL summarize to /dev/full: exit $code"; tail -n 5 "$work/stderr"
fi

# a reader that stops early (| head -1): as a command ended by SIGPIPE (git log | head -1), exit 141 and nothing
# said; a table larger than a pipe's buffer (64 KiB), so that the command still writes after the reader left
mkdir -p "$work/many"
for i in $(seq 1000); do cp "$fixtures/chromium-agreement.json" "$work/many/s$i.json"; done
: >"$work/head-err"
timeout 300 "$pp" summarize "$work/many" 2>"$work/head-err" | head -n 1 >"$work/head-out"
code="${PIPESTATUS[0]}"
if [ "$code" = 141 ] && [ ! -s "$work/head-err" ] && grep -q '^session_id,player_id,' "$work/head-out"; then
  passed=$((passed + 1)); echo "ok   summarize | head -1: exit 141, nothing said"
else
  failed=$((failed + 1)); echo "FAIL summarize | head -1: exit $code"; cat "$work/head-err"
fi

if run summarize "$fixtures" >&-; then code=0; else code=$?; fi
if [ "$code" = 1 ] && grep -q "^peerpulse: standard output is closed" "$work/stderr"; then
  passed=$((passed + 1)); echo "ok   summarize with standard output closed: exit 1, said so"
else
  failed=$((failed + 1)); echo "FAIL summarize with standard output closed: exit $code"; tail -n 5 "$work/stderr"
fi

# under LANG=C a non-ASCII folder and file are still read (the launcher runs java under a UTF-8 locale)
mkdir -p "$work/Versuch é"
cp "$fixtures/chromium-agreement.json" "$work/Versuch é/sitzung é.json"
LANG=C LC_ALL=C run summarize "$work/Versuch é" >"$work/c-locale" \
  && [ "$(wc -l <"$work/c-locale")" = 2 ] && head -n 1 "$work/c-locale" | grep -q '^session_id,player_id,' \
  && { passed=$((passed + 1)); echo "ok   summarize of a non-ASCII folder under LANG=C"; } \
  || { failed=$((failed + 1)); echo "FAIL summarize under LANG=C:"; cat "$work/c-locale"; tail -n 5 "$work/stderr"; }

# the demo: real peers and webrtc-java's native library, whose lines must stay off standard output
{ echo a; run demo --duration 3s --out "$work/demo"; echo b; } >"$work/demo.out"
first="$(head -n 1 "$work/demo.out")" last="$(tail -n 1 "$work/demo.out")"
if [ "$first" = a ] && [ "$last" = b ] && [ "$(wc -l <"$work/demo.out")" -gt 3 ] \
   && grep -q "^wrote $work/demo/" "$work/demo.out" \
   && ! grep -q "VM attach current thread failed\|Failed to attach thread" "$work/demo.out"; then
  passed=$((passed + 1)); echo "ok   demo between the shell's lines, no native line on standard output"
else
  failed=$((failed + 1)); echo "FAIL demo:"; cat "$work/demo.out"; echo "---- standard error:"; tail -n 20 "$work/stderr"
fi

echo "check-launcher-output: $passed passed, $failed failed"
[ "$failed" = 0 ]
