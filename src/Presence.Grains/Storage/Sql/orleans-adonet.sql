-- Presence.Orleans: the PostgreSQL objects that Orleans' own ADO.NET providers need.
--
--   * Microsoft.Orleans.Clustering.AdoNet (cluster membership)
--   * Microsoft.Orleans.Reminders.AdoNet  (reminder table)
--
-- Both are configured with Invariant = "Npgsql". Our grain state does NOT go through
-- Orleans (we have our own storage in schema.sql), so nothing for Persistence.AdoNet is here.
--
-- Version 4 of the schema (src/Presence.Grains/Storage/PostgresSchema.cs runs it as one migration step, in the
-- migration's transaction and under its lock; cluster-config/schema.sql contains it). A shipped step is never
-- edited: a change to a statement is a later step that upserts it again. Every object is created only when
-- missing, and the statements in OrleansQuery are upserted, so running it again changes nothing.
--
-- How the providers use the database: when a provider starts, it reads every row of
-- OrleansQuery (SELECT QueryKey, QueryText FROM OrleansQuery) and refuses to start if one
-- of the keys it requires is missing. After that it only ever runs those statements,
-- binding named parameters (@DeploymentId, @Address, ...), and reads result columns by
-- name (PostgreSQL folds unquoted names to lower case; Npgsql's name lookup ignores case).
-- Parameter types as Npgsql sends them:
--   strings -> text, ports/generation/status/version/hashes -> integer,
--   times -> timestamptz (UTC DateTimes), reminder period -> integer or bigint milliseconds.
-- Statements that answer yes/no must return exactly one row with one column.
--
-- Written for PostgreSQL 15. Names in the tables and statements are the ones the providers
-- read; the helper functions are our own.

-------------------------------------------------------------------------------------------
-- The statement catalogue. Each provider loads all rows at start-up.
-------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);

-------------------------------------------------------------------------------------------
-- Cluster membership (Microsoft.Orleans.Clustering.AdoNet)
-------------------------------------------------------------------------------------------

-- One row per cluster (DeploymentId = ClusterOptions.ClusterId). Version is the table's
-- version number: every change to a membership row must name the version it was based on
-- and moves it on by one, so two silos cannot both change the table from the same view.
-- The provider only accepts a version written as a plain non-negative integer.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),   -- when Version last moved (for people)
    Version      integer      NOT NULL DEFAULT 0 CHECK (Version >= 0),
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

-- One row per silo incarnation (address, port and generation).
-- Status holds Orleans' SiloStatus number: 1 Created, 2 Joining, 3 Active,
-- 4 ShuttingDown, 5 Stopping, 6 Dead. SuspectTimes is the provider's own text,
-- "<silo>,<yyyy-MM-dd HH:mm:ss.fff> GMT" votes joined by '|'.
CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address      varchar(45)  NOT NULL,
    Port         integer      NOT NULL,
    Generation   integer      NOT NULL,
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       integer      NOT NULL,
    ProxyPort    integer      NOT NULL DEFAULT 0,        -- 0 = the silo has no gateway
    SuspectTimes text         NULL,
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
        ON DELETE CASCADE
);

-- For InsertMembershipKey: add a silo's row, but only if the caller's table version is still
-- current and the row is not there yet. Moving the version in the same UPDATE that checks it
-- holds the version row's lock until commit, so a concurrent writer waits and then fails the
-- check. Returns false (and changes nothing) when the version or the row does not fit.
CREATE OR REPLACE FUNCTION orleans_membership_insert(
    deployment_id    text,
    silo_address     text,
    silo_port        integer,
    silo_generation  integer,
    silo_name        text,
    host_name        text,
    silo_status      integer,
    proxy_port       integer,
    start_time       timestamptz,
    i_am_alive_time  timestamptz,
    expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    UPDATE OrleansMembershipVersionTable AS v
       SET Version = v.Version + 1,
           Timestamp = now()
     WHERE v.DeploymentId = deployment_id
       AND v.Version = expected_version
       AND NOT EXISTS (SELECT 1
                         FROM OrleansMembershipTable AS m
                        WHERE m.DeploymentId = deployment_id
                          AND m.Address = silo_address
                          AND m.Port = silo_port
                          AND m.Generation = silo_generation);
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    -- Cannot collide: anyone adding this row would have had to move the version first.
    -- Should it collide anyway, the error undoes the version move above as well.
    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status,
         ProxyPort, SuspectTimes, StartTime, IAmAliveTime)
    VALUES
        (deployment_id, silo_address, silo_port, silo_generation, silo_name, host_name, silo_status,
         coalesce(proxy_port, 0), NULL, start_time, i_am_alive_time);
    RETURN true;
