#!/usr/bin/env bash
# Checks docs/USING.md against the build: installs the artifacts its pom needs, as its install command
# does, then builds a throwaway project with that very pom (it imports only peerpulse-bom, and adds
# micrometer-registry-prometheus without a version) and a class using GameSession and a
# PrometheusMeterRegistry. Also checks that the BOM imports the micrometer-bom and junit-bom versions
# of the parent pom.
#   scripts/check-bom.sh        (CI runs it after ./run-tests; about 2 minutes)
# Everything goes into a private local repository in a temporary folder, seeded with a copy of
# ~/.m2/repository (less io/peerpulse) when there is one: the shared ~/.m2 gets no PeerPulse snapshot.
# What the seed lacks comes from Maven Central.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
fail() { echo "check-bom: FAILED: $*"; exit 1; }

# 1. the BOM's versions are the parent's
for property in micrometer.version junit.version webrtc.version; do
  parent="$(sed -n "s:.*<$property>\(.*\)</$property>.*:\1:p" pom.xml)"
  bom="$(sed -n "s:.*<$property>\(.*\)</$property>.*:\1:p" bom/pom.xml)"
  [ -n "$parent" ] && [ "$parent" = "$bom" ] || fail "$property is '$parent' in pom.xml but '$bom' in bom/pom.xml"
done
for bom_artifact in micrometer-bom junit-bom; do
  grep -q "<artifactId>$bom_artifact</artifactId>" bom/pom.xml || fail "bom/pom.xml does not import $bom_artifact"
done

work="$(mktemp -d -t peerpulse-bom-check.XXXXXX)"
trap 'rm -rf "$work"' EXIT
repo="$work/repository"
if [ -d "${HOME:-}/.m2/repository" ]; then
  cp -a "$HOME/.m2/repository" "$repo"
  rm -rf "$repo/io/peerpulse"
else
  mkdir -p "$repo"
fi

# 2. the install (docs/USING.md: mvn -DskipTests install), limited to what the page's pom needs
echo "check-bom: installing bom, game-session, webrtc-adapter, export-micrometer into $repo"
mvn -B -ntp -q -Dmaven.repo.local="$repo" -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
  -pl bom,game-session,webrtc-adapter,export/micrometer -am install >"$work/install.log" 2>&1 \
  || { tail -n 40 "$work/install.log"; fail "the install failed"; }

# 3. the page's pom.xml, as a project of its own
project="$work/my-game"
mkdir -p "$project/src/main/java/com/example"
awk '/^```xml$/ { block = ""; inside = 1; next }
     /^```$/ && inside { if (block ~ /<project/) { printf "%s", block; exit } inside = 0; next }
     inside { block = block $0 "\n" }' docs/USING.md >"$project/pom.xml"
grep -q "<artifactId>peerpulse-bom</artifactId>" "$project/pom.xml" || fail "no pom.xml with peerpulse-bom in docs/USING.md"
# the <dependency> element naming the registry, whitespace removed (captured: no early exit in a pipeline)
registry="$(tr -d ' \t\n' <"$project/pom.xml" | sed 's:</dependency>:&\n:g' | grep 'micrometer-registry-prometheus' || true)"
[ -n "$registry" ] || fail "the page's pom does not add micrometer-registry-prometheus"
case "$registry" in *"<version>"*) fail "the page's pom gives micrometer-registry-prometheus a version" ;; esac
imports="$(grep -c "<scope>import</scope>" "$project/pom.xml")"
[ "$imports" = 1 ] || fail "the page's pom imports $imports BOMs, not only peerpulse-bom"
cat >"$project/src/main/java/com/example/Game.java" <<'EOF'
package com.example;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.peerpulse.session.GameSession;

public class Game {
    public static void main(String[] args) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        System.out.println(GameSession.builder("exp-1").exportAttribute(
                io.micrometer.core.instrument.MeterRegistry.class, registry));
    }
}
EOF
echo "check-bom: building docs/USING.md's pom.xml in $project"
(cd "$project" && mvn -B -ntp -Dmaven.repo.local="$repo" package org.apache.maven.plugins:maven-dependency-plugin:3.8.1:list \
    -DincludeGroupIds=io.micrometer,io.peerpulse -DoutputFile="$work/list" >"$work/build.log" 2>&1) \
  || { tail -n 40 "$work/build.log"; fail "the throwaway project did not build"; }
micrometer="$(sed -n "s:.*<micrometer.version>\(.*\)</micrometer.version>.*:\1:p" pom.xml)"
grep -q "io.micrometer:micrometer-registry-prometheus:jar:$micrometer:compile" "$work/list" \
  || { cat "$work/list"; fail "micrometer-registry-prometheus is not at the parent's $micrometer"; }
grep -q "io.micrometer:micrometer-core:jar:$micrometer:compile" "$work/list" \
  || { cat "$work/list"; fail "micrometer-core is not at the parent's $micrometer"; }
echo "check-bom: docs/USING.md's pom builds: micrometer-registry-prometheus $micrometer from peerpulse-bom"
echo "check-bom: 1 passed, 0 failed"
