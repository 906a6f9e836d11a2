using Microsoft.Extensions.Options;
using Presence.Server.Presence;
using Presence.Server.Sip;

var builder = Host.CreateApplicationBuilder(args);
// Presence first: hosted services start in order and stop in reverse, so the store is open before the first
// SIP request and closes after the last one.
builder.Services.AddPresence(builder.Configuration);
builder.Services.AddSipEndpoint(builder.Configuration);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

using var host = builder.Build();
try
{
    await host.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("Configuration error: " + string.Join(" ", ex.Failures));
    return 2;
}
