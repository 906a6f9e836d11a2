using System.Globalization;
using Presence.Grains.Commands;
using Presence.Server.Presence;
using Presence.Sip.Message;
using Presence.Sip.Transactions;

namespace Presence.Server.Sip.Handlers;

/// <summary>
/// Routing decisions for INVITE and MESSAGE (SPEC.md): this server routes nothing itself; it answers with where
/// to go (302 with contacts and q-values) or why not (480 with the user's comment, or 302 to voicemail).
/// </summary>
public sealed class RoutingHandler(PresenceDirectory directory, LocalIdentity identity) : ISipRequestHandler
{
    public IReadOnlyList<string> Methods { get; } = [SipMethods.Invite, SipMethods.Message];

    public async ValueTask HandleAsync(ServerTransaction transaction, CancellationToken cancellationToken)
    {
        SipMessage request = transaction.Request;
        if (!AorResolver.TryFromRequestUri(request, out string aor, out string error))
        {
            await transaction.RespondAsync(404, error).ConfigureAwait(false);
            return;
        }
        PresenceAnswer outcome = await directory.ExecuteAsync(aor, RouteOf(request)).ConfigureAwait(false);
        var response = transaction.CreateResponse(outcome.StatusCode, outcome.Reason);
        if (outcome.Redirect is { } contacts)
        {
            foreach (var c in contacts)
                response.Add(HeaderId.Contact, string.Create(CultureInfo.InvariantCulture, $"<{c.Uri}>;q={Math.Clamp(c.Priority, 0, 1):0.###}"));
        }
        if (outcome.StatusCode == 480 && outcome.Comment is { } note)
        {
            // The comment is user text (a PIDF note, the API): one line of it, without control characters.
            string comment = string.Concat(note.Select(c => char.IsControl(c) ? ' ' : c)).Trim();
            // RFC 3261 §20.43: 399 is the miscellaneous warning; the user's comment is its text.
            response.Add(HeaderId.Warning, new global::Presence.Sip.Headers.WarningHeader(399, identity.Host, comment).ToString());
            response.Add(HeaderId.Reason, new global::Presence.Sip.Headers.ReasonHeader("SIP", 480, comment).ToString());
        }
        await transaction.RespondAsync(response.Add(HeaderId.Server, SipRequestDispatcher.ServerName)).ConfigureAwait(false);
    }

    /// <summary>
    /// The caller's preferences (RFC 3841): Accept-Contact (compact "a") and Reject-Contact ("j") fields as sent, and
    /// whether an SDP offer in the body has an active video stream (<c>m=video</c> with a port other than 0).
    /// </summary>
    internal static RouteCommand RouteOf(SipMessage request)
    {
        List<string>? accept = null, reject = null;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            if (request.GetId(i) != HeaderId.Unknown)
                continue;
            string name = request.GetName(i);
            if (name.Equals("Accept-Contact", StringComparison.OrdinalIgnoreCase) || name.Equals("a", StringComparison.OrdinalIgnoreCase))
                (accept ??= []).Add(request.GetValue(i));
            else if (name.Equals("Reject-Contact", StringComparison.OrdinalIgnoreCase) || name.Equals("j", StringComparison.OrdinalIgnoreCase))
                (reject ??= []).Add(request.GetValue(i));
        }
        bool video = request.Method == SipMethods.Invite && OffersVideo(request);
        if (accept is null && reject is null && !video && request.Method == SipMethods.Invite)
            return RouteCommand.Instance;
        return new RouteCommand(request.Method, accept?.ToArray(), reject?.ToArray(), video);
    }

    /// <summary>RFC 4566 §5.14: an "m=video" line whose port is not 0 (RFC 3264 §5.1: port 0 declines the stream).</summary>
    private static bool OffersVideo(SipMessage request)
    {
        string? type = request.GetFirst(HeaderId.ContentType);
        if (request.Body.IsEmpty || type is null || !type.TrimStart().StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase))
            return false;
        string sdp = System.Text.Encoding.UTF8.GetString(request.Body.Span);
        foreach (string line in sdp.Split('\n'))
        {
            string l = line.TrimEnd('\r');
            if (!l.StartsWith("m=video ", StringComparison.Ordinal))
                continue;
            string port = l["m=video ".Length..].Split(' ', 2)[0].Split('/', 2)[0];
            if (port != "0")
                return true;
        }
        return false;
    }
}
