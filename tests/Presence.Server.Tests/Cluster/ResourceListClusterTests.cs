using System.Diagnostics;
using System.Net.Http.Json;
using Presence.Grains.Tests.Storage;
using Presence.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Cluster;

/// <summary>
/// A resource list whose members live on both silos of a cluster, subscribed to through an edge with authentication
/// on; the silo of the list's owner is killed and the list goes on from the survivor.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ResourceListClusterTests(PostgresServer postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task A_list_whose_members_live_on_two_silos_goes_on_after_its_owners_silo_is_killed()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"));
        await cluster.StartEdgeAsync("edge1");
        await cluster.WaitForMembersAsync();
        string[] members = [.. Enumerable.Range(1, 8).Select(i => $"member{i}")];
        await cluster.ProvisionAsync(["alice", .. members]);
        using (var api = cluster.AnySilo.CreateApiClient())
        {
            var put = await api.PutAsJsonAsync("/api/users/alice@example.com/lists/team",
                new { entries = members.Select(m => new { uri = $"{m}@example.com" }) });
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }
        var homes = new Dictionary<string, string>();
        // Activated from each silo in turn, the members are placed on both (as the cluster tests spread users).
        for (int i = 0; i < members.Length; i++)
            homes[members[i]] = await cluster.SiloOfAsync($"sip:{members[i]}@example.com", cluster.Silos.Values.ElementAt(i % 2));
        Assert.Equal(["silo1", "silo2"], homes.Values.Distinct().Order());

        await using var alice = cluster.UserAgent("alice", "edge1");
        Assert.Equal(200, (await alice.SubscribeListAsync("sip:alice+team@example.com", expires: 3600)).StatusCode);
        var first = ListNotification.Parse(await alice.NextNotifyAsync());
        Assert.True(first.FullState);
        Assert.Equal(8, first.Resources.Count);
        Assert.All(first.Resources, r => Assert.Equal(("active", "unreachable"), (r.State, r.Extended)));

        var agents = members.Select(m => cluster.UserAgent(m, "edge1")).ToList();
        try
        {
            // Members on both silos come online: Alice hears each of them.
            foreach (var a in agents.Take(4))
                Assert.Equal(200, (await a.RegisterAsync(expires: 3600)).StatusCode);
            await UntilAvailableAsync(alice, members.Take(4), TimeSpan.FromSeconds(10));

            string ownerHome = await cluster.SiloOfAsync("sip:alice@example.com");
            var killed = Stopwatch.StartNew();
            await cluster.KillAsync(ownerHome);

            // Members (some of them on the dead silo) come online after the kill: the list, served again by the
            // survivor, tells Alice in the same dialog with a higher version.
            foreach (var a in agents.Skip(4))
            {
                while (true)
                {
                    try
                    {
                        if ((await a.RegisterAsync(expires: 3600)).StatusCode == 200)
                            break;
                    }
                    catch (TimeoutException)
                    {
                    }
                    Assert.True(killed.Elapsed < TimeSpan.FromSeconds(30), "the members were not served again");
                    await Task.Delay(50);
                }
            }
            long version = await UntilAvailableAsync(alice, members.Skip(4), TimeSpan.FromSeconds(30));
            output.WriteLine($"SIGKILL of {ownerHome} (Alice's list) -> the last member's change heard {killed.ElapsedMilliseconds} ms later, version {version}");
            Assert.True(version > first.Version);
            Assert.NotEqual(ownerHome, await cluster.SiloOfAsync("sip:alice@example.com"));
        }
        finally
        {
            foreach (var a in agents)
                await a.DisposeAsync();
        }
    }

    // Reads list NOTIFYs until every one of the members has been seen available; the last version read.
    private static async Task<long> UntilAvailableAsync(TestUserAgent watcher, IEnumerable<string> members, TimeSpan within)
    {
        var waiting = members.Select(m => $"sip:{m}@example.com").ToHashSet();
        var deadline = Stopwatch.StartNew();
        long version = 0;
        while (waiting.Count > 0)
        {
            var left = within - deadline.Elapsed;
            Assert.True(left > TimeSpan.Zero, "not heard: " + string.Join(", ", waiting));
            var notify = ListNotification.Parse(await watcher.NextNotifyAsync(left));
            Assert.True(notify.Version > version, $"version {notify.Version} after {version}");
            version = notify.Version;
            foreach (var r in notify.Resources)
            {
                if (r.Extended == "available")
                    waiting.Remove(r.Uri);
            }
        }
        return version;
    }
}
