using Microsoft.Extensions.Options;
using Presence.Server.Cluster;
using Presence.Server.Dashboard;
using Presence.Server.Edge;
using Presence.Server.Http;
using Presence.Server.OrleansDashboard;
using Presence.Server.Presence;
using Presence.Server.Sip;
using Presence.Server.Telemetry;

// appsettings.json is read from where the server is installed, whatever the working directory (systemd's, or a
// member's data directory): relative paths in the settings (Presence:DatabasePath) stay relative to the latter.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// The role decides which services exist at all, so the cluster settings are read before the host is built.
ClusterOptions cluster = OrleansHosting.ReadOptions(builder.Configuration, out var clusterErrors);
if (clusterErrors.Count > 0)
{
    await Console.Error.WriteLineAsync("Configuration error: " + string.Join(" ", clusterErrors));
    return 2;
}
ClusterRole role = cluster.Role;
// An edge holds no users: no store, no grains, no API. A silo speaks no SIP.
bool hostsUsers = role != ClusterRole.Edge;
bool speaksSip = role != ClusterRole.Silo;
// Telemetry first: its OTLP export starts before everything and flushes after everything has stopped.
builder.Services.AddPresenceTelemetry(builder.Configuration, role);
builder.Logging.AddOtlpLogs(builder.Configuration, role.ToString().ToLowerInvariant());
// Hosted services start in order and stop in reverse: the store opens before the silo starts (and closes after its
// last grain), the silo has joined before SIP listens, and SIP stops taking requests before the silo leaves.
builder.Services.AddPresence(builder.Configuration);
if (hostsUsers)
    builder.Services.AddPresenceStore();
builder.UsePresenceSilo(cluster);
if (speaksSip)
    builder.Services.AddSipEndpoint(builder.Configuration);
if (hostsUsers)
    builder.Services.AddPresenceApi(builder.Configuration);
builder.Services.AddDashboard();
string[] urls = (builder.Configuration[$"{HttpApiOptions.Section}:Urls"] ?? new HttpApiOptions().Urls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (speaksSip && WebSocketEndpoint.Configured(builder.Configuration) is { } sip && WebSocketEndpoint.Urls(sip).ToList() is { Count: > 0 } webSockets)
{
    // SIP over WebSocket has listeners of its own beside the HTTP API's; WSS takes the certificate of Sip:Tls.
    urls = [.. urls, .. webSockets];
    if (sip.WebSocket.TlsPort != 0 && !string.IsNullOrEmpty(sip.Tls.CertificatePath) && File.Exists(sip.Tls.CertificatePath))
    {
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate;
        try
        {
            certificate = SipEndpointService.LoadCertificate(sip);
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync("Configuration error: " + ex.Message);
            return 2;
        }
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
    }
}
builder.WebHost.UseUrls(urls);

await using var app = builder.Build();
if (speaksSip)
    app.UseSipWebSockets();
app.MapMetrics();
if (hostsUsers)
{
    app.MapPresenceApi();
    app.MapAccountApi();
    app.MapRulesApi();
    app.MapListsApi();
    app.MapCalendarApi();
    app.MapClusterApi();
    app.MapDashboard();
    Presence.Server.Phone.PhonePage.MapPhonePage(app);
    app.MapOrleansDashboard(Presence.Server.OrleansDashboard.OrleansDashboardOptions.Read(builder.Configuration));
}
else
{
    app.MapEdgeHealth();
}
try
{
    // The token is made (or read) at start, so its location is logged before the first call needs it.
    if (hostsUsers)
        app.Services.GetRequiredService<ApiToken>();
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("Configuration error: " + string.Join(" ", ex.Failures));
    return 2;
}
catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode is System.Net.Sockets.SocketError.AddressAlreadyInUse
    or System.Net.Sockets.SocketError.AddressNotAvailable or System.Net.Sockets.SocketError.AccessDenied)
{
    // Another server (or an earlier one still stopping) has the port, or the address is not this machine's.
    await Console.Error.WriteLineAsync(
        $"Cannot listen: {ex.Message}. Check Sip:ListenAddress, Sip:UdpPort/TcpPort/TlsPort, Cluster:SiloPort and Http:Urls, and that no other server uses them.");
    return 3;
}
catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    await Console.Error.WriteLineAsync($"Cannot listen: {ex.Message} Check Http:Urls, and that no other server uses it.");
    return 3;
}
