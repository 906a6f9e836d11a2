using Microsoft.Extensions.Logging;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transactions;

namespace Presence.Server.Sip;

/// <summary>
/// The UAS core (RFC 3261 §8.2): checks every new request the way §8.2.1–8.2.2 say (method, URI scheme,
/// required extensions), answers OPTIONS itself, and gives the rest to the handler of its method.
/// </summary>
public sealed class SipRequestDispatcher
{
    public const string ServerName = "Presence.Orleans/0.1";

    private readonly Dictionary<string, ISipRequestHandler> _handlers = new(StringComparer.Ordinal);
    private readonly SipCapabilities _capabilities;
    private readonly ILogger _logger;
    private readonly Telemetry.PresenceMetrics? _metrics;
    private int _inFlight;
    private volatile bool _draining;

    public SipRequestDispatcher(
        SipCapabilities capabilities, IEnumerable<ISipRequestHandler> handlers, ILogger<SipRequestDispatcher> logger,
        Telemetry.PresenceMetrics? metrics = null)
    {
        _capabilities = capabilities;
        _metrics = metrics;
        _logger = logger;
        foreach (var handler in handlers)
        {
            foreach (string method in handler.Methods)
            {
                _handlers[method] = handler;
                capabilities.AddMethod(method);
            }
        }
    }

    /// <summary>Requests being handled right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>From now on new requests get 503 with Retry-After (RFC 3261 §21.5.4) while the server stops.</summary>
    public void StartDraining() => _draining = true;

    public async ValueTask HandleAsync(ServerTransaction transaction)
    {
        Interlocked.Increment(ref _inFlight);
        SipMessage request = transaction.Request;
        // Null (one flag read) unless a tracer listens; a child of the edge's span when the request carries its traceparent.
        var activity = Telemetry.PresenceActivities.StartServer(request);
        try
        {
            if (_logger.IsEnabled(LogLevel.Debug))
                SipLog.Request(_logger, request.Method, request.RequestUri, transaction.Source.ToString());
            if (_draining)
            {
                await transaction.RespondAsync(WithServer(transaction.CreateResponse(503).Add(HeaderId.RetryAfter, "5"))).ConfigureAwait(false);
                return;
            }
            if (Check(transaction) is { } rejection)
            {
                await transaction.RespondAsync(WithServer(rejection)).ConfigureAwait(false);
                return;
            }
            if (request.Method == SipMethods.Options)
            {
                await transaction.RespondAsync(WithServer(AnswerOptions(transaction))).ConfigureAwait(false);
                return;
            }
            if (_handlers.TryGetValue(request.Method, out var handler))
            {
                await handler.HandleAsync(transaction, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            await transaction.RespondAsync(WithServer(AnswerUnhandled(transaction))).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A bug in one handler costs that request a 500, never the process.
            SipLog.HandlerFailed(_logger, ex, request.Method, transaction.Source.ToString());
            await transaction.RespondAsync(WithServer(transaction.CreateResponse(500))).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _metrics?.RequestHandled(request.Method, transaction.FinalStatusCode);
            if (activity is not null)
                Telemetry.PresenceActivities.Stop(activity, transaction.FinalStatusCode);
        }
    }

    private SipMessageBuilder? Check(ServerTransaction transaction)
    {
        SipMessage request = transaction.Request;
        // RFC 3261 §8.2.2.1: a Request-URI scheme we do not serve is 416.
        if (!SipUri.TryParse(request.RequestUri, out var uri, out string error))
            return transaction.CreateResponse(400, "Malformed Request-URI: " + error);
        if (uri!.Scheme is not (UriScheme.Sip or UriScheme.Sips or UriScheme.Tel))
            return transaction.CreateResponse(416);
        // RFC 3261 §8.1.1: From and To must be addresses.
        if (!NameAddress.TryParse(request.GetFirst(HeaderId.From)!, out _, out error))
            return transaction.CreateResponse(400, "Malformed From: " + error);
        if (!NameAddress.TryParse(request.GetFirst(HeaderId.To)!, out _, out error))
            return transaction.CreateResponse(400, "Malformed To: " + error);
        // RFC 3261 §8.2.2.3: an extension we do not support in Require is 420 with Unsupported listing it
        // (not for CANCEL, and an ACK gets no answer at all).
        if (request.Method != SipMethods.Cancel)
        {
            var unsupported = request.GetValues(HeaderId.Require).Where(tag => !_capabilities.SupportsOptionTag(tag)).ToList();
            if (unsupported.Count > 0)
                return transaction.CreateResponse(420).Add(HeaderId.Unsupported, string.Join(", ", unsupported));
        }
        return null;
    }

    private SipMessageBuilder AnswerOptions(ServerTransaction transaction)
    {
        // RFC 3261 §11.2: the capabilities of this server.
        var response = transaction.CreateResponse(200)
            .Add(HeaderId.Allow, string.Join(", ", _capabilities.Methods))
            .Add(HeaderId.Accept, string.Join(", ", _capabilities.Accept))
            .Add(HeaderId.AcceptEncoding, "identity")
            .Add(HeaderId.AcceptLanguage, "en");
        if (_capabilities.EventPackages.Count > 0)
            response.Add(HeaderId.AllowEvents, string.Join(", ", _capabilities.EventPackages));
        if (_capabilities.OptionTags.Count > 0)
            response.Add(HeaderId.Supported, string.Join(", ", _capabilities.OptionTags));
        return response;
    }

    private SipMessageBuilder AnswerUnhandled(ServerTransaction transaction)
    {
        string method = transaction.Request.Method;
        // RFC 3261 §9.2: a CANCEL that matches no pending INVITE is 481. This server answers every INVITE at
        // once, so nothing is ever left to cancel.
        if (method == SipMethods.Cancel)
            return transaction.CreateResponse(481);
        // RFC 3261 §8.2.1: a method we know but do not serve is 405 with Allow; one we do not know is 501.
        return SipMethods.IsKnown(method)
            ? transaction.CreateResponse(405).Add(HeaderId.Allow, string.Join(", ", _capabilities.Methods))
            : transaction.CreateResponse(501);
    }

    private static SipMessageBuilder WithServer(SipMessageBuilder response) => response.Add(HeaderId.Server, ServerName);
}
