using Microsoft.Extensions.Options;
using Presence.Server.Sip;

var builder = Host.CreateApplicationBuilder(args);
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