END
$fn$;

-- For UpdateMembershipKey: change a silo's status, suspicion votes and alive time, only if the
-- caller's table version is still current. The silo's row is locked first (the same order the
-- other writers use), so the defunct-row cleanup cannot delete it between the check and the
-- write. Returns false (and changes nothing) when the row is gone or the version has moved.
CREATE OR REPLACE FUNCTION orleans_membership_update(
    deployment_id    text,
    silo_address     text,
    silo_port        integer,
    silo_generation  integer,
    silo_status      integer,
    suspect_times    text,
    i_am_alive_time  timestamptz,
    expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1
       FROM OrleansMembershipTable AS m
      WHERE m.DeploymentId = deployment_id
        AND m.Address = silo_address
        AND m.Port = silo_port
        AND m.Generation = silo_generation
        FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipVersionTable AS v
       SET Version = v.Version + 1,
           Timestamp = now()
     WHERE v.DeploymentId = deployment_id
       AND v.Version = expected_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipTable AS m
       SET Status = silo_status,
           SuspectTimes = suspect_times,
           IAmAliveTime = i_am_alive_time
     WHERE m.DeploymentId = deployment_id
       AND m.Address = silo_address
       AND m.Port = silo_port
       AND m.Generation = silo_generation;
    RETURN true;
END
$fn$;

-- For CleanupDefunctSiloEntriesKey: the latest suspicion vote recorded in a SuspectTimes
-- text, so that a silo declared dead only recently is not removed yet. NULL when there are
-- no votes. A vote we cannot read counts as "now or later", which keeps the row.
CREATE OR REPLACE FUNCTION orleans_membership_latest_vote(suspect_times text)
RETURNS timestamptz
LANGUAGE sql
STABLE
AS $fn$
    SELECT CASE
               WHEN count(*) = 0 THEN NULL
               WHEN bool_and(vote ~ '^[^,]+,[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)? GMT$')
                   THEN max(CASE
                                WHEN vote ~ '^[^,]+,[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)? GMT$'
                                    THEN (left(split_part(vote, ',', 2), -4))::timestamp AT TIME ZONE 'UTC'
                            END)
               ELSE 'infinity'::timestamptz
           END
      FROM unnest(string_to_array(nullif(btrim(suspect_times), ''), '|')) AS vote;
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Asked for once at start-up (InitializeMembershipTable): make sure this cluster has its
-- version row. Answers true only when the row was created just now.
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT count(*) > 0 AS created FROM created;
$q$),

-- A silo adds its own row when it starts (InsertRow). Compare-and-swap on @Version.
('InsertMembershipKey', $q$
SELECT orleans_membership_insert(
    @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
    @ProxyPort, @StartTime, @IAmAliveTime, @Version) AS inserted;
$q$),

-- Status changes, suspicion votes and death declarations (UpdateRow). Compare-and-swap on @Version.
('UpdateMembershipKey', $q$
SELECT orleans_membership_update(
    @DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
    @IAmAliveTime, @Version) AS updated;
$q$),

-- The periodic "I am alive" heartbeat (UpdateIAmAlive). By design it does not move the
-- table version, and its result is not read.
('UpdateIAmAlivetimeKey', $q$
UPDATE OrleansMembershipTable
   SET IAmAliveTime = @IAmAliveTime
 WHERE DeploymentId = @DeploymentId
   AND Address = @Address
   AND Port = @Port
   AND Generation = @Generation;
$q$),

-- ReadRow: the table version plus one silo's row. The version row must come back even
-- when the silo has no row (its columns are then NULL; the provider checks StartTime).
('MembershipReadRowKey', $q$
SELECT v.DeploymentId,
       m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime,
       v.Version
  FROM OrleansMembershipVersionTable AS v
  LEFT JOIN OrleansMembershipTable AS m
         ON m.DeploymentId = v.DeploymentId
        AND m.Address = @Address
        AND m.Port = @Port
        AND m.Generation = @Generation
 WHERE v.DeploymentId = @DeploymentId;
$q$),

-- ReadAll: the table version plus every row of the cluster (one row with NULLs when empty).
('MembershipReadAllKey', $q$
SELECT v.DeploymentId,
       m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime,
       v.Version
  FROM OrleansMembershipVersionTable AS v
  LEFT JOIN OrleansMembershipTable AS m
         ON m.DeploymentId = v.DeploymentId
 WHERE v.DeploymentId = @DeploymentId;
$q$),

