using System.Globalization;
using Presence.Core.Model;
using Presence.Grains.Commands;
using Presence.Server.Cluster;
using Presence.Server.Notify;
using Presence.Server.Accounts;
using Presence.Server.Presence;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transactions;

namespace Presence.Server.Sip.Handlers;

/// <summary>The notifier (RFC 6665 §4.2) of presence (RFC 3856 §6), its watcher information (RFC 3857) and the dialog
/// package (RFC 4235, busy-lamp fields): SUBSCRIBE to the grain of the To user.</summary>
public sealed class SubscribeHandler(
    PresenceDirectory directory, LocalIdentity identity, SipAuthorizer authorizer, AccountDirectory accounts, NotifySender notifier,
    ClusterMembers members) : ISipRequestHandler
{
    public IReadOnlyList<string> Methods { get; } = [SipMethods.Subscribe];

    public async ValueTask HandleAsync(ServerTransaction transaction, CancellationToken cancellationToken)
    {
        SipMessage request = transaction.Request;
        if (!await EventPackages.AcceptOrRejectAsync(transaction, watcherInfoToo: true, dialogToo: true).ConfigureAwait(false))
            return;
        bool winfo = EventPackages.IsWatcherInfo(request);
        bool dialog = EventPackages.IsDialog(request);
        if (await AorResolver.ToUserOrRejectAsync(transaction).ConfigureAwait(false) is not { } aor)
            return;
        NameAddress? from = request.GetFrom();
        if (from?.Tag is not { } watcherTag)
        {
            await transaction.RespondAsync(400, "Missing From Tag").ConfigureAwait(false);
            return;
        }
        // RFC 6665 §4.1.2 / RFC 3261 §12.1.1: the dialog needs the watcher's Contact as its remote target.
        if (!request.TryGetContacts(out var contacts, out _) || contacts!.IsWildcard || contacts.Contacts.Count != 1)
        {
            await transaction.RespondAsync(400, "SUBSCRIBE Needs Exactly One Contact").ConfigureAwait(false);
            return;
        }
        if (!request.TryGetAddresses(HeaderId.RecordRoute, out var recordRoute, out string error))
        {
            await transaction.RespondAsync(400, "Malformed Record-Route: " + error).ConfigureAwait(false);
            return;
        }
        if (!from.Uri.IsSip || string.IsNullOrEmpty(from.Uri.User))
        {
            await transaction.RespondAsync(400, "From Is Not A SIP User").ConfigureAwait(false);
            return;
        }
        string watcherAor = "sip:" + from.Uri.ToAor()[(from.Uri.SchemeText.Length + 1)..];
        // The watcher is who the credentials say, not just who From claims.
        if (!await authorizer.AuthenticateAsAsync(transaction, watcherAor).ConfigureAwait(false))
            return;
        string? notifierTag = request.GetTo()!.Tag;
        // The watcher's groups (if it is a provisioned user) decide under the operator's group rules.
        IReadOnlyList<string> watcherGroups = (await accounts.GetAsync(watcherAor).ConfigureAwait(false))?.GroupList ?? [];
        // The watcher's flow is held here, so its NOTIFYs leave from here (this silo is the subscription's edge).
        // Lists of presence, and busy-lamp lists (Event: dialog); a user's watcher information is its own, never a list's.
        bool list = ResourceList.TryParseUri(aor, out string owner, out string listName) && !winfo;
        // RFC 5367: a list in the body (or a refresh of such a subscription, known by our tag) is the subscriber's own.
        bool carries = ContainedList.TryRead(request, out var containedEntries, out string listError);
        if (carries && containedEntries is null)
        {
            await transaction.RespondAsync(400, "Bad Resource List: " + listError).ConfigureAwait(false);
            return;
        }
        bool contained = !winfo
            && (carries || (notifierTag?.StartsWith(ResourceList.ContainedTagPrefix, StringComparison.Ordinal) ?? false));
        ListEntryValue[]? containedList = null;
        if (containedEntries is not null)
        {
            containedList = new ListEntryValue[containedEntries.Count];
            for (int i = 0; i < containedEntries.Count; i++)
            {
                if (!SipUri.TryParse(containedEntries[i].Uri, out var member, out _) || !member!.IsSip || string.IsNullOrEmpty(member.User))
                {
                    await transaction.RespondAsync(400, "Bad Resource List: not a SIP user: " + containedEntries[i].Uri).ConfigureAwait(false);
                    return;
                }
                containedList[i] = new ListEntryValue("sip:" + member.ToAor()[(member.SchemeText.Length + 1)..], containedEntries[i].DisplayName);
            }
        }
        if (contained)
        {
            list = true;
            owner = watcherAor;
        }
        var subscribe = new SubscribeCommand(
            request.CallId, watcherTag, notifierTag,
            watcherAor, from.Uri.ToString(),
            contacts.Contacts[0].Uri.ToString(),
            [.. recordRoute.Select(r => r.ToString())],
            request.GetEvent()!.Id, request.GetExpires(),
            list || contained ? AcceptsList(request)
                : Accepts(request, winfo ? "application/watcherinfo+xml" : dialog ? "application/dialog-info+xml" : "application/pidf+xml"),
            FlowToken.Format(transaction.Source),
            winfo ? Subscription.WatcherInfoPackage : dialog ? Subscription.DialogPackage : Subscription.PresencePackage,
            [.. watcherGroups], members.SelfEdge, LegacyLinphone.Is(request.GetFirst(HeaderId.UserAgent)));

        // The grain hands this dialog's first NOTIFY over before it answers: it waits here until the 200 has gone.
        using (notifier.HoldDialog(request.CallId, watcherTag))
        {
            // A list URI goes to its owner's grain (the list server); the owner without such a list means the URI
            // names a user after all ("sip:bob+home@example.com" as an account).
            PresenceAnswer? outcome = null;
            if (contained)
            {
                outcome = await directory.ExecuteAsync(owner, new ListSubscribeCommand(subscribe, null, SupportsEventList(request), containedList, aor)).ConfigureAwait(false);
            }
            else if (list)
            {
                outcome = await directory.ExecuteAsync(owner, new ListSubscribeCommand(subscribe, listName, SupportsEventList(request))).ConfigureAwait(false);
                if (outcome.StatusCode == 404)
                {
                    outcome = null;
                    list = false;
                    subscribe = subscribe with { AcceptsDocument = Accepts(request, "application/pidf+xml") };
                }
            }
            outcome ??= await directory.ExecuteAsync(aor, subscribe).ConfigureAwait(false);
            if (outcome.NotifierTag is { } tag)
                transaction.ToTag = tag;
            var response = transaction.CreateResponse(outcome.StatusCode, outcome.Reason);
            if (outcome.IsSuccess)
            {
                response.Add(HeaderId.Expires, outcome.Expires!.Value.ToString(CultureInfo.InvariantCulture))
                    .Add(HeaderId.Contact, $"<{identity.ContactUri(transaction.Source.Transport)}>");
                // RFC 3261 §12.1.1: a dialog-creating 2xx carries the Record-Route of the request.
                foreach (string value in request.GetFields(HeaderId.RecordRoute))
                    response.Add(HeaderId.RecordRoute, value);
            }
            // RFC 4662 §5.1: the list server's 200 requires eventlist; a subscriber that did not say it gets 421 (§5.2).
            if (list && (outcome.IsSuccess || outcome.StatusCode == 421))
                response.Add(HeaderId.Require, "eventlist");
            if (outcome.MinExpires is int min)
                response.Add(HeaderId.MinExpires, min.ToString(CultureInfo.InvariantCulture));
            if (outcome.Accept is { } accept)
                response.Add(HeaderId.Accept, string.Join(", ", accept));
            await transaction.RespondAsync(response.Add(HeaderId.Server, SipRequestDispatcher.ServerName)).ConfigureAwait(false);
        }
    }

    private static bool SupportsEventList(SipMessage request) =>
        request.GetValues(HeaderId.Supported).Any(tag => tag.Trim().Equals("eventlist", StringComparison.OrdinalIgnoreCase));

    // RFC 4662 §5.1: a list's NOTIFYs are multipart/related (RLMI and PIDF parts); an Accept must allow that.
    private static bool AcceptsList(SipMessage request) => Accepts(request, "multipart/related");

    // RFC 3856 §6.7 / RFC 3857 §5.1: the package's format is the default when there is no Accept header.
    private static bool Accepts(SipMessage request, string mediaType)
    {
        if (!request.Has(HeaderId.Accept))
            return true;
        foreach (string value in request.GetValues(HeaderId.Accept))
        {
            string type = value.Split(';', 2)[0].Trim();
            if (type.Equals(mediaType, StringComparison.OrdinalIgnoreCase)
                || type.Equals("application/*", StringComparison.OrdinalIgnoreCase)
                || type.Equals("*/*", StringComparison.Ordinal))
                return true;
        }
        return false;
    }
}
