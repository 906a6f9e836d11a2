using Microsoft.Data.Sqlite;

namespace Presence.Grains.Storage;

/// <summary>
/// Statements created once per connection and reused: the provider keeps a command's compiled
/// statement as long as its text does not change, so reuse skips SQLite's parse and plan on every call.
/// Parameters are bound by position, in the order they were declared.
/// </summary>
internal static class SqliteStatement
{
    public static SqliteCommand Create(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    public static void Bind(SqliteCommand command, params ReadOnlySpan<object> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }
    }

    public static int Execute(SqliteCommand command, params ReadOnlySpan<object> values)
    {
        Bind(command, values);
        return command.ExecuteNonQuery();
    }
}
