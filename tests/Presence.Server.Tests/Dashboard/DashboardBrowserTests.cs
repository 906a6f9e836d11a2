using System.Diagnostics;
using System.Globalization;
using OpenQA.Selenium;
using Presence.Grains.Tests.Storage;
using Presence.Server.Tests.Cluster;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Dashboard;

/// <summary>
/// The browser tests run alone, after the others: chromium on top of a running suite would take the CPU that the
/// timing-bound cluster tests count on. The cluster one needs the throwaway PostgreSQL.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "Browser";
}

/// <summary>
/// The dashboard as a person sees it: Debian's chromium, headless, on the real server's /dashboard. It asks for the
/// token, shows the member, follows a user's presence live while the user publishes over SIP, lists the change, and
/// charts the traffic; a screenshot of the result goes under the test output directory (screenshots/).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    private const string Pidf = "application/pidf+xml";
    private const string Note = "In a meeting until 3";

    internal static string Open(string aor) =>
        "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\"" + $" entity=\"{aor}\"><tuple id=\"t\"><status><basic>open</basic></status></tuple></presence>";

    [Fact]
    public async Task The_dashboard_asks_for_the_token_shows_the_member_and_follows_a_users_presence_live()
    {
        using var browser = HeadlessChromium.Start();
        await using var server = await ServerProcess.StartAsync(auth: false);
        var page = browser.Driver;

        page.Navigate().GoToUrl(new Uri(server.HttpBase!, "/dashboard"));
        await browser.UntilAsync(() => page.FindElement(By.Id("token")).Displayed, "the token form");
        page.FindElement(By.Id("token")).SendKeys(ServerProcess.ApiToken);
        page.FindElement(By.Id("token-submit")).Click();

        // The member: this process, active, with its users.
        await browser.UntilAsync(
            () => browser.Texts("#members tbody tr[data-silo]") is [var row] && row.Contains("this member", StringComparison.Ordinal)
                && row.Contains("active", StringComparison.Ordinal),
            "the member's row");
        Assert.Equal("single process", browser.Text("#cluster"));

        // Alice registers and Bob watches her, so her changes make NOTIFYs.
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");
        // Her softphone says what it can do (RFC 3840 feature tags), which her view lists per device.
        Assert.Equal(200, (await alice.SendAsync("REGISTER", "sip:example.com", alice.Aor, alice.Aor,
            $"Contact: <{alice.Contact}>;audio;video;methods=\"INVITE,ACK,BYE,CANCEL,MESSAGE\"\r\nExpires: 600\r\n")).StatusCode);
        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor)).StatusCode);
        // Her calendar is fetched from a source nobody answers at: her view says the source is failing.
        using (var api = server.CreateApiClient())
        {
            int closed = ServerProcess.FreePort("127.0.0.1");
            Assert.True((await System.Net.Http.Json.HttpClientJsonExtensions.PutAsJsonAsync(api, "/api/users/alice@example.com/calendar/source",
                new { url = $"http://127.0.0.1:{closed}/alice.ics" })).IsSuccessStatusCode);
            for (int i = 0; !(await api.GetStringAsync("/api/users/alice@example.com/calendar")).Contains("\"failures\":1", StringComparison.Ordinal); i++)
            {
                Assert.True(i < 100, "the failed fetch was never recorded");
                await Task.Delay(100);
            }
        }

        page.FindElement(By.Id("lookup")).SendKeys("alice@example.com");
        page.FindElement(By.Id("lookup-submit")).Click();
        await browser.UntilAsync(
            () => browser.Text("#presence-status") == "available" && browser.Text("#presence-contacts").Contains(alice.Contact, StringComparison.Ordinal),
            "Alice available with her registered contact");
        Assert.StartsWith($"{alice.Contact}: audio, video, message", browser.Text("#presence-devices"), StringComparison.Ordinal);
        Assert.Contains("source FAILING (1x)", browser.Text("#presence-calendar"), StringComparison.Ordinal);
        await browser.UntilAsync(() => browser.Text("#presence-live-text") == "live", "the live stream");
        // Marks this page load: if the page reloaded to show a change, the mark would be gone.
        page.ExecuteScript("window.presenceTestMark = 42;");

        // A few seconds of traffic: Alice publishes open, then DND, in one publication, and Bob is notified each time.
        var published = await alice.PublishAsync(Pidf, Open(alice.Aor));
        Assert.Equal(200, published.StatusCode);
        string etag = published.GetFirst(HeaderId.SipETag)!;
        double peakRequests = 0;
        for (int i = 0; i < 20; i++)
        {
            var answer = await alice.PublishAsync(Pidf, i % 2 == 0 ? ClusterTests.Document(alice.Aor, $"Back in {20 - i} minutes") : Open(alice.Aor), etag: etag);
            Assert.Equal(200, answer.StatusCode);
            etag = answer.GetFirst(HeaderId.SipETag)!;
            await Task.Delay(300);
            peakRequests = Math.Max(peakRequests, ChartValue(browser, "chart-requests"));
        }
        await Task.Delay(1200);
        peakRequests = Math.Max(peakRequests, ChartValue(browser, "chart-requests"));

        // The change that matters, timed from the 200 to the page showing it.
        var clock = Stopwatch.StartNew();
        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, Note), etag: etag)).StatusCode);
        await browser.UntilAsync(
            () => browser.Text("#presence-status") == "donotdisturb" && browser.Text("#presence-note") == Note,
            "Alice's do-not-disturb with its note, live", TimeSpan.FromSeconds(10));
        output.WriteLine($"PUBLISH 200 -> shown on the page: {clock.ElapsedMilliseconds} ms; peak requests/s shown: {peakRequests}");
        Assert.Equal(42L, page.ExecuteScript("return window.presenceTestMark;"));
        Assert.Equal("closed", browser.Text("#presence-basic"));
        Assert.Contains(alice.Contact, browser.Text("#presence-contacts"), StringComparison.Ordinal);
        Assert.Equal("1", browser.Text("#presence-watchers"));

        // The latest changes, newest first, with the note.
        await browser.UntilAsync(
            () => browser.Texts("#changes tbody tr") is [var newest, ..]
                && newest.Contains("alice@example.com", StringComparison.Ordinal)
                && newest.Contains("donotdisturb", StringComparison.Ordinal) && newest.Contains(Note, StringComparison.Ordinal),
            "the change at the top of the latest changes");
        Assert.True(browser.Texts("#changes tbody tr").Count >= 6, "every change is listed");

        // Totals and rates: the requests made, and a chart that drew them.
        await browser.UntilAsync(() => Total(browser, "PUBLISH") == 22 && Total(browser, "REGISTER") == 1 && Total(browser, "SUBSCRIBE") == 1, "the requests counted");
        Assert.True(peakRequests > 0, "the requests/s chart showed the traffic");
        Assert.NotEmpty(browser.Texts("#chart-requests svg path.series"));
        Assert.NotEmpty(browser.Texts("#chart-notifies svg path.series"));
        // Alice is in memory; Bob only watches (his own grain has had no turn).
        await browser.UntilAsync(() => browser.Text("#members tbody tr td[data-users]") == "1", "Alice as the member's user in memory");

        // The token stays in the tab, never in the address.
        Assert.DoesNotContain(ServerProcess.ApiToken, page.Url, StringComparison.Ordinal);
        await Task.Delay(1600); // the highlight of the last change fades
        string path = browser.Screenshot("dashboard");
        output.WriteLine("screenshot: " + path);
    }

    [Fact]
    public async Task A_token_in_the_fragment_opens_the_dashboard_and_leaves_the_address_and_a_wrong_one_is_asked_again()
    {
        using var browser = HeadlessChromium.Start();
        await using var server = await ServerProcess.StartAsync(auth: false);
        var page = browser.Driver;

        page.Navigate().GoToUrl(new Uri(server.HttpBase!, "/dashboard#token=" + ServerProcess.ApiToken));
        await browser.UntilAsync(() => browser.Texts("#members tbody tr[data-silo]").Count == 1, "the member's row");
        Assert.False(page.FindElement(By.Id("login")).Displayed);
        Assert.DoesNotContain("token", page.Url, StringComparison.Ordinal);
        Assert.Equal(ServerProcess.ApiToken, page.ExecuteScript("return sessionStorage.getItem('presence-dashboard-token');"));
        // The fragment never reached the server, so its log never held the token.
        Assert.DoesNotContain(ServerProcess.ApiToken, server.Output, StringComparison.Ordinal);

        // A wrong token in the fragment (a same-page navigation) is tried, refused, and forgotten.
        page.Navigate().GoToUrl(new Uri(server.HttpBase!, "/dashboard#token=not-the-token"));
        await browser.UntilAsync(
            () => page.FindElement(By.Id("login")).Displayed && browser.Text("#login-error") == "The token was refused.",
            "the token form again, saying the token was refused");
    }

    private static double ChartValue(HeadlessChromium browser, string chart)
    {
        try
        {
            return double.TryParse(browser.Text($"#{chart} [data-value]"), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : 0;
        }
        catch (WebDriverException)
        {
            return 0;
        }
    }

    private static long Total(HeadlessChromium browser, string method) =>
        browser.Texts($"#totals-methods tr[data-method='{method}'] td") is [_, _, var total]
            ? long.Parse(total.Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture)
            : -1;
}

