#!/usr/bin/env bash
# Sourced by .ci/run: starts a throw-away PostgreSQL on 127.0.0.1:55432 and exports
# MONIQO_TEST_POSTGRES_URL, so the store's PostgreSQL tests run too (they skip without it),
# and sets PG_STOP to the command that removes it. Best effort: without a server the rest of CI
# still runs, and says so.
PG_PORT=55432
pg_start() {
    local bin dir
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        apt-get update -qq || return 1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
    fi
    bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
    dir=$(mktemp -d /tmp/moniqo-pg.XXXXXX) || return 1
    chown postgres "$dir" || return 1
    PG_STOP="su postgres -s /bin/sh -c '$bin/pg_ctl -D $dir/data -m fast stop' >/dev/null 2>&1; rm -rf $dir"
    su postgres -s /bin/sh -c "$bin/initdb -D $dir/data -A trust -U postgres" >/dev/null || return 1
    su postgres -s /bin/sh -c "$bin/pg_ctl -D $dir/data -l $dir/log -w start \
        -o '-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1'" >/dev/null || return 1
    su postgres -s /bin/sh -c "$bin/createdb -h 127.0.0.1 -p $PG_PORT -U postgres moniqo_test" \
        || return 1
    export MONIQO_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/moniqo_test"
}
if [ "$(id -u)" -eq 0 ] && pg_start; then
    echo "PostgreSQL for the store tests: $MONIQO_TEST_POSTGRES_URL"
else
    echo "warning: no PostgreSQL server here; the store's PostgreSQL tests will be skipped"
fi
