# Shared by scripts/console.sh and scripts/test.sh: make .venv with successbot in it.
# Usage: source scripts/bootstrap.sh [EXTRA]   (EXTRA: pip extra such as "test")

as_root() {
    if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi
}

# Debian packages, installed only when missing (apt-get update once, first).
ensure_debian_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]})); then
        echo "installing Debian packages: ${missing[*]}" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    fi
}

ensure_venv() {
    local extra=${1:-}
    if ! python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
        echo "successbot needs Python 3.11 or newer as python3" >&2
        return 1
    fi
    if [[ ! -x .venv/bin/python ]]; then
        # Debian's own python3 needs python3-venv for `python3 -m venv`.
        python3 -m venv .venv 2>/dev/null || { ensure_debian_packages python3-venv && python3 -m venv .venv; }
    fi
    local target=.
    [[ -n $extra ]] && target=".[$extra]"
    .venv/bin/python -m pip install -q --disable-pip-version-check -e "$target" >&2
}
