using System.Net;
using Presence.Sip.Transport;

namespace Presence.LoadGen;

/// <summary>The four workloads of issue 7.</summary>
public enum WorkloadKind
{
    /// <summary>N users REGISTER once each; watchers measure REGISTER → NOTIFY.</summary>
    Register,
    /// <summary>N users, each watched by k others: SUBSCRIBE → first NOTIFY.</summary>
    Subscribe,
    /// <summary>The Skype for Business user model: 40–80 contacts, 4 PUBLISH per user per hour, ~4 KB documents.</summary>
    Steady,
    /// <summary>PUBLISH to users with k = 1, 10, 40, 200 watchers.</summary>
    Fanout,
    /// <summary>
    /// The user model in real time on a store seeded beforehand (<c>seed</c>): N users with k watchers each, every
    /// subscription already in the server's database, so that hundreds of thousands of users need no SUBSCRIBE storm.
    /// </summary>
    Seeded,
}

/// <summary>How the live progress is shown.</summary>
public enum ProgressMode
{
    /// <summary>A live table on a terminal, plain lines when the output is redirected.</summary>
    Auto,
    Live,
    Plain,
    None,
}

/// <summary>
/// Everything a run needs. Every loop the run starts is bounded by <see cref="Duration"/> (and <see cref="Count"/>
/// when set), so a run always ends by itself. Null numbers take the workload's default (see <see cref="Resolve"/>).
/// </summary>
public sealed record LoadOptions
{
    public WorkloadKind Workload { get; init; }

    /// <summary>The server under load; only loopback addresses are accepted (see <see cref="LoopbackTarget"/>).</summary>
    public IPEndPoint Server { get; init; } = new(IPAddress.Loopback, 5060);

    public SipTransportKind Transport { get; init; } = SipTransportKind.Udp;

    /// <summary>Where the first socket is bound; null: 127.0.0.1 (::1 for an IPv6 server).</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>
    /// The port every socket binds, each on its own loopback address; 0: any free port. <c>seed</c> writes the
    /// watchers' addresses into the store, so a seeded run binds the same ones (null resolves to 15070 for seeded
    /// runs, 0 otherwise).
    /// </summary>
    public int? LocalPort { get; init; }

    /// <summary>
    /// Changes sent in the first part of the measured phase are delivered and checked but left out of the latency
    /// figures (JIT compilation, cold caches and the first activations are not the steady state).
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;

    /// <summary><c>seed</c>: the server's SQLite database file to write the users and subscriptions into.</summary>
    public string? StorePath { get; init; }

    /// <summary>
    /// How many consecutive loopback addresses from <see cref="LocalAddress"/> the sockets are spread over; null: one
    /// per socket on IPv4 (distinct clients have distinct addresses, and the server limits each address's rate),
    /// one on IPv6 (only ::1 is loopback). TCP connections come from the kernel's choice (127.0.0.1) whatever this says.
    /// </summary>
    public int? LocalAddresses { get; init; }

    /// <summary>The domain of every simulated user's address of record.</summary>
    public string Domain { get; init; } = "loadgen.test";

    /// <summary>Prefix of every user name, so that runs against one server do not meet; null: random.</summary>
    public string? RunId { get; init; }

    /// <summary>Simulated users sharing one socket (default 100): watchers stay distinct endpoints in bounded sockets.</summary>
    public int UsersPerSocket { get; init; } = 100;

    /// <summary>
    /// Most sockets (or TCP connections) the run opens; null: 512 on UDP, 60 on TCP (the server holds at most 64
    /// connections per address by default, Sip:MaxConnectionsPerAddress).
    /// </summary>
    public int? MaxSockets { get; init; }

    /// <summary>How long the measured phase sends changes (default 30 s; at most 24 h).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most changes the measured phase sends; null: the workload's default (the storms: one per user or subscription).</summary>
    public long? Count { get; init; }

    /// <summary>Open loop: changes started per second, whatever the server's pace.</summary>
    public double? Rate { get; init; }

    /// <summary>Closed loop: changes in flight at once, each awaited to its last NOTIFY.</summary>
    public int? Concurrency { get; init; }

    /// <summary>Open loop: most changes in flight before new ones are counted as skipped (default 20,000).</summary>
    public int MaxInFlight { get; init; } = 20_000;

    /// <summary>
    /// How long the run waits for owed NOTIFYs after its last change (what is still owed then is missing), and how
    /// long a closed-loop worker waits for a change's last NOTIFY before it moves on (default 10 s).
    /// </summary>
    public TimeSpan NotifyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>SUBSCRIBEs in flight while the watchers are set up before the measured phase (default 100).</summary>
    public int SetupConcurrency { get; init; } = 100;

    /// <summary>The longest the setup may take (default 5 minutes); past it the run stops with an error.</summary>
    public TimeSpan SetupTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Simulated users (presentities): register and subscribe storms, steady state.</summary>
    public int? Users { get; init; }

