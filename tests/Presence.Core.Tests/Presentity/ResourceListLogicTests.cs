using System.Text;
using System.Text.RegularExpressions;
using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Persistence;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>
/// The user as a resource list server (RFC 4662), with the host's part played by the test: back-end SUBSCRIBEs asked
/// for, the members' answers and NOTIFYs handed back, list NOTIFYs read from the changes.
/// </summary>
public sealed partial class ResourceListLogicTests
{
    private const string Owner = "sip:alice@example.com";
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private static string Pidf(string aor, string extended) =>
        $"<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"{aor}\"><tuple id=\"t\"><status><basic>open</basic>"
        + $"<po:extended xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\">{extended}</po:extended></status></tuple>{new string(' ', 400)}</presence>";

    private static SubscribeRequest Request(string? notifierTag = null, int expires = 600, string watcher = Owner, string callId = "list-1") =>
        new(callId, "w1", notifierTag, watcher, watcher, "sip:alice@192.0.2.9:5060", [], null, expires, AcceptsDocument: true,
            Flow: "udp:192.0.2.9:5060");

    private static ResourceList List(params string[] members) =>
        new("buddies", "Buddies", [.. members.Select(m => new ListEntry(m))], []);

    private sealed record Part(string Uri, string State, string? Reason, string? Extended);

    private sealed record Parsed(long Version, bool Full, List<Part> Resources);

