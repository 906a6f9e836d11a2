using Presence.Cli.Tests.Infrastructure;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests;

/// <summary>
/// Against a server that authenticates SIP clients: a password set by presencectl is the one a phone must use,
/// a disabled user cannot register, and the read-only API token may read but not change.
/// </summary>
public sealed class AuthenticatedServerTests : IAsyncLifetime
{
    private const string ReadToken = "read-token-0123456789";

    private ServerProcess? _server;

    private ServerProcess Server => _server!;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(auth: true, extraArgs: [$"--Http:ReadToken={ReadToken}"]);

    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Fact]
    public async Task The_password_presencectl_sets_is_the_one_registration_needs()
    {
        Assert.Equal(0, (await Ctl.RunAsync(Server, "users", "add", "carol@example.com", "-p", "first-password")).ExitCode);
        await using var phone = new TestUserAgent(Server.Port, "carol") { Credentials = ("carol", "first-password") };
        Assert.Equal(200, (await phone.RegisterAsync()).StatusCode);

        var change = await Ctl.RunAsync(Server, "users", "password", "carol@example.com", "-p", "second-password");
        Assert.True(change.ExitCode == 0, change.ToString());
        Assert.Equal("password of sip:carol@example.com changed", change.Out.Trim());
        Assert.Equal(403, (await phone.RegisterAsync()).StatusCode);
        phone.Credentials = ("carol", "second-password");
        Assert.Equal(200, (await phone.RegisterAsync()).StatusCode);
    }

    [Fact]
    public async Task A_disabled_user_loses_its_registration_and_cannot_register_until_enabled()
    {
        await Ctl.RunAsync(Server, "users", "add", "dave@example.com", "-p", "dave-password");
        await using var phone = new TestUserAgent(Server.Port, "dave") { Credentials = ("dave", "dave-password") };
        Assert.Equal(200, (await phone.RegisterAsync()).StatusCode);
        Assert.Contains("status:          available (open)", (await Ctl.RunAsync(Server, "presence", "get", "dave@example.com")).Lines);

        Assert.Equal(0, (await Ctl.RunAsync(Server, "users", "disable", "dave@example.com")).ExitCode);
        Assert.Contains("status:          unreachable (closed)", (await Ctl.RunAsync(Server, "presence", "get", "dave@example.com")).Lines);
        var refused = await phone.RegisterAsync();
        Assert.Equal(403, refused.StatusCode);
        Assert.Equal("Account Disabled", refused.ReasonPhrase);

        Assert.Equal(0, (await Ctl.RunAsync(Server, "users", "enable", "dave@example.com")).ExitCode);
        Assert.Equal(200, (await phone.RegisterAsync()).StatusCode);
    }

    [Fact]
    public async Task The_read_only_token_reads_but_may_not_change()
    {
        await Ctl.RunAsync(Server, "users", "add", "erin@example.com", "-p", "erin-password");
        string[] reader = ["--server", Server.HttpBase!.ToString(), "--token", ReadToken];

        Assert.Equal(0, (await Ctl.RunRawAsync([.. reader, "users", "show", "erin@example.com"])).ExitCode);
        Assert.Equal(0, (await Ctl.RunRawAsync([.. reader, "presence", "get", "erin@example.com"])).ExitCode);

        var change = await Ctl.RunRawAsync([.. reader, "dnd", "set", "erin@example.com"]);
        Assert.Equal(ExitCodes.Refused, change.ExitCode);
        Assert.StartsWith("presencectl: server said 403 Forbidden: This token may only read", change.Error, StringComparison.Ordinal);
    }
}
