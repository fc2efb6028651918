#!/usr/bin/env bash
# Checks and, where it can, installs what building and testing PeerPulse needs on Debian:
# a JDK 17+ and Maven 3.8.7+. Says exactly what is missing when it cannot install it.
set -euo pipefail

fail() { echo "peerpulse setup: $*" >&2; exit 1; }

command -v java >/dev/null || fail "no 'java' on PATH: install a JDK 17 or newer (Debian: apt-get install openjdk-17-jdk-headless)"
command -v mvn >/dev/null || fail "no 'mvn' on PATH: install Maven 3.8.7 or newer (Debian: apt-get install maven)"
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || fail "Java 17 or newer is needed, 'java' is $java_major"
