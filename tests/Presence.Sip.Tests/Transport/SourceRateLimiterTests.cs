using System.Net;
using Presence.Sip.Transport;

namespace Presence.Sip.Tests.Transport;

/// <summary>The token bucket per source, on a fake clock.</summary>
public sealed class SourceRateLimiterTests : IDisposable
{
    private static readonly IPAddress Flooder = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress Neighbour = IPAddress.Parse("192.0.2.2");

    private readonly FakeTimeProvider _clock = new();
    private readonly List<SourceRateLimiter> _limiters = [];

    private SourceRateLimiter Limiter(double rate = 10, int burst = 20, int maxSources = 1000, params string[] exempt)
    {
        var limiter = new SourceRateLimiter(
            new SourceRateLimiterOptions
            {
                RequestsPerSecond = rate,
                Burst = burst,
                MaxTrackedSources = maxSources,
                Exempt = exempt.Select(IPNetwork.Parse).ToList(),
            },
            _clock);
        _limiters.Add(limiter);
        return limiter;
    }

    private static (int Admitted, int Refused, int Dropped) Send(SourceRateLimiter limiter, IPAddress source, int count, bool responses = false)
    {
        int admitted = 0, refused = 0, dropped = 0;
        for (int i = 0; i < count; i++)
        {
            switch (limiter.Admit(source, responses))
            {
                case SourceAdmission.Admit: admitted++; break;
                case SourceAdmission.Refuse: refused++; break;
                default: dropped++; break;
            }
        }
        return (admitted, refused, dropped);
    }

    [Fact]
    public void A_trusted_source_is_never_limited_and_the_trust_is_asked_each_time()
    {
        var limiter = Limiter(rate: 10, burst: 20);
        var trusted = true;
        limiter.IsTrusted = address => trusted && address.Equals(Flooder);

        Assert.Equal((500, 0, 0), Send(limiter, Flooder, 500));
        Assert.Equal(20, Send(limiter, Neighbour, 500).Admitted);
        // A member that left the cluster is a source like any other again.
        trusted = false;
        Assert.Equal(20, Send(limiter, Flooder, 500).Admitted);
    }

    [Fact]
    public void A_burst_is_admitted_then_as_many_refused_then_the_rest_dropped()
    {
        var limiter = Limiter(rate: 10, burst: 20);

        Assert.Equal((20, 20, 60), Send(limiter, Flooder, 100));
        Assert.Equal(20, limiter.Refused);
        Assert.Equal(60, limiter.Dropped);
    }

    [Fact]
    public void The_budget_refills_at_the_rate()
    {
        var limiter = Limiter(rate: 10, burst: 20);
        Send(limiter, Flooder, 100);

        _clock.Advance(TimeSpan.FromMilliseconds(500));

        // Half a second at 10/s: five requests, and five refusals.
        Assert.Equal((5, 5, 10), Send(limiter, Flooder, 20));
    }

    [Fact]
    public void A_flood_from_one_source_costs_only_that_source()
    {
        var limiter = Limiter(rate: 10, burst: 20);
        Send(limiter, Flooder, 1000);

        Assert.Equal((20, 0, 0), Send(limiter, Neighbour, 20));
    }

    [Fact]
    public void Responses_have_their_own_budget_and_are_never_refused()
    {
        var limiter = Limiter(rate: 10, burst: 20);
        Send(limiter, Flooder, 1000);

        // The flooder's answers to our NOTIFYs still get through: its subscriptions survive its flood.
        Assert.Equal((20, 0, 0), Send(limiter, Flooder, 20, responses: true));
        Assert.Equal((0, 0, 5), Send(limiter, Flooder, 5, responses: true));
    }

    [Fact]
    public void Ipv6_sources_are_limited_by_their_64_bit_prefix()
    {
        var limiter = Limiter(rate: 10, burst: 20);
        Send(limiter, IPAddress.Parse("2001:db8:1:2::1"), 40);

        Assert.Equal(SourceAdmission.Drop, limiter.Admit(IPAddress.Parse("2001:db8:1:2:ffff::9"), isResponse: false));
        Assert.Equal(SourceAdmission.Admit, limiter.Admit(IPAddress.Parse("2001:db8:1:3::1"), isResponse: false));
    }

