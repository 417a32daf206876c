-- Production role setup for database-enforced tenant isolation (run once as a superuser).
-- The application logs in as `storeloom_app`, which owns the control schema and the store
-- schemas and creates one NOLOGIN role per store (storeloom_t_<store id>). It is granted
-- membership in each store role it creates, so it can `SET LOCAL ROLE` to it.
create role storeloom_app login createrole password 'change-me';
create database storeloom owner storeloom_app;
-- PG15: CREATEROLE may grant membership in the roles it creates; PG16+ grants the creator
-- ADMIN on them automatically. Neither makes storeloom_app a superuser: under SET ROLE to a
-- store role it loses access to everything but that store's schema.
