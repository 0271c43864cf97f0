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
