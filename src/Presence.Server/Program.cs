using Microsoft.Extensions.Options;
using Presence.Server.Cluster;
using Presence.Server.Http;
using Presence.Server.Presence;
using Presence.Server.Sip;

var builder = WebApplication.CreateBuilder(args);
// Presence first: hosted services start in order and stop in reverse, so the store is open before the first
// SIP request and closes after the last one.
builder.Services.AddPresence(builder.Configuration);
builder.Services.AddCluster(builder.Configuration);
builder.Services.AddSipEndpoint(builder.Configuration);
builder.Services.AddPresenceApi(builder.Configuration);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
builder.WebHost.UseUrls((builder.Configuration[$"{HttpApiOptions.Section}:Urls"] ?? new HttpApiOptions().Urls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

await using var app = builder.Build();
app.MapPresenceApi();
app.MapAccountApi();
app.MapRulesApi();
app.MapClusterApi();
try
{
    // The token is made (or read) at start, so its location is logged before the first call needs it.
    app.Services.GetRequiredService<ApiToken>();
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("Configuration error: " + string.Join(" ", ex.Failures));
    return 2;
}
