-- Run once on the Citus coordinator, in the Storeloom database, as a superuser.
-- psql -v coordinator=host0 -v worker1=host1 -v worker2=host2 -f setup-coordinator.sql
create extension if not exists citus;
select citus_set_coordinator_host(:'coordinator', 5432);
select citus_add_node(:'worker1', 5432);
select citus_add_node(:'worker2', 5432);
-- The control schema must exist before sharding is turned on so that it stays local.
create schema if not exists control;
do $$ begin execute format('alter database %I set citus.enable_schema_based_sharding to on', current_database()); end $$;
-- New store schemas (created by provisioning) are now distributed schemas.
select * from citus_get_active_worker_nodes();
