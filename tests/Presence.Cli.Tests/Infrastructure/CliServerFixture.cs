using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests.Infrastructure;

/// <summary>
/// One real server for the whole suite (starting one costs about a second). Digest authentication is off, as in
/// the server's presence tests; the tests that need it on start their own. Each test uses users of its own.
/// </summary>
public sealed class CliServerFixture : IAsyncLifetime
{
    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class CliServerCollection : ICollectionFixture<CliServerFixture>
{
    public const string Name = "presencectl against a server";
}
