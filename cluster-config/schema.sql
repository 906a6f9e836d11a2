-- Presence.Orleans: the PostgreSQL schema, version 2.
-- Every silo applies it itself at start; run this only to create the database ahead of them:
--   psql -v ON_ERROR_STOP=1 -d presence -f cluster-config/schema.sql
-- Idempotent: a step runs only when schema_version does not list it yet.
-- Generated from src/Presence.Cluster/Storage/PostgresSchema.cs; a test keeps the two equal.

BEGIN;
SELECT pg_advisory_xact_lock(8102650225924140659);
CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at bigint NOT NULL);

DO $step$
BEGIN
IF NOT EXISTS (SELECT 1 FROM schema_version WHERE version = 1) THEN
CREATE TABLE grains (
    grain_type  text COLLATE "C" NOT NULL,
    grain_key   text COLLATE "C" NOT NULL,
    version     bigint NOT NULL,
    next_due_at bigint NULL,
    PRIMARY KEY (grain_type, grain_key)
);

-- The reminder poller asks "which grains of this type are due before t, earliest first"; grains with
-- nothing due are left out, and grain_key in the index serves the tie-break without a sort.
CREATE INDEX ix_grains_due ON grains (grain_type, next_due_at, grain_key) WHERE next_due_at IS NOT NULL;

CREATE TABLE grain_items (
    grain_type text COLLATE "C" NOT NULL,
    grain_key  text COLLATE "C" NOT NULL,
    kind       text COLLATE "C" NOT NULL,
    item_key   text COLLATE "C" NOT NULL,
    payload    bytea NOT NULL,
    PRIMARY KEY (grain_type, grain_key, kind, item_key),
    FOREIGN KEY (grain_type, grain_key) REFERENCES grains (grain_type, grain_key) ON DELETE CASCADE
);

CREATE TABLE grain_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grain_type text COLLATE "C" NOT NULL,
    grain_key  text COLLATE "C" NOT NULL,
    at         bigint NOT NULL,
    payload    bytea  NOT NULL,
    FOREIGN KEY (grain_type, grain_key) REFERENCES grains (grain_type, grain_key) ON DELETE CASCADE
);

-- History is read per grain, newest first (id breaks ties within a millisecond), optionally from a
-- time on: a backward scan of this index, no sort.
CREATE INDEX ix_grain_history ON grain_history (grain_type, grain_key, at, id);
INSERT INTO schema_version (version, applied_at) VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
END IF;
END
$step$;

DO $step$
BEGIN
IF NOT EXISTS (SELECT 1 FROM schema_version WHERE version = 2) THEN
CREATE TABLE cluster_versions (
    cluster_id text COLLATE "C" PRIMARY KEY,
    version    bigint NOT NULL
);

CREATE TABLE cluster_members (
    cluster_id      text COLLATE "C" NOT NULL REFERENCES cluster_versions (cluster_id),
    silo_id         text COLLATE "C" NOT NULL,
    incarnation     bigint NOT NULL,
    role            text NOT NULL CHECK (role IN ('silo', 'edge')),
    status          text NOT NULL CHECK (status IN ('active', 'leaving', 'left', 'dead')),
    sip_address     text NOT NULL,
    http_address    text NOT NULL,
    lease_expires   timestamptz NOT NULL,
    joined_at       timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    drained_version bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (cluster_id, silo_id, incarnation)
);

CREATE UNIQUE INDEX ux_cluster_members_live ON cluster_members (cluster_id, silo_id)
    WHERE status IN ('active', 'leaving');
INSERT INTO schema_version (version, applied_at) VALUES (2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
END IF;
END
$step$;

COMMIT;
