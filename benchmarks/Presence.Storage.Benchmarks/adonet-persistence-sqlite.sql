-- Orleans' Persistence.AdoNet (10.4.2) on SQLite (invariant "System.Data.SQLite", which Orleans maps to
-- Microsoft.Data.Sqlite), as the storage benchmark runs it: the tool applies this to a new file before the
-- adonet-sqlite target. The contract is the one adonet-persistence.sql describes for PostgreSQL (the same
-- OrleansQuery keys, parameters and result columns); written for the benchmark, not copied from Orleans' script.
--
-- SQLite admits one writer at a time. Each statement below is its own transaction (autocommit), and only one of
-- the write's two statements can change anything, so a write is still all or nothing. Unlike PostgreSQL, an
-- INSERT ... WHERE NOT EXISTS cannot race here (the write lock covers the check), but there is no unique key
-- either, as in Orleans' script.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INTEGER NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    GrainTypeHash          INTEGER NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT,
    ServiceId              TEXT    NOT NULL,
    PayloadBinary          BLOB,
    ModifiedOn             TEXT    NOT NULL,
    Version                INTEGER
);

CREATE INDEX IF NOT EXISTS OrleansStorage_Hashes ON OrleansStorage (GrainIdHash, GrainTypeHash);

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES
(
    'ReadFromStorageKey',
    'SELECT PayloadBinary, Version
     FROM OrleansStorage
     WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
       AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
       AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
       AND GrainIdExtensionString IS @GrainIdExtensionString'
),
(
    -- Update at the expected version, or insert the first row; the statement that wrote answers the new version,
    -- and neither answering is a conflict.
    'WriteToStorageKey',
    'UPDATE OrleansStorage
     SET PayloadBinary = @PayloadBinary, ModifiedOn = datetime(''now''), Version = Version + 1
     WHERE @GrainStateVersion IS NOT NULL AND Version = @GrainStateVersion
       AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
       AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
       AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
       AND GrainIdExtensionString IS @GrainIdExtensionString
     RETURNING Version AS NewGrainStateVersion;
     INSERT INTO OrleansStorage
         (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId,
          PayloadBinary, ModifiedOn, Version)
     SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId,
            @PayloadBinary, datetime(''now''), 1
     WHERE @GrainStateVersion IS NULL
       AND NOT EXISTS
       (
           SELECT 1 FROM OrleansStorage
           WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
             AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
             AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
             AND GrainIdExtensionString IS @GrainIdExtensionString
       )
     RETURNING Version AS NewGrainStateVersion;'
),
(
    'ClearStorageKey',
    'UPDATE OrleansStorage
     SET PayloadBinary = NULL, ModifiedOn = datetime(''now''), Version = Version + 1
     WHERE Version = @GrainStateVersion
       AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
       AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
       AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
       AND GrainIdExtensionString IS @GrainIdExtensionString
     RETURNING Version AS NewGrainStateVersion'
),
(
    'DeleteStorageKey',
    'DELETE FROM OrleansStorage
     WHERE Version = @GrainStateVersion
       AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
       AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
       AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
       AND GrainIdExtensionString IS @GrainIdExtensionString
     RETURNING Version + 1 AS NewGrainStateVersion'
);
