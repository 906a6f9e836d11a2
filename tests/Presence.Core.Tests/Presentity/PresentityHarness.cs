using System.Text;
using Presence.Core.Documents;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>A presentity with a clock the test moves, and shortcuts for the requests clients send.</summary>
internal sealed class PresentityHarness
{
    public DateTimeOffset Now { get; set; } = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    public Core.Presentity.Presentity User { get; set; } = new("sip:alice@example.com");

    public long CSeq { get; set; } = 1;

    public PresenceOutcome Register(string contact = "sip:alice@192.0.2.1:5060", int? expires = 600, double? q = null, string callId = "reg-1") =>
        User.Register(new RegisterRequest([new ContactRequest(contact, null, q, null)], false, expires, callId, CSeq++, "udp:192.0.2.1:5060"), Now);

    public PresenceOutcome Unregister(string contact = "sip:alice@192.0.2.1:5060", string callId = "reg-1") =>
        User.Register(new RegisterRequest([new ContactRequest(contact, 0, null, null)], false, null, callId, CSeq++, null), Now);

    public PresenceOutcome Publish(byte[]? body, string? ifMatch = null, int? expires = 600, string contentType = Pidf.ContentType) =>
        User.Publish(new PublishRequest(ifMatch, expires, body is null ? null : contentType, body), Now);

    public PresenceOutcome Subscribe(string callId = "sub-1", string? notifierTag = null, int? expires = 600, string watcherTag = "w1") =>
        User.Subscribe(new SubscribeRequest(
            callId, watcherTag, notifierTag, "sip:bob@example.com", "sip:bob@example.com", "sip:bob@192.0.2.9:5060",
            [], null, expires, AcceptsDocument: true, Flow: "udp:192.0.2.9:5060"), Now);

    public PresentityChanges Take() => User.TakeChanges();

    public void Advance(TimeSpan by)
    {
        Now += by;
        User.OnDue(Now);
    }

    public ExtendedStatus Status => User.Composite(Now).Status;

    /// <summary>The extended status a NOTIFY carries, read back from its PIDF body.</summary>
    public static string ExtendedOf(NotifyEffect notify)
    {
        string xml = Encoding.UTF8.GetString(notify.Body);
        int start = xml.IndexOf("extended>", StringComparison.Ordinal) + "extended>".Length;
        return xml[start..xml.IndexOf('<', start)];
    }
}
