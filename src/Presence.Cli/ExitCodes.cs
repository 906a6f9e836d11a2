namespace Presence.Cli;

/// <summary>
/// What presencectl's exit status means. Scripts branch on these, so they never change meaning; the same table
/// is in the root command's --help and in the README.
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server refused the request (a 4xx other than 404): bad token, invalid input, a conflict.</summary>
    public const int Refused = 1;

    /// <summary>The command line itself is wrong; nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>The server could not be reached, did not answer in time, or failed (5xx).</summary>
    public const int Unavailable = 3;

    /// <summary>The server says the user (or whatever was asked for) does not exist (404).</summary>
    public const int NotFound = 4;

    /// <summary>A wait ran out before the awaited state came (cluster drain --timeout).</summary>
    public const int TimedOut = 5;

    /// <summary>Stopped by Ctrl+C or SIGTERM while waiting (the shell's convention, 128 + SIGINT).</summary>
    public const int Interrupted = 130;

    public const string HelpText =
        """
        Exit codes:
          0    ok
          1    the server said no (4xx; its message is on stderr)
          2    usage error (nothing was sent)
          3    cannot reach the server, or it failed (5xx)
          4    not found (404)
          5    gave up waiting (cluster drain --timeout)
          130  interrupted (Ctrl+C) while waiting; presence watch ends with 0 instead
        """;
}
