#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: start DIR PORT | stop DIR
set -euo pipefail
action=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    port=$3
    # Not durable (the tests' cluster), unless SEATWISE_PG_DURABLE=1 (the benchmarks').
    durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${SEATWISE_PG_DURABLE:-}" = 1 ] && durability=""
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" --no-sync -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start \
      -o "-h 127.0.0.1 -p $port -k $dir $durability -c max_connections=200 -c jit=off" >/dev/null
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
esac