    // Reads a list NOTIFY's RLMI and parts with regular expressions (independent of the writer's structure).
    private static Parsed Parse(NotifyEffect notify)
    {
        Assert.StartsWith("multipart/related;type=\"application/rlmi+xml\"", notify.ContentType, StringComparison.Ordinal);
        string boundary = Regex.Match(notify.ContentType, "boundary=([^;]+)").Groups[1].Value;
        string body = Encoding.UTF8.GetString(notify.Body);
        string[] pieces = body.Split("--" + boundary);
        Assert.Equal("--\r\n", pieces[^1]);
        var parts = pieces[1..^1].Select(p => p[2..]).ToDictionary(
            p => Regex.Match(p, "Content-ID: <([^>]+)>").Groups[1].Value, p => p[(p.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        string rlmi = parts.Values.First();
        var list = Regex.Match(rlmi, "<list [^>]*version=\"(\\d+)\" fullState=\"(\\w+)\"");
        var resources = ResourceElement().Matches(rlmi).Select(m =>
        {
            string? cid = m.Groups["cid"].Success ? m.Groups["cid"].Value : null;
            string? extended = cid is null ? null : Regex.Match(parts[cid], "extended[^>]*>([^<]+)<").Groups[1].Value;
            return new Part(m.Groups["uri"].Value, m.Groups["state"].Value, m.Groups["reason"].Success ? m.Groups["reason"].Value : null, extended);
        }).ToList();
        return new Parsed(long.Parse(list.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), list.Groups[2].Value == "true", resources);
    }

    [GeneratedRegex("<resource uri=\"(?<uri>[^\"]+)\">(?:<name>[^<]*</name>)?<instance id=\"[^\"]+\" state=\"(?<state>\\w+)\"(?: reason=\"(?<reason>\\w+)\")?(?: cid=\"(?<cid>[^\"]+)\")?/>")]
    private static partial Regex ResourceElement();

    private static (Core.Presentity.Presentity User, List<BackEndWork> Work, string Tag) Subscribed(PresenceOptions? options = null, params string[] members)
    {
        var user = new Core.Presentity.Presentity(Owner, options);
        Assert.Equal(200, user.PutList(List(members), Start).StatusCode);
        var outcome = user.ListSubscribe(Request(), "buddies", supportsEventList: true, Start);
        Assert.Equal(200, outcome.StatusCode);
        Assert.Empty(user.Changes.Notifies);
        var work = user.TakeBackEndWork().ToList();
        return (user, work, outcome.NotifierTag!);
    }

    [Fact]
    public void Members_are_subscribed_for_the_subscriber_and_the_first_notify_is_the_full_state()
    {
        var (user, work, _) = Subscribed(null, "sip:bob@example.com", "sip:carol@example.com", "sip:dave@example.com");
        Assert.Equal(["sip:bob@example.com", "sip:carol@example.com", "sip:dave@example.com"], work.Select(w => w.BackEnd.Member));
        Assert.All(work, w => Assert.Equal((Owner, 3600), (w.BackEnd.Subscriber, w.Expires)));
        user.TakeChanges();

        user.BackEndAnswered(work[0].BackEnd.CallId, 200, "n1", 3600, Start);
        user.BackEndAnswered(work[1].BackEnd.CallId, 403, null, null, Start);
        user.BackEndAnswered(work[2].BackEnd.CallId, 200, "n3", 3600, Start);
        user.MemberNotified(work[0].BackEnd.CallId, 1, "active;expires=3600", Encoding.UTF8.GetBytes(Pidf("sip:bob@example.com", "available")), Start);
        user.MemberNotified(work[2].BackEnd.CallId, 1, "pending;expires=3600", [], Start);
        user.FlushLists(Start);
        var notify = Assert.Single(user.TakeChanges().Notifies);
        Assert.Equal("active;expires=600", notify.SubscriptionState);
        Assert.Equal("sip:alice+buddies@example.com", notify.NotifierUri);
        var full = Parse(notify);
        Assert.Equal((0L, true), (full.Version, full.Full));
        Assert.Equal(
            [new Part("sip:bob@example.com", "active", null, "available"), new Part("sip:carol@example.com", "terminated", "rejected", null),
             new Part("sip:dave@example.com", "pending", null, null)],
            full.Resources);

        // One member changes: a partial document with it alone, one version on; an older NOTIFY of it changes nothing.
        user.MemberNotified(work[0].BackEnd.CallId, 2, "active;expires=3600", Encoding.UTF8.GetBytes(Pidf("sip:bob@example.com", "busy")), Start);
        user.MemberNotified(work[0].BackEnd.CallId, 1, "active;expires=3600", Encoding.UTF8.GetBytes(Pidf("sip:bob@example.com", "away")), Start);
        user.FlushLists(Start);
        var partial = Parse(Assert.Single(user.TakeChanges().Notifies));
        Assert.Equal((1L, false), (partial.Version, partial.Full));
        Assert.Equal([new Part("sip:bob@example.com", "active", null, "busy")], partial.Resources);

        user.FlushLists(Start);
        Assert.Empty(user.TakeChanges().Notifies);
    }

    [Fact]
    public void A_refresh_is_answered_with_a_notify_of_what_changed_often_nothing()
    {
        var (user, work, tag) = Subscribed(null, "sip:bob@example.com", "sip:carol@example.com");
        foreach (var w in work)
        {
            user.BackEndAnswered(w.BackEnd.CallId, 200, "n", 3600, Start);
            user.MemberNotified(w.BackEnd.CallId, 1, "active;expires=3600", Encoding.UTF8.GetBytes(Pidf(w.BackEnd.Member, "available")), Start);
        }
        user.FlushLists(Start);
        user.TakeChanges();

        Assert.Equal(200, user.ListSubscribe(Request(notifierTag: tag), "buddies", true, Start.AddMinutes(5)).StatusCode);
        Assert.Empty(user.TakeBackEndWork());
        user.FlushLists(Start.AddMinutes(5));
        var notify = Assert.Single(user.TakeChanges().Notifies);
        var refreshed = Parse(notify);
        Assert.Equal((1L, false), (refreshed.Version, refreshed.Full));
        Assert.Empty(refreshed.Resources);
        Assert.Equal("active;expires=600", notify.SubscriptionState);
    }

    [Fact]
    public void A_long_lists_documents_beyond_the_budget_follow_in_partial_notifies()
    {
        string[] members = [.. Enumerable.Range(1, 20).Select(i => $"sip:m{i}@example.com")];
        var (user, work, _) = Subscribed(new PresenceOptions { MaxListNotifyBytes = 4000 }, members);
        foreach (var w in work)
        {
            user.BackEndAnswered(w.BackEnd.CallId, 200, "n", 3600, Start);
            user.MemberNotified(w.BackEnd.CallId, 1, "active;expires=3600", Encoding.UTF8.GetBytes(Pidf(w.BackEnd.Member, "available")), Start);
        }
        user.FlushLists(Start);
        var first = Parse(Assert.Single(user.TakeChanges().Notifies));
        Assert.True(first.Full);
        Assert.Equal(20, first.Resources.Count);
        var seen = first.Resources.Where(r => r.Extended is not null).Select(r => r.Uri).ToHashSet();
        Assert.InRange(seen.Count, 1, 10);
        int notifies = 1;
        while (user.HasListNotifies)
        {
            user.FlushLists(Start);
            var next = Assert.Single(user.TakeChanges().Notifies);
            Assert.True(next.Body.Length <= 4000 + 1000, $"{next.Body.Length} bytes");
            var partial = Parse(next);
            Assert.False(partial.Full);
            Assert.All(partial.Resources, r => Assert.Equal("available", r.Extended));
            seen.UnionWith(partial.Resources.Select(r => r.Uri));
            Assert.True(++notifies < 20);
        }
        Assert.Equal(members.ToHashSet(), seen);
    }

    [Fact]
    public void A_list_subscription_survives_a_load_with_its_version_rising_and_its_members_asked_again()
    {
        var rows = new StoredRows();
        var (user, work, tag) = Subscribed(null, "sip:bob@example.com");
        user.BackEndAnswered(work[0].BackEnd.CallId, 200, "n1", 3600, Start);
        user.MemberNotified(work[0].BackEnd.CallId, 1, "active;expires=3600", Encoding.UTF8.GetBytes(Pidf("sip:bob@example.com", "available")), Start);
        user.FlushLists(Start);
        long before = Parse(rows.Apply(user.TakeChanges()).Notifies.Single()).Version;

        var loaded = rows.Load(Owner, Start.AddSeconds(5));
        Assert.Equal(tag, Assert.Single(loaded.ListSubscriptions).Id);
        // What the member said is not stored: its subscription is refreshed (same dialog) and the full state is owed.
        var refresh = Assert.Single(loaded.TakeBackEndWork());
        Assert.Equal((work[0].BackEnd.CallId, "n1"), (refresh.BackEnd.CallId, refresh.BackEnd.NotifierTag));
        Assert.True(loaded.HasListNotifies);
        loaded.MemberNotified(work[0].BackEnd.CallId, 2, "active;expires=3600", Encoding.UTF8.GetBytes(Pidf("sip:bob@example.com", "away")), Start);
        loaded.FlushLists(Start.AddSeconds(5));
        var after = Parse(loaded.TakeChanges().Notifies.Single());
        Assert.True(after.Full);
        Assert.True(after.Version > before, $"{after.Version} after {before}");
        Assert.Equal("away", after.Resources.Single().Extended);
    }

    [Fact]
    public void An_expired_list_subscription_ends_and_its_members_are_unsubscribed()
    {
        var (user, work, _) = Subscribed(null, "sip:bob@example.com");
        user.BackEndAnswered(work[0].BackEnd.CallId, 200, "n1", 3600, Start);
        user.TakeChanges();
        user.OnDue(Start.AddSeconds(601));
        var notify = Assert.Single(user.TakeChanges().Notifies);
        Assert.Equal("terminated;reason=timeout", notify.SubscriptionState);
        var unsubscribe = Assert.Single(user.TakeBackEndWork());
        Assert.Equal((0, "n1"), (unsubscribe.Expires, unsubscribe.BackEnd.NotifierTag));
        Assert.Empty(user.BackEnds);
        Assert.False(user.IsBackEnd(work[0].BackEnd.CallId));
    }

    [Fact]
    public void Lists_refuse_what_rfc_4662_refuses_and_what_the_owner_did_not_allow()
    {
        var user = new Core.Presentity.Presentity(Owner);
        Assert.Equal(404, user.ListSubscribe(Request(), "none", true, Start).StatusCode);
        user.PutList(List("sip:bob@example.com") with { Subscribers = ["sip:erin@example.com"] }, Start);
        Assert.Equal(421, user.ListSubscribe(Request(), "buddies", false, Start).StatusCode);
        Assert.Equal(403, user.ListSubscribe(Request(watcher: "sip:mallory@example.com"), "buddies", true, Start).StatusCode);
        Assert.Equal(200, user.ListSubscribe(Request(watcher: "sip:erin@example.com"), "buddies", true, Start).StatusCode);
        Assert.Equal(423, user.ListSubscribe(Request(expires: 5, callId: "x"), "buddies", true, Start).StatusCode);
        Assert.Equal(481, user.ListSubscribe(Request(notifierTag: "nope"), "buddies", true, Start).StatusCode);
        // The owner takes erin off: its subscription ends with reason=rejected.
        user.TakeChanges();
        user.PutList(List("sip:bob@example.com"), Start);
        Assert.Equal("terminated;reason=rejected", Assert.Single(user.TakeChanges().Notifies).SubscriptionState);
        Assert.Equal(400, user.PutList(List() with { Name = "no spaces" }, Start).StatusCode);
        Assert.Equal(403, user.PutList(List([.. Enumerable.Range(0, 1001).Select(i => $"sip:m{i}@example.com")]), Start).StatusCode);
    }

    [Fact]
    public void A_list_carried_in_the_subscribe_lives_as_long_as_its_subscription()
    {
        var user = new Core.Presentity.Presentity(Owner);
        var contained = new ResourceList(string.Empty, null, [new ListEntry("sip:bob@example.com")], [], "sip:rls@example.com");
        var outcome = user.ContainedListSubscribe(Request(), contained, true, Start);
        Assert.Equal(200, outcome.StatusCode);
        Assert.StartsWith(ResourceList.ContainedTagPrefix, outcome.NotifierTag, StringComparison.Ordinal);
        var list = Assert.Single(user.Lists.Values);
        Assert.True(list.IsContained);
        Assert.Single(user.TakeBackEndWork());
        Assert.Equal(200, user.ContainedListSubscribe(Request(notifierTag: outcome.NotifierTag, expires: 0), null, true, Start).StatusCode);
        Assert.Empty(user.Lists);
        var changes = user.TakeChanges();
        Assert.Contains((PresentityItems.ListKind, list.Name), changes.Deletes);
        Assert.Equal("sip:rls@example.com", changes.Notifies.Single().NotifierUri);
    }

    [Theory]
    [InlineData("sip:alice+buddies@example.com", true, "sip:alice@example.com", "buddies")]
    [InlineData("sip:a+b+work.team@example.com", true, "sip:a+b@example.com", "work.team")]
    [InlineData("sip:+4930123@example.com", false, "", "")]
    [InlineData("sip:alice@example.com", false, "", "")]
    [InlineData("sip:alice+@example.com", false, "", "")]
    [InlineData("sip:alice+bad%20name@example.com", false, "", "")]
    public void A_list_uri_is_the_owners_with_plus_name(string uri, bool isList, string owner, string name)
    {
        Assert.Equal(isList, ResourceList.TryParseUri(uri, out string o, out string n));
        Assert.Equal((owner, name), (o, n));
        if (isList)
            Assert.Equal(uri, ResourceList.UriOf(o, n));
    }

    [Fact]
    public void Rfc_4826_lists_are_read_flattened_and_written_back()
    {
        byte[] xml = Encoding.UTF8.GetBytes("""
            <?xml version="1.0" encoding="UTF-8"?>
            <resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists" xmlns:x="urn:example:other">
              <list name="work"><display-name>Work &amp; play</display-name>
                <entry uri="sip:bob@example.com"><display-name>Bob</display-name><x:extra/></entry>
                <list name="team"><entry uri="sip:carol@example.com"/></list>
                <x:ignored><entry uri="sip:nobody@example.com"/></x:ignored>
              </list>
            </resource-lists>
            """);
        Assert.True(ResourceListsXml.TryRead(xml, out string? name, out var entries, out string error), error);
        Assert.Equal("Work & play", name);
        Assert.Equal([new ListEntry("sip:bob@example.com", "Bob"), new ListEntry("sip:carol@example.com")], entries);
        byte[] written = ResourceListsXml.Write(new ResourceList("work", name, entries, []));
        Assert.True(ResourceListsXml.TryRead(written, out string? again, out var back, out _));
        Assert.Equal(name, again);
        Assert.Equal(entries, back);

        Assert.False(ResourceListsXml.TryRead("<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list><external anchor=\"http://x\"/></list></resource-lists>"u8, out _, out _, out error));
        Assert.Contains("external", error, StringComparison.Ordinal);
        Assert.False(ResourceListsXml.TryRead("<!DOCTYPE x [<!ENTITY a \"b\">]><resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"/>"u8, out _, out _, out error));
        Assert.Equal(XmlInput.DtdNotAllowed, error);
        Assert.False(ResourceListsXml.TryRead("<lists xmlns=\"urn:other\"/>"u8, out _, out _, out _));
    }
}