-- Clients (and the gateway list provider) ask which silos accept client connections:
-- @Status is Active (3); rows without a gateway port are left out.
('GatewaysQueryKey', $q$
SELECT Address, ProxyPort, Generation
  FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId
   AND Status = @Status
   AND ProxyPort > 0;
$q$),

-- DeleteMembershipTableEntries: forget a whole cluster (used by tests and tooling).
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
$q$),

-- Required at start-up; used by the defunct-silo cleanup only when the key below is absent.
-- Removes, in one go, the rows of dead silos with no sign of life since @IAmAliveTime (the
-- cutoff): neither started, reported alive nor been voted on after it. Same rule as the
-- provider applies itself when it uses CleanupDefunctSiloEntryKey.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId
   AND Status = 6
   AND StartTime < @IAmAliveTime
   AND IAmAliveTime < @IAmAliveTime
   AND coalesce(orleans_membership_latest_vote(SuspectTimes), '-infinity'::timestamptz) < @IAmAliveTime;
$q$),

-- Optional key, looked up by the 10.4.x provider and preferred when present: the provider
-- reads all rows, picks the dead ones older than the cutoff itself, and deletes each one
-- with this statement, passing back the values it read. The row goes only if it is still
-- exactly that dead row (nothing changed it in between). A missing SuspectTimes and an
-- empty one are the same to the provider, so they are the same here.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId
   AND Address = @Address
   AND Port = @Port
   AND Generation = @Generation
   AND Status = 6
   AND StartTime = @StartTime
   AND IAmAliveTime = @IAmAliveTime
   AND coalesce(btrim(SuspectTimes), '') = coalesce(btrim(@SuspectTimes), '');
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-------------------------------------------------------------------------------------------
-- Reminders (Microsoft.Orleans.Reminders.AdoNet)
-------------------------------------------------------------------------------------------

-- One row per reminder. ServiceId = ClusterOptions.ServiceId (reminders outlive a cluster
-- id change). GrainHash is the grain's uniform hash as a signed integer: each silo reads the
-- reminders of its own slice of the hash ring. Period is in milliseconds. Version is the
-- row's etag.
CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150) NOT NULL,
    GrainId      text         NOT NULL,
    ReminderName varchar(150) NOT NULL,
    StartTime    timestamptz  NOT NULL,
    Period       bigint       NOT NULL,
    GrainHash    integer      NOT NULL,
    Version      integer      NOT NULL,
    CONSTRAINT PK_RemindersTable_ServiceId_GrainId_ReminderName PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Each silo reads its hash-ring slice every reminder refresh; without this that is a scan
-- of the whole service's reminders.
CREATE INDEX IF NOT EXISTS IX_OrleansRemindersTable_ServiceId_GrainHash
    ON OrleansRemindersTable (ServiceId, GrainHash);

-- Etags for reminder rows. Every write takes a fresh number, so a reminder that is deleted
-- and registered again never gets back an etag an old holder still has. Wraps after 2^31-1.
CREATE SEQUENCE IF NOT EXISTS OrleansRemindersVersion
    AS integer MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CYCLE;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Register or change a reminder (UpsertRow). Returns the new etag as column Version.
('UpsertReminderRowKey', $q$
INSERT INTO OrleansRemindersTable AS r
       (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash,
        nextval('OrleansRemindersVersion'))
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
   SET StartTime = EXCLUDED.StartTime,
       Period    = EXCLUDED.Period,
       GrainHash = EXCLUDED.GrainHash,
       Version   = EXCLUDED.Version
RETURNING r.Version AS Version;
$q$),

-- All reminders of one grain (ReadRows(grainId)).
('ReadReminderRowsKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND GrainId = @GrainId;
$q$),

-- One reminder of one grain (ReadRow); no row when it does not exist.
('ReadReminderRowKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND GrainId = @GrainId
   AND ReminderName = @ReminderName;
$q$),

-- A silo's slice (@BeginHash, @EndHash] of the ring when, as signed integers, begin < end.
('ReadRangeRows1Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND GrainHash > @BeginHash
   AND GrainHash <= @EndHash;
$q$),

-- The same when the slice wraps around (begin >= end, which includes the whole ring).
('ReadRangeRows2Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
$q$),

-- Unregister a reminder (RemoveRow), only if the caller's etag (@Version) is still current.
-- Answers true when a row was deleted.
('DeleteReminderRowKey', $q$
WITH removed AS (
    DELETE FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND GrainId = @GrainId
       AND ReminderName = @ReminderName
       AND Version = @Version
    RETURNING 1
)
SELECT count(*) > 0 AS removed FROM removed;
$q$),

-- Drop every reminder of the service (TestOnlyClearTable; tests and tooling).
('DeleteReminderRowsKey', $q$
DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
