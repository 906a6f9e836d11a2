using Presence.Sip.Transactions;
using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Server.Sip.Handlers;

/// <summary>Which user a request is about: the To URI for REGISTER, PUBLISH and SUBSCRIBE, the Request-URI for
/// INVITE and MESSAGE (ARCHITECTURE.md "Edge"), reduced to its address of record.</summary>
internal static class AorResolver
{
    public static bool TryFromTo(SipMessage request, out string aor, out string error) =>
        TryAor(request.GetTo()?.Uri, "To", out aor, out error);

    /// <summary>
    /// The checks REGISTER, PUBLISH and SUBSCRIBE share: the To user, and an Expires that is a number if present.
    /// Answers 400 itself and returns null when either is wrong.
    /// </summary>
    public static async ValueTask<string?> ToUserOrRejectAsync(ServerTransaction transaction)
    {
        if (!TryFromTo(transaction.Request, out string aor, out string error))
        {
            await transaction.RespondAsync(400, error).ConfigureAwait(false);
            return null;
        }
        if (transaction.Request.HasMalformedExpires())
        {
            await transaction.RespondAsync(400, "Malformed Expires").ConfigureAwait(false);
            return null;
        }
        return aor;
    }

    public static bool TryFromRequestUri(SipMessage request, out string aor, out string error)
    {
        SipUri.TryParse(request.RequestUri, out var uri, out _);
        return TryAor(uri, "Request-URI", out aor, out error);
    }

    private static bool TryAor(SipUri? uri, string where, out string aor, out string error)
    {
        aor = string.Empty;
        error = string.Empty;
        if (uri is null)
        {
            error = $"Malformed {where}";
            return false;
        }
        // Presence is for users: a sip or sips URI with a user part (tel URIs belong to a gateway, not here).
        if (!uri.IsSip || string.IsNullOrEmpty(uri.User))
        {
            error = $"{where} Is Not A SIP User";
            return false;
        }
        // sips: and sip: name the same user (RFC 3261 §19.1.4 keeps them apart, but a presentity is one person).
        aor = "sip:" + uri.ToAor()[(uri.SchemeText.Length + 1)..];
        return true;
    }
}
