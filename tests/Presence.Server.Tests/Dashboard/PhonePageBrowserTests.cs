using System.Diagnostics;
using OpenQA.Selenium;
using Presence.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Dashboard;

/// <summary>
/// The presence page (GET /phone) in Debian's chromium, headless, against the server with its defaults (digest on):
/// users sign in with their SIP credentials, the page registers over SIP over WebSocket with JsSIP, sets statuses, and
/// shows its buddies' statuses as NOTIFYs come; a softphone on UDP (baresip) and a browser user watch each other.
/// </summary>
public sealed class PhonePageBrowserTests(ITestOutputHelper output)
{
    private const string Comment = "In a meeting until 3";

    [Fact]
    public async Task Two_users_sign_in_watch_each_other_and_see_do_not_disturb_with_its_comment_as_it_is_set()
    {
        int wsPort = ServerProcess.FreePort("127.0.0.1");
        await using var server = await ServerProcess.StartAsync(auth: true, extraArgs: [$"--Sip:WebSocket:Port={wsPort}"]);
        await server.WaitForOutputAsync($"Now listening on: http://127.0.0.1:{wsPort}", TimeSpan.FromSeconds(10));
        await server.ProvisionAsync("alice@example.com", "alice-secret");
        await server.ProvisionAsync("bob@example.com", "bob-secret");
        await server.ProvisionAsync("carol@example.com", "carol-secret");
        using var alice = HeadlessChromium.Start();
        using var bob = HeadlessChromium.Start();

        // A wrong password: the page says the sign-in failed and stays on the form.
        await SignInAsync(alice, server, "alice@example.com", "not-her-password", expectRegistered: false);
        Assert.Contains("Sign-in failed", alice.Text("#signin-error"), StringComparison.Ordinal);

        await SignInAsync(alice, server, "alice@example.com", "alice-secret");
        await SignInAsync(bob, server, "bob@example.com", "bob-secret");
        Watch(alice, "bob@example.com");
        Watch(bob, "alice@example.com");
        await UntilBuddyAsync(alice, "sip:bob@example.com", "available", "");
        await UntilBuddyAsync(bob, "sip:alice@example.com", "available", "");

        // Bob sets do-not-disturb with a comment; Alice's page shows it, timed from the click.
        var clock = Stopwatch.StartNew();
        SetStatus(bob, "dnd", Comment);
        await UntilBuddyAsync(alice, "sip:bob@example.com", "do not disturb", Comment, TimeSpan.FromSeconds(5));
        output.WriteLine($"Bob's do-not-disturb on Alice's page {clock.ElapsedMilliseconds} ms after his click");
        await bob.UntilAsync(() => bob.Text("#published") == $"Published: do not disturb — {Comment}", "Bob's page confirming his status");

        // Away, then available again.
        SetStatus(bob, "away", "");
        await UntilBuddyAsync(alice, "sip:bob@example.com", "away", "");
        SetStatus(bob, "available", "");
        await UntilBuddyAsync(alice, "sip:bob@example.com", "available", "");

        // A softphone on UDP: carol on baresip watches Alice, and Alice's page watches carol.
        await using var carol = await Baresip.StartAsync(server.Port, "carol", "carol-secret", [("Alice", "sip:alice@example.com")]);
        Watch(alice, "carol@example.com");
        await UntilBuddyAsync(alice, "sip:carol@example.com", "available", "");
        await carol.WaitForContactStatusAsync("sip:alice@example.com", "Online", TimeSpan.FromSeconds(15));
        // baresip 1.0 shows a closed document with the RPID activity busy as "Busy" (README "How real clients' states map").
        SetStatus(alice, "dnd", "Back at 4");
        await carol.WaitForContactStatusAsync("sip:alice@example.com", "Busy", TimeSpan.FromSeconds(15));
        await UntilBuddyAsync(bob, "sip:alice@example.com", "do not disturb", "Back at 4");
        // Bob's page as the README shows it (docs/phone.png).
        string shot = bob.Screenshot("phone");
        output.WriteLine($"screenshot: {shot}");

        // Bob signs out: his registration and publication end, and Alice sees him offline.
        bob.Driver.FindElement(By.Id("signout")).Click();
        await UntilBuddyAsync(alice, "sip:bob@example.com", "offline", "", TimeSpan.FromSeconds(10));
        await bob.UntilAsync(() => bob.Text("#state") == "signed out", "Bob signed out");
    }

    private static async Task SignInAsync(HeadlessChromium browser, ServerProcess server, string user, string password, bool expectRegistered = true)
    {
        var page = browser.Driver;
        page.Navigate().GoToUrl(new Uri(server.HttpBase!, "/phone"));
        await browser.UntilAsync(() => page.FindElement(By.Id("user")).Displayed, "the sign-in form");
        page.FindElement(By.Id("user")).Clear();
        page.FindElement(By.Id("user")).SendKeys(user);
        page.FindElement(By.Id("password")).Clear();
        page.FindElement(By.Id("password")).SendKeys(password);
        page.FindElement(By.Id("signin-submit")).Click();
        if (expectRegistered)
            await browser.UntilAsync(() => browser.Text("#state") == "registered" && page.FindElement(By.Id("me-section")).Displayed, $"{user} registered");
        else
            await browser.UntilAsync(() => browser.Text("#signin-error").Length > 0, $"{user}'s sign-in refused");
    }

    private static void Watch(HeadlessChromium browser, string buddy)
    {
        browser.Driver.FindElement(By.Id("buddy")).SendKeys(buddy);
        browser.Driver.FindElement(By.Id("buddy-submit")).Click();
    }

    private static void SetStatus(HeadlessChromium browser, string status, string comment)
    {
        var page = browser.Driver;
        page.FindElement(By.CssSelector($"input[name=status][value={status}]")).Click();
        page.FindElement(By.Id("comment")).Clear();
        if (comment.Length > 0)
            page.FindElement(By.Id("comment")).SendKeys(comment);
        page.FindElement(By.Id("status-submit")).Click();
    }

    private static Task UntilBuddyAsync(HeadlessChromium browser, string aor, string status, string note, TimeSpan? within = null) =>
        browser.UntilAsync(
            () => browser.Text($"li[data-aor='{aor}'] .status") == status && browser.Text($"li[data-aor='{aor}'] .note") == note,
            $"{aor} shown as '{status}' with the note '{note}'", within ?? TimeSpan.FromSeconds(15));
}
