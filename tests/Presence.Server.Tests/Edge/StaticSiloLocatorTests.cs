using System.Net;
using Presence.Server.Cluster;
using Presence.Server.Edge;
using Presence.Sip.Transport;

namespace Presence.Server.Tests.Edge;

public sealed class StaticSiloLocatorTests
{
    private static SipDestination Silo(int i) => new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Parse($"10.0.0.{i}"), 5060));

    [Fact]
    public void No_silo_is_unavailable_with_the_configured_retry()
    {
        var route = new StaticSiloLocator([], retryAfterSeconds: 7).Locate("sip:alice@example.com");
        Assert.Equal(SiloRouteKind.Unavailable, route.Kind);
        Assert.Equal(7, route.RetryAfterSeconds);
    }

    [Fact]
    public void Every_edge_with_the_same_silos_sends_a_user_to_the_same_silo_whatever_the_order()
    {
        var one = new StaticSiloLocator([Silo(1), Silo(2), Silo(3)]);
        var other = new StaticSiloLocator([Silo(3), Silo(1), Silo(2)]);
        var used = new HashSet<SipDestination>();
        for (int i = 0; i < 300; i++)
        {
            string aor = $"sip:user{i}@example.com";
            var route = one.Locate(aor);
            Assert.Equal(SiloRouteKind.Remote, route.Kind);
            Assert.Equal(route, other.Locate(aor));
            used.Add(route.Destination);
        }
        Assert.Equal(3, used.Count);
    }

    [Fact]
    public void Users_of_the_silo_this_process_is_are_local()
    {
        var locator = new StaticSiloLocator([Silo(1), Silo(2)], self: Silo(2));
        var kinds = Enumerable.Range(0, 200).Select(i => locator.Locate($"sip:user{i}@example.com").Kind).ToList();
        Assert.Contains(SiloRouteKind.Local, kinds);
        Assert.Contains(SiloRouteKind.Remote, kinds);
        Assert.DoesNotContain(SiloRouteKind.Unavailable, kinds);
    }
}
