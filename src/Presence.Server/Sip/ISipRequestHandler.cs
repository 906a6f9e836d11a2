using Presence.Sip.Transactions;

namespace Presence.Server.Sip;

/// <summary>Handles the requests of one or more methods; registered with <see cref="SipRequestDispatcher"/>.</summary>
public interface ISipRequestHandler
{
    IReadOnlyList<string> Methods { get; }

    /// <summary>Answers the request through the transaction (exactly one final response).</summary>
    ValueTask HandleAsync(ServerTransaction transaction, CancellationToken cancellationToken);
}
