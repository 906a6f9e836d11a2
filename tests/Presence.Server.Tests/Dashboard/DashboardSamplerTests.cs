using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Server.Dashboard;
using Presence.Server.Presence;
using Presence.Server.Telemetry;

namespace Presence.Server.Tests.Dashboard;

/// <summary>The dashboard's figures without a server: totals read from collected families, rates between samples, the latest changes.</summary>
public sealed class DashboardSamplerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Totals_add_up_the_requests_by_method_and_count_5xx_6xx_notify_failures_parse_errors_and_failed_batches_as_errors()
    {
        var totals = DashboardTotals.From(Families(publish2xx: 10, publish5xx: 2, register6xx: 1, notifySent: 7, notifyFailed: 3, parseErrors: 4, users: 5));

        Assert.Equal(13, totals.Requests);
        Assert.Equal(12, totals.RequestsByMethod["PUBLISH"]);
        Assert.Equal(1, totals.RequestsByMethod["REGISTER"]);
        Assert.Equal(3, totals.ServerErrors);
        Assert.Equal(3 + 3 + 4 + 1, totals.Errors);
        Assert.Equal(9, totals.RateLimited); // refused and dropped together
        Assert.Equal(10, totals.ResponsesByClass["2xx"]);
        Assert.Equal(5, totals.UsersActive);
        Assert.Equal(6, totals.Subscriptions);

        // A process without some part (an edge has no NOTIFYs) simply has zeros.
        var empty = DashboardTotals.From([]);
        Assert.Equal(0, empty.Requests);
        Assert.Empty(empty.RequestsByMethod);
    }

    [Fact]
    public void Rates_come_from_two_samples_at_most_one_per_interval_and_a_long_gap_leaves_a_hole_not_an_average()
    {
        var clock = new SteppedClock();
        int publishes = 0, collections = 0;
        var sampler = new DashboardSampler(() => { collections++; return Families(publish2xx: publishes); }, clock);

        var first = sampler.Read();
        Assert.Empty(first.Rates);

        publishes = 20;
        clock.Now += TimeSpan.FromMilliseconds(500);
        Assert.Same(first, sampler.Read()); // too soon: the same reading, nothing collected
        Assert.Equal(1, collections);

        clock.Now += TimeSpan.FromMilliseconds(1500);
        var second = sampler.Read();
        var point = Assert.Single(second.Rates);
        Assert.Equal(10, point.Requests); // 20 in 2 s
        Assert.Equal(10, point.ByMethod["PUBLISH"]);
        Assert.Equal(clock.Now.ToUnixTimeMilliseconds(), point.T);

        publishes = 1000;
        clock.Now += TimeSpan.FromSeconds(60);
        Assert.Single(sampler.Read().Rates); // a minute nobody watched gives no point

        publishes = 1005;
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Equal(5, sampler.Read().Rates[^1].Requests);

        // Points older than the window go.
        clock.Now += DashboardSampler.Window + TimeSpan.FromSeconds(1);
        publishes = 1006;
        Assert.Empty(sampler.Read().Rates);
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Single(sampler.Read().Rates);
    }

    [Fact]
    public void A_counter_that_went_down_is_no_rate_rather_than_a_negative_one()
    {
        var before = DashboardTotals.From(Families(publish2xx: 50));
        var after = DashboardTotals.From(Families(publish2xx: 10));
        var point = RatePoint.Between(before, after, 1, Start);
        Assert.Equal(0, point.Requests);
        Assert.Empty(point.ByMethod);
    }

    [Fact]
    public void The_latest_changes_keep_the_newest_first_and_forget_the_oldest_past_their_capacity()
    {
        var recent = new RecentChanges(capacity: 3);
        Assert.Empty(recent.Latest());
        for (int i = 1; i <= 5; i++)
            recent.Add($"sip:u{i}@example.com", new HistoryEntry(Start.AddSeconds(i), ExtendedStatus.DoNotDisturb, $"note {i}", "publish"));

        Assert.Equal(["sip:u5@example.com", "sip:u4@example.com", "sip:u3@example.com"], recent.Latest().Select(c => c.Aor));
        Assert.Equal(["sip:u5@example.com"], recent.Latest(1).Select(c => c.Aor));
        Assert.Equal("note 4", recent.Latest()[1].Entry.Note);

        // The feed keeps what the grains of its silo report, whether or not anyone listens to that user.
        var feed = new PresenceChangeFeed(null!, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<PresenceChangeFeed>.Instance);
        feed.Changed("sip:alice@example.com", new HistoryEntry(Start, ExtendedStatus.Available, null, "register"));
        Assert.Equal("sip:alice@example.com", Assert.Single(feed.Recent.Latest()).Aor);
    }

    private static List<MetricFamily> Families(
        long publish2xx = 0, long publish5xx = 0, long register6xx = 0, long notifySent = 0, long notifyFailed = 0, long parseErrors = 0, long users = 0)
    {
        static MetricPoint Point(double value, params (string Key, string Value)[] labels) =>
            new(labels.Select(l => new KeyValuePair<string, string>(l.Key, l.Value)).ToList(), value);
        const string Method = PresenceTelemetry.Attributes.SipMethod, Class = PresenceTelemetry.Attributes.StatusClass;
        return
        [
            new("sip.server.requests", "{request}", null, MetricKind.Counter,
            [
                Point(publish2xx, (Method, "PUBLISH"), (Class, "2xx")),
                Point(publish5xx, (Method, "PUBLISH"), (Class, "5xx")),
                Point(register6xx, (Method, "REGISTER"), (Class, "6xx")),
            ]),
            new("sip.server.responses", "{response}", null, MetricKind.Counter, [Point(publish2xx, (Class, "2xx"))]),
            new("presence.notify.sent", "{notify}", null, MetricKind.Counter, [Point(notifySent)]),
            new("presence.notify.failed", "{notify}", null, MetricKind.Counter, [Point(notifyFailed)]),
            new("sip.server.parse_errors", "{message}", null, MetricKind.Counter, [Point(parseErrors)]),
            new("sip.server.rate_limited", "{message}", null, MetricKind.Counter,
                [Point(4, (PresenceTelemetry.Attributes.RateLimitAction, "refused")), Point(5, (PresenceTelemetry.Attributes.RateLimitAction, "dropped"))]),
            new("presence.store.failed_batches", "{batch}", null, MetricKind.Counter, [Point(1)]),
            new("presence.users.active", "{user}", null, MetricKind.Gauge, [Point(users)]),
            new("presence.subscriptions", "{subscription}", null, MetricKind.Gauge, [Point(6)]),
            new("presence.registrations", "{contact}", null, MetricKind.Gauge, [Point(2)]),
        ];
    }

    /// <summary>A clock that moves only when the test sets it; its monotonic timestamp is the same clock.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = Start;

        public override DateTimeOffset GetUtcNow() => Now;

        public override long GetTimestamp() => Now.UtcTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }
}
