# Sourced by ./lattice, ./run-tests and .ci/run: exports JAVA_HOME (a JDK 25 or newer) and puts it first on PATH.
lattice_java_major() { # $1 = a java binary; prints its feature version, or 0
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1 | cut -d. -f1 || echo 0
}
lattice_find_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/javac" ] || continue
    if [ "$(lattice_java_major "$c/bin/java")" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$c" PATH="$c/bin:$PATH"
      return 0
    fi
  done
  echo "lattice: no JDK 25 or newer found (looked at \$JAVA_HOME and /usr/lib/jvm); install one, e.g. Temurin 25" >&2
  return 1
}