    /// <summary>Watchers per user: register storm (default 1) and subscribe storm (default 10).</summary>
    public int? Watchers { get; init; }

    /// <summary>Fan-out: the watcher counts to compare (default 1, 10, 40, 200).</summary>
    public IReadOnlyList<int> FanoutWatchers { get; init; } = [1, 10, 40, 200];

    /// <summary>Fan-out: presentities with each watcher count (default 4).</summary>
    public int PresentitiesPerGroup { get; init; } = 4;

    /// <summary>Steady state: the size of each user's contact list, drawn uniformly (default 40–80).</summary>
    public int ContactsMin { get; init; } = 40;

    public int ContactsMax { get; init; } = 80;

    /// <summary>Steady state: PUBLISHes per user per hour (default 4, the Skype for Business model).</summary>
    public double PublishesPerHour { get; init; } = 4;

    /// <summary>Steady state: how much faster than real time the model runs (default 60: an hour a minute; seeded 1).</summary>
    public double? Speedup { get; init; }

    /// <summary>Size of each published PIDF document in bytes; null: 4096 for steady state, minimal otherwise.</summary>
    public int? DocumentSize { get; init; }

    /// <summary>The event package watched and published: "presence" (PIDF), or "dialog" (RFC 4235 dialog-info: busy-lamp
    /// fields watching a phone's calls).</summary>
    public string Package { get; init; } = "presence";

    public bool IsDialog => Package == "dialog";

    public int RegisterExpires { get; init; } = 600;

    /// <summary>SUBSCRIBE Expires (600); seeded subscriptions last 7200 s, the server's longest, so that a run fits in them.</summary>
    public int? SubscribeExpires { get; init; }

    public int PublishExpires { get; init; } = 3600;

    /// <summary>Folder for the JSON and Markdown results; null writes none.</summary>
    public string? OutputDirectory { get; init; }

    public ProgressMode Progress { get; init; } = ProgressMode.Auto;

