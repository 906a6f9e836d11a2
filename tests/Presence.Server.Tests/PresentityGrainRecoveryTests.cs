using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Presence.Cluster.Storage;
using Presence.Core;
using Presence.Core.Model;
using Presence.Core.Persistence;
using Presence.Core.Presentity;
using Presence.Server.Presence;
using Presence.Server.Sip;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Server.Tests;

/// <summary>
/// A user's grain on the real SQLite store and a real UDP watcher: a change whose write became durable while its
/// NOTIFY never left (the process died in between; here, its SIP transport never started) still reaches the
/// watcher, from the user's next activation.
/// </summary>
public sealed class PresentityGrainRecoveryTests : IAsyncLifetime
{
    private const string Aor = "sip:alice@example.com";

    private readonly string _directory = Directory.CreateTempSubdirectory("presence-grain-").FullName;
    private readonly SipOptions _sip = new() { ListenAddress = "127.0.0.1", UdpPort = ServerProcess.FreePort("127.0.0.1"), TcpPort = 0, TlsPort = 0 };
    private readonly List<SipEndpointService> _endpoints = [];
    private SqliteGrainStore _store = null!;
    private GroupCommitter _committer = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteGrainStore(Path.Combine(_directory, "presence.db"), NullLogger<SqliteGrainStore>.Instance);
        await _store.InitializeAsync(CancellationToken.None);
        _committer = new GroupCommitter(_store);
    }

    public async Task DisposeAsync()
    {
        foreach (var endpoint in _endpoints)
            await endpoint.DisposeAsync();
        await _committer.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_change_whose_notify_never_left_is_sent_by_the_next_activation_and_only_by_that_one()
    {
        await using var watcher = new CapturingSipClient();
        // The working transport binds its port at once, so that no other test's server takes it meanwhile.
        var up = new PresentityGrainFactory(Services(await EndpointAsync(start: true)));
        var down = new PresentityGrainFactory(Services(await EndpointAsync(start: false)));
        var crashed = await down.ActivateAsync(Aor, CancellationToken.None);
        await DurablyAsync(crashed, (p, now) => p.Subscribe(new SubscribeRequest(
            "call-1", "w1", null, "sip:bob@example.com", "sip:bob@example.com", $"sip:bob@127.0.0.1:{watcher.Port}",
            [], null, 3600, AcceptsDocument: true, Flow: null), now));
        await DurablyAsync(crashed, (p, now) => p.SetSettings(new UserSettings(true, "Gone fishing", [], null), now));
        Assert.True(await HasMarkerAsync(), "the change's write says its NOTIFYs may not have left");

        // The process is gone; the next one activates the user from the store, with a transport that works.
        var next = await up.ActivateAsync(Aor, CancellationToken.None);
        var received = await watcher.CollectAsync(TimeSpan.FromSeconds(10), messages => messages.Any(IsNotify));
        var notify = Assert.Single(received.Select(r => SipParser.Parse(r).Message!), IsNotify);
        Assert.Equal("Gone fishing", TestUserAgent.NoteOf(notify));
        Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(notify));
        Assert.Equal("call-1", notify.CallId);
        Assert.StartsWith("active;expires=", notify.GetFirst(HeaderId.SubscriptionState), StringComparison.Ordinal);
        // Above every CSeq the crashed process may have used (it had numbered 1 and 2).
        Assert.True(notify.CSeq > 2, $"CSeq {notify.CSeq}");

        // Once handed to the transport, the reminder's turn clears the marker, and a later activation sends nothing.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await HasMarkerAsync())
        {
            Assert.True(DateTime.UtcNow < deadline, "the marker was never cleared");
            await next.OnDueAsync(DateTimeOffset.UtcNow, CancellationToken.None);
            await Task.Delay(20);
        }
        watcher.Clear();
        await up.ActivateAsync(Aor, CancellationToken.None);
        var after = await watcher.CollectAsync(TimeSpan.FromSeconds(1), messages => messages.Any(IsNotify));
        Assert.DoesNotContain(after.Select(r => SipParser.Parse(r).Message), m => m is not null && IsNotify(m));
    }

    private static bool IsNotify(SipMessage message) => message.Method == SipMethods.Notify;

    private static async Task DurablyAsync(PresentityGrain grain, Func<Presentity, DateTimeOffset, PresenceOutcome?> action)
    {
        var turn = await grain.RunAsync(action);
        Assert.True(await turn.Durable);
        Assert.Equal(200, turn.Outcome!.StatusCode);
    }

    private async Task<bool> HasMarkerAsync()
    {
        var snapshot = await _store.ReadAsync(PresentityGrain.GrainType, Aor, CancellationToken.None);
        return snapshot!.Items.Any(i => i.Kind == PresentityItems.UnsentKind);
    }

    private async Task<SipEndpointService> EndpointAsync(bool start)
    {
        var endpoint = new SipEndpointService(
            Options.Create(_sip), new SipRequestDispatcher(new SipCapabilities(), [], NullLogger<SipRequestDispatcher>.Instance),
            NullLogger<SipEndpointService>.Instance, TimeProvider.System);
        _endpoints.Add(endpoint);
        if (start)
            await endpoint.StartAsync(CancellationToken.None);
        return endpoint;
    }

    private PresenceGrainServices Services(SipEndpointService endpoint)
    {
        var provider = new ServiceCollection().AddSingleton(endpoint).BuildServiceProvider();
        var notifier = new NotifySender(provider, new LocalIdentity(Options.Create(_sip)), NullLogger<NotifySender>.Instance);
        return new PresenceGrainServices(
            _store, _committer, notifier, new PresenceChangeFeed(), PresenceOptions.Default, TimeProvider.System,
            NullLogger<PresentityGrain>.Instance);
    }
}
