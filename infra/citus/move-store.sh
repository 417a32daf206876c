#!/usr/bin/env bash
# Moves one store's schema to another Citus worker: move-store.sh <coordinator-url> <store-id> <host> <port>
set -euo pipefail
url=$1; store=$2; host=$3; port=$4
[[ $store =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] || { echo "store id must be a uuid" >&2; exit 2; }
[[ $port =~ ^[0-9]+$ ]] || { echo "port must be a number" >&2; exit 2; }
schema="t_${store//-/}"
psql "$url" -v ON_ERROR_STOP=1 -v schema="$schema" -v host="$host" -v port="$port" <<'SQL'
select schema_name, colocation_id, schema_size, schema_owner from citus_schemas where schema_name::text = :'schema';
-- Logical replication copy, then a brief write block for the switch-over.
select citus_schema_move(:'schema'::regnamespace, :'host', :'port'::int, shard_transfer_mode => 'force_logical');
select nodename, nodeport from citus_shards where citus_table_type = 'schema' and table_name::text like :'schema' || '.%' limit 1;
SQL
