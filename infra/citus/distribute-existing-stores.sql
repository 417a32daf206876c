-- Distributes the schemas of stores created before schema-based sharding was enabled.
-- Idempotent: schemas that are already distributed are skipped.
do $$
declare s record;
begin
  for s in
    select st.schema_name from control.stores st
     where st.status <> 'deleted'
       and exists (select 1 from pg_namespace n where n.nspname = st.schema_name)
       and not exists (select 1 from citus_schemas cs where cs.schema_name::text = st.schema_name)
     order by st.id
  loop
    perform citus_schema_distribute(s.schema_name);
    raise notice 'distributed %', s.schema_name;
  end loop;
end $$;
select count(*) as distributed_store_schemas from citus_schemas where schema_name::text like 't\_%';
