using System.Net;
using System.Net.Sockets;
using Presence.Sip.Transactions;

namespace Presence.LoadGen.Sip;

/// <summary>
/// The run's sockets: one per <see cref="LoadOptions.UsersPerSocket"/> simulated users, never more than
/// <see cref="LoadOptions.MaxSockets"/>, each on its own loopback address where it can. Users are dealt out in turn, so
/// the watchers of one presentity (created one after the other) land on different sockets and the server sees them
/// as distinct endpoints, and as distinct sources for its per-address rate limit.
/// </summary>
internal sealed class EndpointPool : IAsyncDisposable
{
    private readonly List<LoadEndpoint> _endpoints;

    private EndpointPool(List<LoadEndpoint> endpoints) => _endpoints = endpoints;

    public IReadOnlyList<LoadEndpoint> Endpoints => _endpoints;

    public static int SocketsFor(LoadOptions options, int users) => options.Sockets(users);

    /// <summary>
    /// Where each of the run's sockets binds: socket i on the i-th loopback address of the spread (see
    /// <see cref="LoadOptions.LocalAddresses"/>), at <see cref="LoadOptions.LocalPort"/> (0: any free port). A seeded
    /// store is written from the same layout the seeded run then binds.
    /// </summary>
    public static IReadOnlyList<IPEndPoint> Layout(LoadOptions options, int users)
    {
        int count = SocketsFor(options, users);
        IPAddress first = options.LocalAddress!;
        int addresses = options.LocalAddresses ?? (first.AddressFamily == AddressFamily.InterNetworkV6 ? 1 : count);
        var layout = new IPEndPoint[count];
        for (int i = 0; i < count; i++)
        {
            IPAddress local = LoopbackTarget.Spread(first, i % addresses)
                ?? throw new ArgumentException($"--local-addresses: address {i % addresses} after {first} is not loopback.");
            layout[i] = new IPEndPoint(local, options.LocalPort ?? 0);
        }
        return layout;
    }

    /// <summary>Opens the sockets of the <see cref="Layout"/>.</summary>
    public static async Task<EndpointPool> OpenAsync(LoadOptions options, int users, INotifySink sink)
    {
        IReadOnlyList<IPEndPoint> layout = Layout(options, users);
        var endpoints = new List<LoadEndpoint>(layout.Count);
        try
        {
            foreach (IPEndPoint local in layout)
                endpoints.Add(await LoadEndpoint.OpenAsync(options.Transport, local, options.Server, sink).ConfigureAwait(false));
        }
        catch
        {
            foreach (var e in endpoints)
                await e.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new EndpointPool(endpoints);
    }

    public LoadEndpoint For(int userIndex) => _endpoints[userIndex % _endpoints.Count];

    /// <summary>The transaction counters summed over every socket.</summary>
    public (long RequestRetransmissions, long NotifyRetransmissions, long StrayResponses, long ParseErrors, long TransportErrors) Totals()
    {
        long sent = 0, absorbed = 0, stray = 0, parse = 0, transport = 0;
        foreach (var e in _endpoints)
        {
            SipTransactionCounters c = e.Counters;
            sent += c.RequestRetransmissionsSent;
            absorbed += c.RetransmissionsAbsorbed;
            stray += c.StrayResponses;
            parse += c.ParseErrors;
            transport += e.TransportErrors;
        }
        return (sent, absorbed, stray, parse, transport);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var e in _endpoints)
            await e.DisposeAsync().ConfigureAwait(false);
    }
}
