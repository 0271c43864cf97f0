# Sourced by scripts/demo and scripts/test: a virtualenv with the project installed, and a RabbitMQ that answers.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
cd "$ROOT"

ensure_venv() {
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "Python 3.10 or newer is needed as '$python' (set PYTHON=/path/to/python3.x)." >&2
    exit 2
  fi
  [ -x "$VENV/bin/python" ] || "$python" -m venv "$VENV"
  # Editable, as a plain path entry (.pth): setuptools' default editable finder is imported by every
  # Python start in the venv and costs each command ~15 ms (measured: python -c pass, 27 -> 12 ms).
  local install=(-e ".[dev]" --config-settings editable_mode=compat)
  # Reinstall only when pyproject.toml or the way of installing changed since the last install.
  local stamp="$VENV/.installed-$( (cat pyproject.toml; echo "${install[*]}") | sha1sum | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    echo "Installing the project and its dependencies into $VENV ..."
    if ! "$VENV/bin/python" -m pip install --quiet "${install[@]}" >"$VENV/pip.log" 2>&1; then
      cat "$VENV/pip.log" >&2
      echo "Installing the project failed (log above, also in $VENV/pip.log)." >&2
      exit 1
    fi
    rm -f "$VENV"/.installed-* && touch "$stamp"
  fi
  # An editable install leaves our modules uncompiled, and with PYTHONDONTWRITEBYTECODE set (as on some
  # CI machines) nothing ever writes their bytecode: every command would compile them again (~25 ms of
  # a 0.5 s inspect). pip compiles a regular install; this does the same, and is a no-op when up to date.
  "$VENV/bin/python" -m compileall -q "$ROOT/topology" "$ROOT/tasks" >/dev/null
  export PATH="$VENV/bin:$PATH"
}

ensure_rabbitmq() {
  "$ROOT/scripts/ensure-rabbitmq"
}

# Debian packages some commands and tests need: installed when missing and running as root (the lock wait
# lets colleagues' installs on the same machine finish first); otherwise one line with the fix.
ensure_debian_package() {
  local command="$1" package="$2" why="$3"
  command -v "$command" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's $package ($why) ..."
    local log="${TMPDIR:-/tmp}/apt-$package.log"
    if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
      "$package" >"$log" 2>&1 && command -v "$command" >/dev/null 2>&1; then
      return 0
    fi
    echo "Installing $package failed (log in $log): run 'apt-get update && apt-get install $package'." >&2
    return 1
  fi
  echo "'$command' is missing ($why): install it with 'sudo apt-get install $package'." >&2
  return 1
}

ensure_graphviz() {
  ensure_debian_package dot graphviz "python -m topology graph renders svg and png with Graphviz's dot"
}

ensure_chromium() {
  ensure_debian_package chromium chromium "tests open the routing picture and serve's page in a headless browser"
}

ensure_promtool() {
  ensure_debian_package promtool prometheus "promtool checks and unit-tests the alert rules of monitoring/"
}

# The official AsyncAPI JSON schemas the export is validated against: the versions pinned in tests/npm's
# package-lock.json, installed again only when the lock changed (never fetched by a test).
ensure_test_schemas() {
  ensure_debian_package npm npm "the AsyncAPI schemas the tests validate against are npm's @asyncapi/specs"
  local dir="$ROOT/tests/npm"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "Installing tests/npm (npm ci) ..."
    (cd "$dir" && npm ci --no-audit --no-fund --silent)
  fi
}
