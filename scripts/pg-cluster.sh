#!/usr/bin/env bash
# A private, throwaway PostgreSQL (15+) cluster for the tests.
#
#   scripts/pg-cluster.sh start <dir> [port]   fresh cluster in <dir>; prints only its URL:
#                                              postgres://postgres@127.0.0.1:<port>/postgres
#   scripts/pg-cluster.sh stop <dir>           stops it (fast mode) and removes <dir>
#
# Without a port, a free one is picked. A cluster left in <dir> by a crashed run is stopped
# and replaced. Uses the newest /usr/lib/postgresql/<major>/bin (15 or later), installing
# Debian's postgresql package if there is none. Run as root, the server runs as the
# `postgres` user (PostgreSQL refuses root), so <dir> is chown'ed to it. Everything but the
# URL goes to stderr, so `URL=$(scripts/pg-cluster.sh start …)` works.
set -euo pipefail

MIN_MAJOR=15
MARKER=".pg-cluster" # marks a directory as ours: stop removes only such a directory

die() {
  echo "pg-cluster: $*" >&2
  exit 1
}
usage() { die "usage: $0 start <dir> [port] | stop <dir>"; }

# The newest bin directory with initdb and pg_ctl, major version ≥ MIN_MAJOR; empty if none.
find_bin() {
  local d major
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    major=$(basename "$(dirname "$d")")
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if [ "$major" -ge "$MIN_MAJOR" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return
    fi
  done
}

ensure_bin() {
  BIN=$(find_bin)
  [ -n "$BIN" ] && return
  echo "Installing Debian's postgresql for the tests…" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq postgresql >/dev/null
  BIN=$(find_bin)
  [ -n "$BIN" ] || die "no PostgreSQL $MIN_MAJOR+ in /usr/lib/postgresql/*/bin, even after installing Debian's postgresql"
}

# Runs a PostgreSQL tool as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# The directory, absolute; refuses one that holds anything but a cluster of ours.
resolve_dir() {
  local dir
  dir=$(realpath -m -- "$1")
  [ "$dir" != "/" ] || die "refusing to use /"
  case "$dir" in *"'"* | *" "*) die "the directory must not contain spaces or quotes: $dir" ;; esac
  if [ -e "$dir" ]; then
    [ -d "$dir" ] || die "$dir exists and is not a directory"
    if [ ! -e "$dir/$MARKER" ] && [ -n "$(ls -A "$dir")" ]; then
      die "$dir is not empty and was not made by $0: refusing to touch it"
    fi
  fi
  echo "$dir"
}

# Whether the postmaster named in <data>/postmaster.pid still runs. Not when the pid file is
# stale: its process gone, a zombie (killed, not yet reaped) or the pid reused by another program.
postmaster_alive() {
  local pid state
  pid=$(head -n 1 "$1/postmaster.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != "Z" ] && [ "$state" != "X" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q postgres
}

# Stops whatever cluster runs from <dir>/data (fast, then immediate); no-op if none.
stop_cluster() {
  local data="$1/data"
  postmaster_alive "$data" || return 0
  as_owner "$BIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null ||
    as_owner "$BIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >&2 ||
    ! postmaster_alive "$data" ||
    die "could not stop the cluster in $data"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port i
  for i in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    port_in_use "$port" || {
      echo "$port"
      return
    }
  done
  die "found no free port"
}

start() {
  local dir port="${2:-}" chosen=""
  dir=$(resolve_dir "$1")
  if [ -n "$port" ]; then
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "not a port: $port"
  fi
  # The server's Unix socket, <dir>/.s.PGSQL.<port>, must fit in sun_path (107 bytes).
  [ $((${#dir} + 18)) -le 107 ] || die "$dir is too long for PostgreSQL's Unix socket path; use a shorter directory"
  ensure_bin
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no postgres user to run the server as (Debian's postgresql package creates it)"
  fi

  # A cluster from an earlier run that crashed before `stop`: stop it, start afresh.
  if [ -d "$dir" ]; then
    stop_cluster "$dir"
    rm -rf -- "$dir"
  fi
  mkdir -p -- "$dir"
  touch "$dir/$MARKER"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$dir"
    as_owner test -w "$dir" || die "the postgres user cannot write to $dir (is a parent directory closed to it?)"
  fi

  # --locale=C: byte-order text comparison, as SQLite's, whatever the caller's LANG.
  if ! as_owner "$BIN/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed in $dir/data"
  fi

  [ -n "$port" ] || chosen=1
  local attempt
  for attempt in 1 2 3 4 5; do
    [ -z "$chosen" ] || port=$(free_port)
    rm -f -- "$dir/log" # pg_ctl creates it as the owner
    # fsync, synchronous_commit and full_page_writes off: a test cluster is thrown away, so
    # durability buys nothing and costs a lot. Never use these settings for real data.
    if as_owner "$BIN/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/log" \
      -o "-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null 2>&1; then
      echo "postgres://postgres@127.0.0.1:$port/postgres"
      return
    fi
    stop_cluster "$dir" || true
    # A port we picked may have been taken meanwhile: pick another. A port we were given: give up.
    [ -n "$chosen" ] && grep -q "could not bind\|Address already in use" "$dir/log" 2>/dev/null || break
    echo "pg-cluster: port $port was taken, trying another" >&2
  done
  tail -n 30 "$dir/log" >&2 2>/dev/null || true
  die "the server in $dir/data did not start on port $port (log: $dir/log)"
}

stop() {
  local dir
  dir=$(resolve_dir "$1")
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    BIN=$(find_bin)
    [ -n "$BIN" ] || die "no PostgreSQL $MIN_MAJOR+ in /usr/lib/postgresql/*/bin to stop the cluster in $dir with"
    stop_cluster "$dir"
  fi
  rm -rf -- "$dir"
}

[ $# -ge 2 ] || usage
case "$1" in
  start)
    [ $# -le 3 ] || usage
    start "$2" "${3:-}"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    stop "$2"
    ;;
  *) usage ;;
esac
