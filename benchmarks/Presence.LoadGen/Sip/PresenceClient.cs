using System.Diagnostics;
using System.Globalization;
using Presence.LoadGen.Measure;
using Presence.Sip.Message;
using Presence.Sip.Transactions;

namespace Presence.LoadGen.Sip;

/// <summary>
/// The requests a presence client sends, built the way a softphone builds them (RFC 3261 §8.1.1): REGISTER (§10.2),
/// SUBSCRIBE for presence (RFC 6665 §4.1, RFC 3856), PUBLISH (RFC 3903 §4). Each is sent in a client transaction on
/// the user's socket and its outcome counted in the phase's <see cref="RequestStats"/>.
/// </summary>
internal sealed class PresenceClient(LoadOptions options)
{
    public const string UserAgent = "Presence.LoadGen";

    /// <summary>Registers <paramref name="user"/> with one Contact whose user part is <paramref name="contactUser"/>.</summary>
    public Task<ClientTransactionResult> RegisterAsync(SimUser user, string contactUser, RequestStats stats)
    {
        string branch = SipTransactionLayer.NewBranch();
        var request = Start(SipMethods.Register, "sip:" + options.Domain, user.Endpoint, branch)
            .Add(HeaderId.From, $"<{user.Aor}>;tag={user.Tag}")
            .Add(HeaderId.To, $"<{user.Aor}>")
            .Add(HeaderId.CallId, user.CallId)
            .Add(HeaderId.CSeq, CSeq(user.NextCSeq(), SipMethods.Register))
            .Add(HeaderId.Contact, $"<{user.Endpoint.ContactUri(contactUser)}>")
            .Add(HeaderId.Expires, Number(options.RegisterExpires))
            .Add(HeaderId.UserAgent, UserAgent);
        return SendAsync(user.Endpoint, request, branch, stats.For(SipMethods.Register));
    }

    /// <summary>The initial SUBSCRIBE of a presence subscription; its Call-ID names the dialog the NOTIFYs come in.</summary>
    public Task<ClientTransactionResult> SubscribeAsync(WatcherSubscription subscription, RequestStats stats)
    {
        SimUser watcher = subscription.Watcher;
        string branch = SipTransactionLayer.NewBranch();
        var request = Start(SipMethods.Subscribe, subscription.Presentity.Aor, watcher.Endpoint, branch)
            .Add(HeaderId.From, $"<{watcher.Aor}>;tag={subscription.FromTag}")
            .Add(HeaderId.To, $"<{subscription.Presentity.Aor}>")
            .Add(HeaderId.CallId, subscription.CallId)
            .Add(HeaderId.CSeq, CSeq(1, SipMethods.Subscribe))
            .Add(HeaderId.Contact, $"<{watcher.Endpoint.ContactUri(watcher.Name)}>")
            .Add(HeaderId.Event, options.Package)
            .Add(HeaderId.Accept, options.IsDialog ? Documents.PresenceDocuments.DialogInfoContentType : Documents.PresenceDocuments.ContentType)
            .Add(HeaderId.Expires, Number(options.SubscribeExpires ?? 600))
            .Add(HeaderId.UserAgent, UserAgent);
        subscription.SentAt = Stopwatch.GetTimestamp();
        return SendAsync(watcher.Endpoint, request, branch, stats.For(SipMethods.Subscribe));
    }

    /// <summary>
    /// Publishes a document: a modify (RFC 3903 §4.4, SIP-If-Match) when the user has live state, an initial PUBLISH
    /// otherwise. A 2xx's SIP-ETag is kept for the next one; a 412 forgets the old one.
    /// </summary>
    public async Task<ClientTransactionResult> PublishAsync(SimUser user, byte[] document, RequestStats stats)
    {
        string branch = SipTransactionLayer.NewBranch();
        var request = Start(SipMethods.Publish, user.Aor, user.Endpoint, branch)
            .Add(HeaderId.From, $"<{user.Aor}>;tag={user.Tag}")
            .Add(HeaderId.To, $"<{user.Aor}>")
            .Add(HeaderId.CallId, user.CallId)
            .Add(HeaderId.CSeq, CSeq(user.NextCSeq(), SipMethods.Publish))
            .Add(HeaderId.Event, options.Package)
            .Add(HeaderId.Expires, Number(options.PublishExpires));
        if (user.EntityTag is { } etag)
            request.Add(HeaderId.SipIfMatch, etag);
        request.Add(HeaderId.UserAgent, UserAgent)
            .WithBody(options.IsDialog ? Documents.PresenceDocuments.DialogInfoContentType : Documents.PresenceDocuments.ContentType, document);
        var result = await SendAsync(user.Endpoint, request, branch, stats.For(SipMethods.Publish)).ConfigureAwait(false);
        if (result.Outcome == ClientTransactionOutcome.Response)
        {
            if (result.StatusCode is >= 200 and < 300)
                user.EntityTag = result.Response!.GetFirst(HeaderId.SipETag)?.Trim();
            else if (result.StatusCode == 412)
                user.EntityTag = null;
        }
        return result;
    }

    /// <summary>An OPTIONS ping (RFC 3261 §11) from <paramref name="endpoint"/>: is a SIP server there at all?</summary>
    public Task<ClientTransactionResult> PingAsync(LoadEndpoint endpoint)
    {
        string branch = SipTransactionLayer.NewBranch();
        var request = Start(SipMethods.Options, "sip:" + options.Domain, endpoint, branch)
            .Add(HeaderId.From, $"<sip:loadgen@{options.Domain}>;tag={ResponseRouting.NewTag()}")
            .Add(HeaderId.To, $"<sip:{options.Domain}>")
            .Add(HeaderId.CallId, $"{Guid.NewGuid():N}@{endpoint.SentBy}")
            .Add(HeaderId.CSeq, CSeq(1, SipMethods.Options))
            .Add(HeaderId.UserAgent, UserAgent);
        return endpoint.SendAsync(request, branch);
    }

    private static SipMessageBuilder Start(string method, string requestUri, LoadEndpoint endpoint, string branch) =>
        SipMessageBuilder.Request(method, requestUri)
            .Add(HeaderId.Via, endpoint.Via(branch))
            .Add(HeaderId.MaxForwards, "70");

    private static async Task<ClientTransactionResult> SendAsync(LoadEndpoint endpoint, SipMessageBuilder request, string branch, MethodStats stats)
    {
        long sentAt = Stopwatch.GetTimestamp();
        stats.OnSent();
        var result = await endpoint.SendAsync(request, branch).ConfigureAwait(false);
        stats.OnResult(result, sentAt, Stopwatch.GetTimestamp());
        return result;
    }

    private static string CSeq(long number, string method) => number.ToString(CultureInfo.InvariantCulture) + " " + method;

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