    /// <summary>Seed of the random choices (contact lists, orders), so that a run can be repeated.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>The options with every workload default filled in.</summary>
    public LoadOptions Resolve()
    {
        int users = Users ?? Workload switch
        {
            WorkloadKind.Register => 1000,
            WorkloadKind.Subscribe => 500,
            WorkloadKind.Steady => 300,
            WorkloadKind.Seeded => 1000,
            _ => 0,
        };
        int watchers = Watchers ?? Workload switch
        {
            WorkloadKind.Subscribe => 10,
            WorkloadKind.Seeded => 40,
            _ => 1,
        };
        bool seeded = Workload == WorkloadKind.Seeded;
        double speedup = Speedup ?? (seeded ? 1 : 60);
        bool neither = Rate is null && Concurrency is null;
        return this with
        {
            LocalAddress = LocalAddress ?? (Server.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback),
            MaxSockets = MaxSockets ?? Transport switch { SipTransportKind.Tcp => 60, SipTransportKind.Ws => 2000, _ => 512 },
            LocalPort = LocalPort ?? (seeded ? 15070 : 0),
            Speedup = speedup,
            SubscribeExpires = SubscribeExpires ?? (seeded ? 7200 : 600),
            RunId = RunId ?? Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))[..6],
            Users = users,
            Watchers = watchers,
            DocumentSize = DocumentSize ?? (Workload is WorkloadKind.Steady or WorkloadKind.Seeded ? 4096 : 0),
            // The storms go as fast as a fixed number in flight allows; the steady state keeps the model's pace.
            Rate = neither ? Workload switch
            {
                WorkloadKind.Steady or WorkloadKind.Seeded => users * PublishesPerHour / 3600 * speedup,
                WorkloadKind.Fanout => 20,
                _ => null,
            } : Rate,
            Concurrency = neither && Workload is WorkloadKind.Register or WorkloadKind.Subscribe ? 50 : Concurrency,
        };
    }

    /// <summary>The sockets a run over <paramref name="users"/> simulated users opens.</summary>
    public int Sockets(int users) => Math.Clamp((users + UsersPerSocket - 1) / UsersPerSocket, 1, MaxSockets ?? 1);

    /// <summary>The first problem with the (resolved) options, or null.</summary>
    public string? Validate()
    {
        if (!LoopbackTarget.IsLoopback(Server.Address))
            return LoopbackTarget.Refusal(Server.Address, "--server");
        if (LocalAddress is { } local && !LoopbackTarget.IsLoopback(local))
            return LoopbackTarget.Refusal(local, "--local");
        if (LocalAddress is { } l && l.AddressFamily != Server.Address.AddressFamily)
            return "--local and --server must be of the same address family.";
        if (Transport is SipTransportKind.Tls or SipTransportKind.Wss)
            return "--transport: udp, tcp or ws.";
        if (Rate is not null && Concurrency is not null)
            return "--rate (open loop) and --concurrency (closed loop) exclude each other.";
        if (Rate is <= 0 or > 1_000_000)
            return "--rate must be above 0 and at most 1,000,000 per second.";
        if (Concurrency is <= 0 or > 100_000)
            return "--concurrency must be between 1 and 100,000.";
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromHours(24))
            return "--duration must be above 0 and at most 24 h.";
        if (Count is <= 0)
            return "--count must be at least 1.";
        if (NotifyTimeout <= TimeSpan.Zero || NotifyTimeout > TimeSpan.FromMinutes(10))
            return "--notify-timeout must be above 0 and at most 10 min.";
        if (SetupTimeout <= TimeSpan.Zero || SetupTimeout > TimeSpan.FromHours(1))
            return "--setup-timeout must be above 0 and at most 1 h.";
        if (UsersPerSocket < 1 || MaxSockets is < 1 or > 10_000)
            return "--users-per-socket must be at least 1 and --max-sockets between 1 and 10,000.";
        if (LocalAddresses is < 1 or > 10_000)
            return "--local-addresses must be between 1 and 10,000.";
        if (LocalAddress is { } first
            && LoopbackTarget.Spread(first, (LocalAddresses ?? (first.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 1 : MaxSockets ?? 1)) - 1) is null)
            return $"--local-addresses: {first} and the addresses after it must stay loopback (127.0.0.0/8; on IPv6 only ::1).";
        if (SetupConcurrency < 1 || MaxInFlight < 1)
            return "--setup-concurrency and --max-in-flight must be at least 1.";
        if (string.IsNullOrWhiteSpace(Domain) || Domain.AsSpan().IndexOfAny(" \t\r\n<>@;:\"") >= 0)
            return "--domain must be a plain host name.";
        if (RunId is { } id && (id.Length == 0 || id.Length > 16 || !id.All(char.IsAsciiLetterOrDigit)))
            return "--run-id must be 1 to 16 letters or digits.";
        if (DocumentSize is < 0 or > 60_000)
            return "--doc-size must be between 0 and 60,000 bytes.";
        if (Package is not ("presence" or "dialog"))
            return "--package must be presence or dialog.";
        if (RegisterExpires < 1 || SubscribeExpires < 1 || PublishExpires < 1)
            return "Expires values must be at least 1 s.";
        if (Warmup < TimeSpan.Zero || Warmup >= Duration)
            return "--warmup must be at least 0 and shorter than --duration.";
        if (LocalPort is < 0 or > 65535)
            return "--local-port must be between 0 and 65535.";
        if (LocalPort is > 0 && (Transport != SipTransportKind.Udp || LocalAddress?.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || (LocalAddresses is { } spread && spread < Sockets(Users ?? 0))))
            return "--local-port needs UDP over IPv4 with every socket on its own loopback address (--local-addresses unset).";
        return Workload switch
        {
            WorkloadKind.Register when Users is < 1 or > 1_000_000 => "--users must be between 1 and 1,000,000.",
            WorkloadKind.Register when Watchers is < 0 or > 600 => "--watchers must be between 0 and 600.",
            WorkloadKind.Subscribe when Users is < 2 or > 1_000_000 => "--users must be between 2 and 1,000,000.",
            WorkloadKind.Subscribe when Watchers < 1 || Watchers >= Users =>
                "--watchers must be at least 1 and less than --users (the users watch each other).",
            WorkloadKind.Steady when Users is < 2 or > 100_000 => "--users must be between 2 and 100,000.",
            WorkloadKind.Steady when ContactsMin < 1 || ContactsMax < ContactsMin => "--contacts must be a range like 40-80.",
            WorkloadKind.Steady when PublishesPerHour <= 0 || Speedup <= 0 => "--publish-per-hour and --speedup must be above 0.",
            WorkloadKind.Seeded when Users is < 2 or > 2_000_000 => "--users must be between 2 and 2,000,000.",
            WorkloadKind.Seeded when Watchers < 1 || Watchers >= Users || Watchers > 600 =>
                "--watchers must be at least 1, less than --users and at most 600 (the server's limit per user).",
            WorkloadKind.Seeded when PublishesPerHour <= 0 || Speedup <= 0 => "--publish-per-hour and --speedup must be above 0.",
            WorkloadKind.Seeded when LocalPort is not > 0 => "--local-port must be fixed for a seeded run (the store names the watchers' addresses).",
            WorkloadKind.Fanout when FanoutWatchers.Count == 0 || FanoutWatchers.Any(k => k is < 1 or > 10_000) =>
                "--watchers must list counts between 1 and 10,000, like 1,10,40,200.",
            WorkloadKind.Fanout when PresentitiesPerGroup is < 1 or > 10_000 => "--presentities must be between 1 and 10,000.",
            _ => null,
        };
    }
}