/// <summary>
/// The dashboard of a cluster (two silos and an edge on a throwaway PostgreSQL), opened on one silo: every member with
/// its role, state and address, every member's traffic (the edge's SIP included), and a user whose grain may be on the
/// other silo followed live through this one.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardClusterBrowserTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const string Pidf = "application/pidf+xml";
    private const string Note = "Flying to Lisbon, back Monday";

    [Fact]
    public async Task One_page_shows_every_member_and_follows_a_user_of_another_silo_live()
    {
        using var browser = HeadlessChromium.Start();
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"), cluster.StartEdgeAsync("edge1"));
        await cluster.WaitForMembersAsync();
        await cluster.ProvisionAsync("carol", "dave");
        var page = browser.Driver;

        page.Navigate().GoToUrl(new Uri(cluster["silo1"].HttpBase!, "/dashboard#token=" + ServerProcess.ApiToken));
        await browser.UntilAsync(
            () => browser.Texts("#members tbody tr[data-silo]", "data-silo").Order(StringComparer.Ordinal)
                .SequenceEqual(["edge1", "silo1", "silo2"]),
            "the three members");
        Assert.Contains("this member", browser.Text("#members tr[data-silo='silo1']"), StringComparison.Ordinal);
        Assert.Contains("edge", browser.Text("#members tr[data-silo='edge1']"), StringComparison.Ordinal);
        Assert.StartsWith("cluster", browser.Text("#cluster"), StringComparison.Ordinal);

        // Carol and Dave reach the cluster through the edge and watch each other; their grains are wherever Orleans put them.
        await using var carol = cluster.UserAgent("carol", "edge1");
        await using var dave = cluster.UserAgent("dave", "edge1");
        Assert.Equal(200, (await carol.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await dave.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await dave.SubscribeAsync(carol.Aor)).StatusCode);
        Assert.Equal(200, (await carol.SubscribeAsync(dave.Aor)).StatusCode);
        string carolHome = await cluster.SiloOfAsync(carol.Aor);

        page.FindElement(By.Id("lookup")).SendKeys(carol.Aor);
        page.FindElement(By.Id("lookup-submit")).Click();
        await browser.UntilAsync(() => browser.Text("#presence-status") == "available", $"Carol available, her grain on {carolHome}, through silo1");

        // A few seconds of traffic through the edge.
        string? carolTag = null, daveTag = null;
        for (int i = 0; i < 16; i++)
        {
            var c = await carol.PublishAsync(Pidf, i % 2 == 0 ? ClusterTests.Document(carol.Aor, "Boarding") : DashboardBrowserTests.Open(carol.Aor), etag: carolTag);
            var d = await dave.PublishAsync(Pidf, i % 2 == 1 ? ClusterTests.Document(dave.Aor, "Lunch") : DashboardBrowserTests.Open(dave.Aor), etag: daveTag);
            Assert.Equal(200, c.StatusCode);
            Assert.Equal(200, d.StatusCode);
            (carolTag, daveTag) = (c.GetFirst(HeaderId.SipETag), d.GetFirst(HeaderId.SipETag));
            await Task.Delay(300);
        }
        Assert.Equal(200, (await carol.PublishAsync(Pidf, ClusterTests.Document(carol.Aor, Note), etag: carolTag)).StatusCode);
        await browser.UntilAsync(
            () => browser.Text("#presence-status") == "donotdisturb" && browser.Text("#presence-note") == Note,
            "Carol's do-not-disturb, live", TimeSpan.FromSeconds(10));
        await browser.UntilAsync(
            () => browser.Texts("#changes tbody tr") is [var newest, ..]
                && newest.Contains(Note, StringComparison.Ordinal) && newest.Contains(carolHome, StringComparison.Ordinal),
            $"Carol's change at the top of the latest changes, seen by {carolHome}");

        // Every member has figures: the silos their users, the edge its SIP traffic, each a line on the request chart.
        await browser.UntilAsync(
            () => browser.Text($"#members tr[data-silo='{carolHome}'] td[data-users]") is not ("–" or "0")
                && browser.Text("#members tr[data-silo='edge1'] td[data-users]") != "–",
            "every member's figures");
        Assert.All(browser.Texts("#members tbody tr[data-silo] td.address"), address => Assert.StartsWith("S127.0.0.1:", address, StringComparison.Ordinal));
        await browser.UntilAsync(() => browser.Texts("#chart-requests svg path.series").Count == 3, "a line per member");

        // The picture shows traffic in flight: a stream of OPTIONS through the edge while it is taken.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var trickle = Task.Run(async () =>
        {
            await using var probe = new TestUserAgent(cluster["edge1"].Port, "probe");
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await probe.SendAsync("OPTIONS", $"sip:127.0.0.1:{cluster["edge1"].Port}", probe.Aor, probe.Aor, string.Empty);
                }
                catch (TimeoutException)
                {
                    // Only decoration for the picture: a busy machine may lose one.
                }
                await Task.Delay(100, CancellationToken.None);
            }
        });
        await Task.Delay(2500);
        output.WriteLine("screenshot: " + browser.Screenshot("dashboard-cluster"));
        await trickle;
    }
}
