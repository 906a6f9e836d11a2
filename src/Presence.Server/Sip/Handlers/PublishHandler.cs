using System.Globalization;
using Presence.Core.Model;
using Presence.Grains.Commands;
using Presence.Server.Accounts;
using Presence.Server.Presence;
using Presence.Sip.Message;
using Presence.Sip.Transactions;

namespace Presence.Server.Sip.Handlers;

/// <summary>The event state compositor for presence (RFC 3903 §6): PUBLISH to the grain of the To user.</summary>
public sealed class PublishHandler(PresenceDirectory directory, SipAuthorizer authorizer) : ISipRequestHandler
{
    public IReadOnlyList<string> Methods { get; } = [SipMethods.Publish];

    public async ValueTask HandleAsync(ServerTransaction transaction, CancellationToken cancellationToken)
    {
        SipMessage request = transaction.Request;
        // Presence, and the dialog package's call state (RFC 4235), which feeds ringing and busy.
        if (!await EventPackages.AcceptOrRejectAsync(transaction, dialogToo: true).ConfigureAwait(false))
            return;
        if (await AorResolver.ToUserOrRejectAsync(transaction).ConfigureAwait(false) is not { } aor)
            return;
        if (!await authorizer.AuthenticateAsAsync(transaction, aor).ConfigureAwait(false))
            return;
        string? contentType = request.Body.Length > 0 ? request.GetContentType()?.Name : null;
        if (request.Body.Length > 0 && contentType is null)
        {
            await transaction.RespondAsync(400, "Missing Or Malformed Content-Type").ConfigureAwait(false);
            return;
        }
        var publish = new PublishCommand(
            request.GetFirst(HeaderId.SipIfMatch)?.Trim(), request.GetExpires(), contentType,
            request.Body.Length > 0 ? request.Body.ToArray() : null,
            EventPackages.IsDialog(request) ? EventPackage.Dialog : EventPackage.Presence);
        PresenceAnswer outcome = await directory.ExecuteAsync(aor, publish).ConfigureAwait(false);

        var response = transaction.CreateResponse(outcome.StatusCode, outcome.Reason);
        if (outcome.EntityTag is { } etag)
            response.Add(HeaderId.SipETag, etag);
        if (outcome.IsSuccess && outcome.Expires is int expires)
            response.Add(HeaderId.Expires, expires.ToString(CultureInfo.InvariantCulture));
        if (outcome.MinExpires is int min)
            response.Add(HeaderId.MinExpires, min.ToString(CultureInfo.InvariantCulture));
        if (outcome.Accept is { } accept)
            response.Add(HeaderId.Accept, string.Join(", ", accept));
        await transaction.RespondAsync(response.Add(HeaderId.Server, SipRequestDispatcher.ServerName)).ConfigureAwait(false);
    }
}
