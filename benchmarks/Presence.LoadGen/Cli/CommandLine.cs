using System.Globalization;
using System.Net;
using Presence.Sip.Transport;

namespace Presence.LoadGen.Cli;

/// <summary>What the command line asked for: a run, the help text, or a mistake to report.</summary>
/// <param name="SeedOnly">"seed": write a seeded run's users into a store file instead of running.</param>
public sealed record CommandLineResult(LoadOptions? Options, bool Help, string? Error, bool SeedOnly = false);

/// <summary>
/// Reads "WORKLOAD [--option value]...". Every option has a default (see <see cref="HelpText"/>); a value that cannot
/// be read is an error naming the option, never a silent default.
/// </summary>
public static class CommandLine
{
    public static CommandLineResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args.Any(a => a is "-h" or "--help" or "help"))
            return new CommandLineResult(null, true, null);
        bool seedOnly = args[0].Equals("seed", StringComparison.OrdinalIgnoreCase);
        var workload = WorkloadKind.Seeded;
        if (!seedOnly && !TryWorkload(args[0], out workload))
            return Fail($"Unknown workload '{args[0]}': register, subscribe, steady, fanout, seeded (or seed).");
        var options = new LoadOptions { Workload = workload };
        for (int i = 1; i < args.Count; i++)
        {
            string name = args[i];
            string? value = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (name.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            if (value is null)
                return Fail($"{name} needs a value.");
            string? error = Apply(ref options, name, value);
            if (error is not null)
                return Fail(error);
        }
        if (seedOnly && options.StorePath is null)
            return Fail("seed needs --store FILE: the database the server will then open (Presence:DatabasePath).");
        return new CommandLineResult(options, false, null, seedOnly);
    }

    private static string? Apply(ref LoadOptions o, string name, string value)
    {
        switch (name)
        {
            case "--server":
                if (!LoopbackTarget.TryParse(value, name, out var server, out string error))
                    return error;
                o = o with { Server = server! };
                return null;
            case "--transport":
                SipTransportKind? kind = value.ToLowerInvariant() switch
                {
                    "udp" => SipTransportKind.Udp,
                    "tcp" => SipTransportKind.Tcp,
                    "ws" => SipTransportKind.Ws,
                    _ => null,
                };
                if (kind is null)
                    return "--transport: udp, tcp or ws (--server is then the server's Sip:WebSocket:Port).";
                o = o with { Transport = kind.Value };
                return null;
            case "--local":
                if (!IPAddress.TryParse(value, out var local))
                    return $"--local: '{value}' is not an IP address.";
                o = o with { LocalAddress = local };
                return null;
            case "--domain": o = o with { Domain = value }; return null;
            case "--run-id": o = o with { RunId = value }; return null;
            case "--out": o = o with { OutputDirectory = value }; return null;
            case "--progress":
                if (!Enum.TryParse<ProgressMode>(value, ignoreCase: true, out var progress) || !Enum.IsDefined(progress))
                    return "--progress: auto, live, plain or none.";
                o = o with { Progress = progress };
                return null;
            case "--store": o = o with { StorePath = value }; return null;
            case "--warmup": return Time(name, value, out var warmup) ?? Set(ref o, o with { Warmup = warmup });
            case "--local-port": return Int(name, value, out int port) ?? Set(ref o, o with { LocalPort = port });
            case "--duration": return Time(name, value, out var duration) ?? Set(ref o, o with { Duration = duration });
            case "--notify-timeout": return Time(name, value, out var notify) ?? Set(ref o, o with { NotifyTimeout = notify });
            case "--setup-timeout": return Time(name, value, out var setup) ?? Set(ref o, o with { SetupTimeout = setup });
            case "--count": return Long(name, value, out long count) ?? Set(ref o, o with { Count = count });
            case "--rate": return Real(name, value, out double rate) ?? Set(ref o, o with { Rate = rate });
            case "--concurrency": return Int(name, value, out int concurrency) ?? Set(ref o, o with { Concurrency = concurrency });
            case "--max-in-flight": return Int(name, value, out int inFlight) ?? Set(ref o, o with { MaxInFlight = inFlight });
            case "--setup-concurrency": return Int(name, value, out int setupConcurrency) ?? Set(ref o, o with { SetupConcurrency = setupConcurrency });
            case "--users": return Int(name, value, out int users) ?? Set(ref o, o with { Users = users });
            case "--presentities": return Int(name, value, out int presentities) ?? Set(ref o, o with { PresentitiesPerGroup = presentities });
            case "--publish-per-hour": return Real(name, value, out double perHour) ?? Set(ref o, o with { PublishesPerHour = perHour });
            case "--speedup": return Real(name, value, out double speedup) ?? Set(ref o, o with { Speedup = speedup });
            case "--doc-size": return Int(name, value, out int size) ?? Set(ref o, o with { DocumentSize = size });
            case "--package": return Set(ref o, o with { Package = value.ToLowerInvariant() });
            case "--register-expires": return Int(name, value, out int re) ?? Set(ref o, o with { RegisterExpires = re });
            case "--subscribe-expires": return Int(name, value, out int se) ?? Set(ref o, o with { SubscribeExpires = se });
            case "--publish-expires": return Int(name, value, out int pe) ?? Set(ref o, o with { PublishExpires = pe });
            case "--users-per-socket": return Int(name, value, out int perSocket) ?? Set(ref o, o with { UsersPerSocket = perSocket });
            case "--max-sockets": return Int(name, value, out int sockets) ?? Set(ref o, o with { MaxSockets = sockets });
            case "--local-addresses": return Int(name, value, out int addresses) ?? Set(ref o, o with { LocalAddresses = addresses });
            case "--seed": return Int(name, value, out int seed) ?? Set(ref o, o with { Seed = seed });
            case "--contacts":
                string[] range = value.Split('-', 2);
                if (range.Length != 2 || Int(name, range[0], out int min) is not null || Int(name, range[1], out int max) is not null)
                    return "--contacts: a range like 40-80.";
                o = o with { ContactsMin = min, ContactsMax = max };
                return null;
            case "--watchers" when o.Workload == WorkloadKind.Fanout:
                var counts = new List<int>();
                foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (Int(name, part, out int k) is { } bad)
                        return bad;
                    counts.Add(k);
                }
                o = o with { FanoutWatchers = counts };
                return null;
            case "--watchers": return Int(name, value, out int watchers) ?? Set(ref o, o with { Watchers = watchers });
            default:
                return $"Unknown option {name} (see --help).";
        }
    }

    private static bool TryWorkload(string text, out WorkloadKind workload)
    {
        workload = text.ToLowerInvariant() switch
        {
            "register" or "registration" => WorkloadKind.Register,
            "subscribe" or "subscription" => WorkloadKind.Subscribe,
            "steady" => WorkloadKind.Steady,
            "fanout" or "fan-out" => WorkloadKind.Fanout,
            "seeded" => WorkloadKind.Seeded,
            _ => (WorkloadKind)(-1),
        };
        return Enum.IsDefined(workload);
    }

    private static string? Set(ref LoadOptions target, LoadOptions value)
    {
        target = value;
        return null;
    }

    private static string? Int(string name, string text, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) ? null : $"{name}: '{text}' is not a whole number.";

    private static string? Long(string name, string text, out long value) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) ? null : $"{name}: '{text}' is not a whole number.";

    private static string? Real(string name, string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value)
            ? null
            : $"{name}: '{text}' is not a number.";

    /// <summary>"30s", "500ms", "2m", "1h", or a bare number of seconds.</summary>
    private static string? Time(string name, string text, out TimeSpan value)
    {
        value = default;
        (string number, double unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001),
            _ when text.EndsWith('s') || text.EndsWith('S') => (text[..^1], 1.0),
            _ when text.EndsWith('m') || text.EndsWith('M') => (text[..^1], 60.0),
            _ when text.EndsWith('h') || text.EndsWith('H') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double amount) || !double.IsFinite(amount) || amount > 1e7)
            return $"{name}: '{text}' is not a duration (30s, 500ms, 2m, 1h).";
        value = TimeSpan.FromSeconds(amount * unit);
        return null;
    }

    private static CommandLineResult Fail(string error) => new(null, false, error);
}
