using Presence.Core.Model;
using System.Globalization;
using Presence.Grains.Commands;
using Presence.Server.Accounts;
using Presence.Server.Presence;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transactions;

namespace Presence.Server.Sip.Handlers;

/// <summary>The registrar (RFC 3261 §10.3): REGISTER to the grain of the To user.</summary>
public sealed class RegisterHandler(PresenceDirectory directory, SipAuthorizer authorizer) : ISipRequestHandler
{
    public IReadOnlyList<string> Methods { get; } = [SipMethods.Register];

    public async ValueTask HandleAsync(ServerTransaction transaction, CancellationToken cancellationToken)
    {
        SipMessage request = transaction.Request;
        if (await AorResolver.ToUserOrRejectAsync(transaction).ConfigureAwait(false) is not { } aor)
            return;
        if (!await authorizer.AuthenticateAsAsync(transaction, aor).ConfigureAwait(false))
            return;
        if (!request.TryGetContacts(out var contacts, out string error))
        {
            await transaction.RespondAsync(400, error).ConfigureAwait(false);
            return;
        }
        var requested = new List<ContactCommand>();
        foreach (var contact in contacts!.Contacts)
        {
            if (contact.Parameters.Contains("expires") && ContactHeader.ExpiresOf(contact) is null)
            {
                await transaction.RespondAsync(400, "Malformed Contact expires").ConfigureAwait(false);
                return;
            }
            if (contact.Parameters.Contains("q") && ContactHeader.QOf(contact) is null)
            {
                await transaction.RespondAsync(400, "Malformed Contact q").ConfigureAwait(false);
                return;
            }
            requested.Add(new ContactCommand(
                contact.Uri.ToString(), ContactHeader.ExpiresOf(contact), ContactHeader.QOf(contact), contact.Parameters["+sip.instance"],
                FeaturesOf(contact)));
        }
        var register = new RegisterCommand(
            [.. requested], contacts.IsWildcard, request.GetExpires(), request.CallId, request.CSeq, FlowToken.Format(transaction.Source));
        PresenceAnswer outcome = await directory.ExecuteAsync(aor, register).ConfigureAwait(false);

        var response = transaction.CreateResponse(outcome.StatusCode, outcome.Reason);
        if (outcome.MinExpires is int min)
            response.Add(HeaderId.MinExpires, min.ToString(CultureInfo.InvariantCulture));
        if (outcome.IsSuccess && outcome.Bindings is { } bindings)
        {
            // RFC 3261 §10.3 step 8: the 200 lists every current binding with its remaining time.
            DateTimeOffset now = DateTimeOffset.UtcNow;
            foreach (var b in bindings)
            {
                response.Add(HeaderId.Contact, string.Create(CultureInfo.InvariantCulture,
                    $"<{b.ContactUri}>;expires={b.SecondsLeft(now)};q={b.Q:0.###}"));
            }
            response.Add(HeaderId.Date, now.ToString("r", CultureInfo.InvariantCulture));
        }
        await transaction.RespondAsync(response.Add(HeaderId.Server, SipRequestDispatcher.ServerName)).ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 3840 §9: the feature parameters of a Contact as the device sent them (linphone: <c>;audio;video;text</c>,
    /// desk phones: <c>;audio</c>, with <c>;methods="INVITE,MESSAGE,..."</c>): the base tags and "+" names other
    /// than <c>+sip.instance</c>. Null when there are none.
    /// </summary>
    internal static string[]? FeaturesOf(NameAddress contact)
    {
        List<string>? features = null;
        foreach (SipParameter p in contact.Parameters.Items)
        {
            if (!DeviceCapabilities.IsFeatureParameter(p.Name))
                continue;
            (features ??= []).Add(p.Value is null ? p.Name : p.Quoted ? $"{p.Name}=\"{p.Value}\"" : $"{p.Name}={p.Value}");
            // RFC 3841 §11's bound on rules, applied to what one Contact may store.
            if (features.Count == 32)
                break;
        }
        return features?.ToArray();
    }
}
