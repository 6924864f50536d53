#!/usr/bin/env bash
# Installs every build and test dependency of trawl from Debian packages.
# Idempotent and quiet when everything is already installed.
#   scripts/setup.sh           gcc, the libraries, the test tools
#   scripts/setup.sh --clang   also clang with its sanitizer and fuzzer runtimes (the sanitizer
#                              build): libclang-rt-14-dev is not pulled in by clang under
#                              --no-install-recommends, so it is named here
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config
  libboost-program-options-dev
  libroaring-dev libzstd-dev zlib1g-dev libstemmer-dev libutf8proc-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  libarchive-dev libgumbo-dev
  # trawl-serve's HTTP server (a blocking thread-pool server, which fits a thread-safe Searcher)
  libcpp-httplib-dev
  # trawl-serve's tests talk to it with curl too; wrk is the load generator of bench/serve/
  curl wrk
  # the Python bindings (-DTRAWL_PYTHON=ON, python/)
  pybind11-dev python3-dev
  # trawl-search's interactive shell: line editing, history and completion
  libedit-dev
  # trawl-index --mpi (the MPI driver of shard-set builds) and its test's mpirun
  openmpi-bin libopenmpi-dev
  # the archive tests build their inputs with these
  tar gzip bzip2 xz-utils zstd zip
)
for arg in "$@"; do
  case "$arg" in
    # lld links the sanitizer build's test and fuzz programs several times faster than ld.bfd
    --clang) PKGS+=(clang libclang-rt-14-dev lld) ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
