namespace Presence.Grains.Storage;

/// <summary>
/// Times are stored as unix milliseconds in integer columns: they sort and compare in SQL without
/// parsing, mean the same in SQLite and PostgreSQL, and carry no time zone to get wrong.
/// </summary>
internal static class UnixTime
{
    public static long ToMilliseconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
}
