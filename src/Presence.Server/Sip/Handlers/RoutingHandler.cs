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
        PresenceAnswer outcome = await directory.ExecuteAsync(aor, RouteCommand.Instance).ConfigureAwait(false);
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
}
