using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Presence.Server.Presence;

namespace Presence.Server.Calendar;

/// <summary>
/// Keeps calendar sources' passwords encrypted in the users' state (AES-256-GCM), since they must be sent again and so
/// cannot be hashed as SIP passwords are: the key is <c>Presence:CalendarKey</c> (base64 of 32 bytes; every member of a
/// cluster needs the same), else one generated once and kept beside the database (file "calendar-key", readable only by
/// the server's user). A stored value is "enc1:" and base64 of nonce, tag and ciphertext.
/// </summary>
public sealed class CalendarSecrets
{
    public const string Setting = "Presence:CalendarKey";
    private const string Prefix = "enc1:";
    private static readonly byte[] Purpose = "presence calendar source password"u8.ToArray();

    private readonly byte[] _key;

    public CalendarSecrets(IConfiguration configuration, IOptions<PresenceHostOptions> presence, ILogger<CalendarSecrets> logger)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(presence);
        string? configured = configuration[Setting];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            _key = KeyOf(configured) ?? throw new InvalidOperationException($"{Setting} must be the base64 of 32 bytes (openssl rand -base64 32).");
            return;
        }
        string folder = Path.GetDirectoryName(Path.GetFullPath(presence.Value.DatabasePath))!;
        string path = Path.Combine(folder, "calendar-key");
        if (File.Exists(path) && KeyOf(File.ReadAllText(path)) is { } stored)
        {
            _key = stored;
            return;
        }
        Directory.CreateDirectory(folder);
        _key = RandomNumberGenerator.GetBytes(32);
        File.WriteAllText(path, Convert.ToBase64String(_key) + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        CalendarLog.GeneratedKey(logger, path, Setting);
    }

    public string Protect(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        byte[] plain = Encoding.UTF8.GetBytes(password);
        byte[] sealedBytes = new byte[12 + 16 + plain.Length];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), Purpose);
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The password, or null when this key cannot open it (another member's key, or a damaged value).</summary>
    public string? Unprotect(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
            return null;
        try
        {
            byte[] sealedBytes = Convert.FromBase64String(stored[Prefix.Length..]);
            if (sealedBytes.Length < 28)
                return null;
            byte[] plain = new byte[sealedBytes.Length - 28];
            using var aes = new AesGcm(_key, 16);
            aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plain, Purpose);
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }
    }

    private static byte[]? KeyOf(string text)
    {
        try
        {
            byte[] key = Convert.FromBase64String(text.Trim());
            return key.Length == 32 ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

internal static partial class CalendarLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information,
        Message = "Calendar sources' passwords are encrypted with a key generated in {Path}; a cluster's members need the same one in {Setting}")]
    public static partial void GeneratedKey(ILogger logger, string path, string setting);
}
