#!/usr/bin/env bash
# Checks and, where it can, installs what building and testing PeerPulse needs on Debian:
# a JDK 17+ and Maven 3.8.7+. Says exactly what is missing when it cannot install it.
set -euo pipefail

fail() { echo "peerpulse setup: $*" >&2; exit 1; }

command -v java >/dev/null || fail "no 'java' on PATH: install a JDK 17 or newer (Debian: apt-get install openjdk-17-jdk-headless)"
command -v mvn >/dev/null || fail "no 'mvn' on PATH: install Maven 3.8.7 or newer (Debian: apt-get install maven)"
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || fail "Java 17 or newer is needed, 'java' is $java_major"

# webrtc-java's native library links against libpulse.so.0 (Debian package libpulse0), even
# with the headless audio module; without it class loading fails with UnsatisfiedLinkError.
if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] && ! ldconfig -p 2>/dev/null | grep -q 'libpulse\.so\.0 '; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "peerpulse setup: installing libpulse0 (needed by webrtc-java's native library)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q libpulse0 >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q libpulse0 >/dev/null 2>&1; } \
      || fail "could not install libpulse0 with apt-get; install it by hand: apt-get install libpulse0"
  else
    fail "libpulse.so.0 is missing: webrtc-java needs it. Run as root: apt-get install libpulse0"
  fi
fi
