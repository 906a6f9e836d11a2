using System.Text.Json;
using Presence.Cli.Tests.Infrastructure;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests;

/// <summary>presencectl presence watch follows the live stream: the presence now, then every change.</summary>
[Collection(ServerCollection.Name)]
public sealed class PresenceWatchTests(ServerFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private ServerProcess Server => fixture.Server;

    private string[] Connection => ["--server", Server.HttpBase!.ToString(), "--token", ServerProcess.ApiToken];

    [Fact]
    public async Task Watch_prints_the_presence_now_then_a_change_made_through_the_api()
    {
        var output = new CapturedWriter();
        var watch = Ctl.RunRawAsync([.. Connection, "presence", "watch", "wanda@watch.test", "--count", "2", "--timeout", "30s"], output: output);
        await output.WaitForLinesAsync(1, Wait);
        Assert.EndsWith("sip:wanda@watch.test unreachable (closed)", output.Lines[0], StringComparison.Ordinal);

        Assert.Equal(0, (await Ctl.RunAsync(Server, "dnd", "set", "wanda@watch.test", "-m", "in a meeting")).ExitCode);

        var result = await watch.WaitAsync(Wait);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, result.Lines.Count);
        Assert.EndsWith("sip:wanda@watch.test donotdisturb (closed): in a meeting", result.Lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_follows_what_a_sip_client_publishes_as_json_lines()
    {
        await using var walt = new TestUserAgent(Server.Port, "walt", "watch.test");
        Assert.Equal(200, (await walt.RegisterAsync()).StatusCode);

        var output = new CapturedWriter();
        var watch = Ctl.RunRawAsync([.. Connection, "--json", "presence", "watch", "walt@watch.test", "--count", "2"], output: output);
        await output.WaitForLinesAsync(1, Wait);
        Assert.Equal("available", JsonDocument.Parse(output.Lines[0]).RootElement.GetProperty("status").GetString());

        string closed = "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:walt@watch.test\">"
            + "<tuple id=\"t\"><status><basic>closed</basic></status><note>gone fishing</note></tuple></presence>";
        Assert.Equal(200, (await walt.PublishAsync("application/pidf+xml", closed)).StatusCode);

        var result = await watch.WaitAsync(Wait);
        Assert.True(result.ExitCode == 0, result.ToString());
        var changed = JsonDocument.Parse(result.Lines[1]).RootElement;
        Assert.Equal("donotdisturb", changed.GetProperty("status").GetString());
        Assert.Equal(1, changed.GetProperty("publications").GetInt32());
    }

    [Fact]
    public async Task Watch_ends_with_0_on_its_timeout_and_on_ctrl_c()
    {
        var timedOut = await Ctl.RunRawAsync([.. Connection, "presence", "watch", "wes@watch.test", "--timeout", "1s"]).WaitAsync(Wait);
        Assert.True(timedOut.ExitCode == 0, timedOut.ToString());
        Assert.Single(timedOut.Lines);

        // Ctrl+C reaches the command as the cancellation of its token, as System.CommandLine delivers SIGINT.
        using var ctrlC = new CancellationTokenSource();
        var output = new CapturedWriter();
        var watch = Ctl.RunRawAsync([.. Connection, "presence", "watch", "wes@watch.test"], output: output, ct: ctrlC.Token);
        await output.WaitForLinesAsync(1, Wait);
        await ctrlC.CancelAsync();
        var stopped = await watch.WaitAsync(Wait);
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        Assert.Empty(stopped.Error);
    }

    [Fact]
    public async Task Watching_something_that_is_not_a_user_is_refused()
    {
        var result = await Ctl.RunAsync(Server, "presence", "watch", "not a user", "--count", "1");
        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Contains("is not a user address", result.Error, StringComparison.Ordinal);
    }
}
