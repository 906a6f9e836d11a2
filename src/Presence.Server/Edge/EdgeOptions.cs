using Microsoft.Extensions.Options;
using Presence.Server.Sip;
using Presence.Sip.Transport;

namespace Presence.Server.Edge;

/// <summary>When the proxy adds its Record-Route to a dialog-creating request (RFC 3261 §16.6 step 4).</summary>
public enum RecordRouteMode
{
    /// <summary>Always: every NOTIFY and in-dialog request then passes through this proxy.</summary>
    Always,

    /// <summary>Only when the request has no Record-Route yet: an outside proxy in front (Kamailio, say) already
    /// stays in the path, and one hop that holds the client's flow is enough.</summary>
    IfNone,
}

/// <summary>The "Edge" configuration section: where the silos are and how the proxy marks what it forwards.</summary>
public sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>
    /// The silos of a configuration-only cluster, each "udp:address:port" (default none). Also read as one
    /// comma-separated value (<c>--Edge:Silos=udp:10.0.0.1:5060,udp:10.0.0.2:5060</c>). An edge without silos
    /// answers every request 503 with Retry-After.
    /// </summary>
    public List<string> Silos { get; set; } = [];

    /// <summary>
    /// The base64 key (at least 16 bytes) that signs flow tokens (default: random per process). Edges that stand in
    /// for each other behind one address need the same key, or a restarted edge refuses the tokens in live dialogs.
    /// </summary>
    public string FlowSecret { get; set; } = string.Empty;

    /// <summary>Record-Route always (default) or only when the request has none yet.</summary>
    public RecordRouteMode RecordRoute { get; set; } = RecordRouteMode.Always;

    /// <summary>Retry-After, in seconds, of the 503 answered when no silo can take a request (default 5).</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>The silo list as destinations; the validator has refused any entry that is not one.</summary>
    public List<SipDestination> SiloDestinations() =>
        Silos.Select(s => FlowToken.TryParse(s.Trim(), out var d) ? d : (SipDestination?)null).OfType<SipDestination>().ToList();

    /// <summary>The flow-token key: the configured one, or a fresh random one.</summary>
    public byte[] FlowKey() =>
        string.IsNullOrWhiteSpace(FlowSecret) ? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) : Convert.FromBase64String(FlowSecret.Trim());
}

/// <summary>Refuses an edge configuration that cannot work, naming the setting.</summary>
public sealed class EdgeOptionsValidator(IOptions<SipOptions> sip) : IValidateOptions<EdgeOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeOptions options)
    {
        var failures = new List<string>();
        foreach (string silo in options.Silos)
        {
            // The proxy keeps no state, so it has no connection of its own to a silo to reuse: it speaks UDP to silos.
            if (!FlowToken.TryParse(silo.Trim(), out var destination) || destination.Transport != SipTransportKind.Udp || destination.FlowId != 0)
                failures.Add($"Edge:Silos '{silo}' is not a silo address such as udp:10.0.0.1:5060.");
        }
        if (options.Silos.Count > 0 && sip.Value.UdpPort == 0)
            failures.Add("Edge:Silos needs Sip:UdpPort: the edge reaches silos over UDP.");
        if (!string.IsNullOrWhiteSpace(options.FlowSecret))
        {
            byte[] key = new byte[options.FlowSecret.Length];
            if (!Convert.TryFromBase64String(options.FlowSecret.Trim(), key, out int length) || length < 16)
                failures.Add("Edge:FlowSecret must be base64 of at least 16 bytes.");
        }
        if (options.RetryAfterSeconds is < 1 or > 3600)
            failures.Add("Edge:RetryAfterSeconds must be between 1 and 3600.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