    [Fact]
    public void An_ipv4_mapped_address_is_the_ipv4_address()
    {
        var limiter = Limiter(rate: 10, burst: 20);
        Send(limiter, Flooder, 40);

        Assert.Equal(SourceAdmission.Drop, limiter.Admit(Flooder.MapToIPv6(), isResponse: false));
        Assert.Equal(SourceKey.From(Flooder), SourceKey.From(Flooder.MapToIPv6()));
        Assert.NotEqual(SourceKey.From(IPAddress.Parse("::ffff:0:0")), SourceKey.From(IPAddress.Parse("::")));
    }

    [Fact]
    public void Exempt_networks_are_never_limited()
    {
        var limiter = Limiter(10, 20, 1000, "192.0.2.0/24", "2001:db8::/32");

        Assert.Equal((1000, 0, 0), Send(limiter, Flooder, 1000));
        Assert.Equal((1000, 0, 0), Send(limiter, IPAddress.Parse("2001:db8::5"), 1000));
        Assert.Equal(0, limiter.TrackedSources);
        Assert.Equal((20, 20, 10), Send(limiter, IPAddress.Parse("198.51.100.1"), 50));
    }

    [Fact]
    public void Past_the_table_cap_new_sources_share_one_bucket()
    {
        var limiter = Limiter(rate: 10, burst: 20, maxSources: 2);
        Send(limiter, IPAddress.Parse("198.51.100.1"), 1);
        Send(limiter, IPAddress.Parse("198.51.100.2"), 1);

        var first = Send(limiter, IPAddress.Parse("198.51.100.3"), 15);
        var second = Send(limiter, IPAddress.Parse("198.51.100.4"), 15);

        Assert.Equal(2, limiter.TrackedSources);
        Assert.Equal(30, limiter.Overflowed);
        Assert.Equal(20, first.Admitted + second.Admitted);
    }

    [Fact]
    public void Idle_buckets_are_swept_and_a_full_table_makes_room()
    {
        var limiter = Limiter(rate: 10, burst: 20, maxSources: 2);
        Send(limiter, IPAddress.Parse("198.51.100.1"), 1);
        Send(limiter, IPAddress.Parse("198.51.100.2"), 1);

        // Two seconds at 10/s refill a burst of 20: both buckets are as good as new and the sweep forgets them.
        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(0, limiter.TrackedSources);
        Send(limiter, IPAddress.Parse("198.51.100.1"), 1);
        Send(limiter, IPAddress.Parse("198.51.100.2"), 1);
        _clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((20, 0, 0), Send(limiter, IPAddress.Parse("198.51.100.3"), 20));
        Assert.Equal(0, limiter.Overflowed);
    }

    [Fact]
    public void A_source_is_reported_once_per_episode()
    {
        var limiter = Limiter(rate: 10, burst: 20);
        var reported = new List<IPAddress>();
        limiter.OnLimited = reported.Add;

        Send(limiter, Flooder, 100);
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Send(limiter, Flooder, 100);
        Assert.Equal([Flooder], reported);

        _clock.Advance(TimeSpan.FromSeconds(10));
        Send(limiter, Flooder, 100);
        Assert.Equal([Flooder, Flooder], reported);
    }

    [Theory]
    [InlineData(200, 1)]
    [InlineData(0.25, 4)]
    public void Retry_after_is_when_one_request_is_paid_for_again(double rate, int seconds)
    {
        var limiter = Limiter(rate: rate, burst: 1);
        Assert.Equal(seconds, limiter.RetryAfterSeconds);
        Assert.True(limiter.TryAdmit(Flooder, "OPTIONS sip:a@b SIP/2.0\r\n"u8, out int first));
        Assert.Equal(0, first);
        Assert.True(limiter.TryAdmit(Flooder, "OPTIONS sip:a@b SIP/2.0\r\n"u8, out int second));
        Assert.Equal(seconds, second);
        Assert.False(limiter.TryAdmit(Flooder, "OPTIONS sip:a@b SIP/2.0\r\n"u8, out _));
    }

    [Theory]
    [InlineData("SIP/2.0 200 OK\r\n", true)]
    [InlineData("\r\n\r\nSIP/2.0 200 OK\r\n", true)]
    [InlineData("NOTIFY sip:a@b SIP/2.0\r\n", false)]
    [InlineData("\r\n", false)]
    [InlineData("SIP", false)]
    [InlineData("", false)]
    public void Responses_are_told_from_requests_by_their_first_bytes(string start, bool response)
    {
        Assert.Equal(response, SourceRateLimiter.LooksLikeResponse(System.Text.Encoding.ASCII.GetBytes(start)));
    }

    public void Dispose() => _limiters.ForEach(l => l.Dispose());
}
