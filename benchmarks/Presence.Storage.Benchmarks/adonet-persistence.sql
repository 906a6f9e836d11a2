-- Orleans' Persistence.AdoNet (10.4.2) on PostgreSQL, as the storage benchmark runs it: the tool applies this, in one
-- transaction, to a database of its own before the adonet-postgres target. Written for the benchmark from the
-- provider's contract (AdoNetGrainStorage.cs and the PostgreSQL scripts in dotnet/orleans), not copied from them.
--
-- What the provider needs from the database:
--   * OrleansQuery: when it starts it reads the rows WriteToStorageKey, ReadFromStorageKey and ClearStorageKey and
--     refuses to start without any of them (DeleteStorageKey is read too, and needed only with DeleteStateOnClear).
--     After that it runs only those statements.
--   * The statements bind named parameters, typed by the provider: @GrainIdHash integer, @GrainIdN0 bigint,
--     @GrainIdN1 bigint, @GrainTypeHash integer, @GrainTypeString text (the state name), @GrainIdExtensionString
--     text (for a string grain key, the whole key; null for integer or Guid keys without an extension),
--     @ServiceId text, @GrainStateVersion integer (the etag; null when the grain's read found nothing) and
--     @PayloadBinary bytea (the whole serialized state).
--   * A read answers at most one row and the provider reads its columns by name: PayloadBinary and Version.
--     No row: the grain has no state yet.
--   * A write or a clear answers one row with NewGrainStateVersion, the version after it. No row, or the version
--     it was given, means nothing was written: the provider throws InconsistentStateException (the etag check).
--     A delete answers the deleted version plus one.
--
-- A grain's row is identified by (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString); the two
-- hashes only narrow the index. As in Orleans' own script, nothing makes that identity unique: a first write checks
-- that no row exists (NOT EXISTS) and inserts, so under READ COMMITTED two activations writing one grain for the
-- first time at once can both insert, and every read of that grain then fails (the provider wants at most one row).
-- Kept so: what is measured is the provider as it ships.
--
-- The OrleansQuery table is the same shape as the one our cluster schema (PostgresSchema) creates, and the
-- statements are upserted, so this also applies to a database that already holds the cluster schema.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);

-- One row per grain and state name: the whole state in PayloadBinary, its version beside it.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512),
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea,
    ModifiedOn             timestamptz  NOT NULL,
    Version                integer
);

-- Narrow on purpose (two integers): the statements find a grain by its hashes, then compare the full identity.
CREATE INDEX IF NOT EXISTS OrleansStorage_Hashes ON OrleansStorage (GrainIdHash, GrainTypeHash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
(
    'ReadFromStorageKey',
    -- No LIMIT: if a grain ever had two rows, the read fails loudly rather than pick one.
    $sql$
    SELECT PayloadBinary, Version
    FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
    $sql$
),
(
    'WriteToStorageKey',
    -- One statement, one round trip: with a version, update the row only if it is still at that version; without
    -- one, insert the first row only if there is none. Only one branch can write. The row it answers is the new
    -- version; no row is a conflict.
    $sql$
    WITH updated AS
    (
        UPDATE OrleansStorage
        SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = Version + 1
        WHERE @GrainStateVersion IS NOT NULL AND Version = @GrainStateVersion
          AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
          AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
          AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
          AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
        RETURNING Version
    ),
    inserted AS
    (
        INSERT INTO OrleansStorage
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId,
             PayloadBinary, ModifiedOn, Version)
        SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId,
               @PayloadBinary, now(), 1
        WHERE @GrainStateVersion IS NULL
          AND NOT EXISTS
          (
              SELECT 1 FROM OrleansStorage
              WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
                AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
                AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
                AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
          )
        RETURNING Version
    )
    SELECT Version AS NewGrainStateVersion FROM updated
    UNION ALL
    SELECT Version FROM inserted
    $sql$
),
(
    'ClearStorageKey',
    -- The row stays, without its payload, and its version moves on (so an old etag still conflicts).
    $sql$
    UPDATE OrleansStorage
    SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
    WHERE Version = @GrainStateVersion
      AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
    RETURNING Version AS NewGrainStateVersion
    $sql$
),
(
    'DeleteStorageKey',
    -- With DeleteStateOnClear: the provider takes "version plus one" as the sign that the row went.
    $sql$
    DELETE FROM OrleansStorage
    WHERE Version = @GrainStateVersion
      AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
    RETURNING Version + 1 AS NewGrainStateVersion
    $sql$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
