using System.Globalization;
using System.Text.RegularExpressions;

namespace Presence.Server.Sip.Handlers;

/// <summary>
/// Recognizes liblinphone before 5.4 by its User-Agent ("Linphonec/5.1.65", "LinphoneAndroid/5.2.1 (...)",
/// "Linphone-Desktop/5.0.16 (...) LinphoneCore/5.1.0", "LinphoneiOS/5.1 ...": the liblinphone version is the
/// LinphoneCore/ one when given, else the application's). Such a client takes a resource list's NOTIFYs only in
/// Flexisip's legacy form (Presence:Rules:LegacyLinphoneLists).
/// </summary>
internal static partial class LegacyLinphone
{
    public static bool Is(string? userAgent)
    {
        if (string.IsNullOrEmpty(userAgent))
            return false;
        var core = CoreVersion().Match(userAgent);
        var match = core.Success ? core : AppVersion().Match(userAgent);
        if (!match.Success)
            return false;
        int major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        int minor = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return major < 5 || (major == 5 && minor < 4);
    }

    [GeneratedRegex(@"LinphoneCore/(\d{1,4})(?:\.(\d{1,4}))?", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex CoreVersion();

    [GeneratedRegex(@"^\s*Linphone[A-Za-z-]*/(\d{1,4})(?:\.(\d{1,4}))?", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex AppVersion();
}
