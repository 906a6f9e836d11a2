using System.Diagnostics;
using System.Reflection;
using Presence.Sip.Message;

namespace Presence.Server.Telemetry;

/// <summary>
/// The names telemetry goes by: one <see cref="System.Diagnostics.Metrics.Meter"/> (made per host by
/// <see cref="PresenceMetrics"/>) and one <see cref="ActivitySource"/>, both "Presence.Orleans", at the version of
/// this assembly, and the attribute names the instruments and spans share.
/// </summary>
public static class PresenceTelemetry
{
    public const string Name = "Presence.Orleans";

    /// <summary>The assembly's version ("1.2.3", without a source revision suffix).</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>Spans of SIP transactions and NOTIFYs (the grains add turns and store commits under the same name).</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, Version);

    /// <summary>Attribute names, in OpenTelemetry's dotted style.</summary>
    public static class Attributes
    {
        public const string SipMethod = "sip.method";
        public const string StatusClass = "sip.response.status_class";
        public const string StatusCode = "sip.response.status_code";
        public const string Transport = "network.transport";
        public const string RateLimitAction = "sip.rate_limit.action";
        public const string ParseErrorOutcome = "sip.parse_error.outcome";
        public const string TransactionSide = "sip.transaction.side";
        public const string Role = "presence.role";
        public const string EventPackage = "sip.event";
    }

    /// <summary>
    /// A method as an attribute value: the interned constant of a known method, "_OTHER" for an extension
    /// method (OpenTelemetry's convention for HTTP methods), so a client cannot grow the number of series.
    /// </summary>
    public static string MethodTag(string method) => method switch
    {
        SipMethods.Register => SipMethods.Register,
        SipMethods.Publish => SipMethods.Publish,
        SipMethods.Subscribe => SipMethods.Subscribe,
        SipMethods.Notify => SipMethods.Notify,
        SipMethods.Options => SipMethods.Options,
        SipMethods.Invite => SipMethods.Invite,
        SipMethods.Message => SipMethods.Message,
        SipMethods.Ack => SipMethods.Ack,
        SipMethods.Cancel => SipMethods.Cancel,
        SipMethods.Bye => SipMethods.Bye,
        SipMethods.Info => SipMethods.Info,
        SipMethods.Prack => SipMethods.Prack,
        SipMethods.Update => SipMethods.Update,
        SipMethods.Refer => SipMethods.Refer,
        _ => "_OTHER",
    };

    private static readonly string[] Classes = ["none", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx"];

    /// <summary>"1xx" … "6xx" for a status code, "none" when there was no final response.</summary>
    public static string StatusClass(int statusCode) => statusCode is >= 100 and <= 699 ? Classes[statusCode / 100] : Classes[0];

    private static string ReadVersion()
    {
        var assembly = typeof(PresenceTelemetry).Assembly;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(version))
            return assembly.GetName().Version?.ToString() ?? "0.0.0";
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
