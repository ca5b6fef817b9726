#!/bin/sh
# Installs a released harden binary: picks the archive for this OS and architecture,
# verifies it against the release's SHA-256 checksum file, and puts `harden` in a
# directory. POSIX sh; needs curl (or wget for https), tar, gzip and sha256sum (or shasum).
# Used by the GitHub action (action.yml), the GitLab recipe in docs/ci.md, and by hand:
#
#   curl -fsSL https://raw.githubusercontent.com/OWNER/harden/main/scripts/install.sh \
#     | sh -s -- --repo OWNER/harden --version 0.1.0 --to "$HOME/.local/bin"
#
# Options (each also read from the environment variable named after it):
#   --version X.Y.Z   the release, or `latest` (default)                  HARDEN_VERSION
#   --to DIR          where `harden` goes (default ~/.local/bin)          HARDEN_INSTALL_DIR
#   --repo OWNER/NAME the GitHub repository whose releases to use         HARDEN_REPO
#   --base-url URL    where the release's files are instead, e.g. a mirror
#                     or `file:///srv/harden/0.1.0` (then --version must be given)
#                                                                         HARDEN_BASE_URL
#   --target TRIPLE   the archive's target instead of this machine's      HARDEN_TARGET
#   --print-target    print this machine's target and exit
#   --print-version   print the release --version means (`latest` resolved) and exit
#
# A release holds `harden-<version>-<target>.tar.gz` (with `harden` inside, at the top or
# in one directory) and `sha256sums.txt` with one `<sha256>  <file>` line per archive.
#
# Exit codes: 0 installed; 1 verification or installation failed (nothing was installed);
# 2 usage error; 3 no release matches (no such version, or none for this target), which
# the action takes as its cue to build from source.
set -eu

version=${HARDEN_VERSION:-latest}
to=${HARDEN_INSTALL_DIR:-}
repo=${HARDEN_REPO:-}
base_url=${HARDEN_BASE_URL:-}
target=${HARDEN_TARGET:-}
print_target=false
print_version=false

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { code=$1; shift; say "error: $*"; exit "$code"; }

while [ $# -gt 0 ]; do
    case $1 in
        --version) [ $# -ge 2 ] || die 2 "--version needs a value"; version=$2; shift 2 ;;
        --to) [ $# -ge 2 ] || die 2 "--to needs a value"; to=$2; shift 2 ;;
        --repo) [ $# -ge 2 ] || die 2 "--repo needs a value"; repo=$2; shift 2 ;;
        --base-url) [ $# -ge 2 ] || die 2 "--base-url needs a value"; base_url=$2; shift 2 ;;
        --target) [ $# -ge 2 ] || die 2 "--target needs a value"; target=$2; shift 2 ;;
        --print-target) print_target=true; shift ;;
        --print-version) print_version=true; shift ;;
        -h | --help) sed -n '2,29p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die 2 "unknown option \`$1\` (see --help)" ;;
    esac
done

detect_target() {
    os=$(uname -s)
    arch=$(uname -m)
    case "$os/$arch" in
        Linux/x86_64 | Linux/amd64) echo x86_64-unknown-linux-musl ;;
        Linux/aarch64 | Linux/arm64) echo aarch64-unknown-linux-musl ;;
        Darwin/x86_64) echo x86_64-apple-darwin ;;
        Darwin/arm64 | Darwin/aarch64) echo aarch64-apple-darwin ;;
        *) echo "unknown-$os-$arch" ;;
    esac
}

[ -n "$target" ] || target=$(detect_target)
if $print_target; then
    echo "$target"
    exit 0
fi

# Fetches URL into FILE; returns 1 when it cannot.
fetch() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 3 --connect-timeout 20 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
    else
        die 1 "neither curl nor wget is installed"
    fi
}

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

command -v sha256sum >/dev/null 2>&1 || command -v shasum >/dev/null 2>&1 ||
    die 1 "neither sha256sum nor shasum is installed: cannot verify a download"

version=${version#v}
if [ -z "$base_url" ]; then
    [ -n "$repo" ] || die 2 "which repository's releases? pass --repo OWNER/NAME (or HARDEN_REPO), or --base-url"
    if [ "$version" = latest ]; then
        command -v curl >/dev/null 2>&1 || die 1 "resolving \`latest\` needs curl; pass --version"
        # github.com/OWNER/NAME/releases/latest redirects to .../releases/tag/vX.Y.Z.
        landed=$(curl -fsSL --retry 3 -o /dev/null -w '%{url_effective}' \
            "https://github.com/$repo/releases/latest") ||
            die 3 "no release found at https://github.com/$repo/releases"
        version=${landed##*/}
        version=${version#v}
        case $version in
            '' | latest | releases) die 3 "no release found at https://github.com/$repo/releases" ;;
        esac
    fi
    base_url="https://github.com/$repo/releases/download/v$version"
elif [ "$version" = latest ]; then
    die 2 "with --base-url, give --version too (the archives are named by version)"
fi
base_url=${base_url%/}
if $print_version; then
    echo "$version"
    exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/harden-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

fetch "$base_url/sha256sums.txt" "$tmp/sha256sums.txt" ||
    die 3 "no release $version: cannot fetch $base_url/sha256sums.txt"

archive="harden-$version-$target.tar.gz"
expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/sha256sums.txt")
if [ -z "$expected" ]; then
    there=$(awk -v p="harden-$version-" '
        { f = $2; sub(/^\*/, "", f) }
        index(f, p) == 1 && f ~ /\.tar\.gz$/ { t = substr(f, length(p) + 1); sub(/\.tar\.gz$/, "", t); printf "%s%s", sep, t; sep = ", " }
    ' "$tmp/sha256sums.txt")
    die 3 "release $version has no binary for target \`$target\`; its targets: ${there:-none}
hint: pass --target with one of them, or build from source (the action's build-from-source: true, or: cargo install --locked --path . --bin harden)"
fi

fetch "$base_url/$archive" "$tmp/$archive" || die 3 "cannot fetch $base_url/$archive"
actual=$(sha256 "$tmp/$archive")
if [ "$actual" != "$expected" ]; then
    die 1 "checksum mismatch for $archive: sha256sums.txt says $expected, the download is $actual; nothing was installed"
fi

mkdir -p "$tmp/unpacked"
tar -xzf "$tmp/$archive" -C "$tmp/unpacked" || die 1 "cannot unpack $archive; nothing was installed"
bin=""
for candidate in "$tmp/unpacked/harden" "$tmp/unpacked"/*/harden; do
    if [ -f "$candidate" ]; then
        bin=$candidate
        break
    fi
done
[ -n "$bin" ] || die 1 "$archive holds no \`harden\` binary; nothing was installed"

[ -n "$to" ] || to="$HOME/.local/bin"
mkdir -p "$to" || die 1 "cannot create $to"
# Copied beside its destination, then renamed: a reader never sees half a binary.
cp "$bin" "$to/.harden.partial.$$" || die 1 "cannot write to $to"
chmod 755 "$to/.harden.partial.$$"
mv -f "$to/.harden.partial.$$" "$to/harden" || die 1 "cannot write $to/harden"
say "installed harden $version ($target) to $to/harden"
