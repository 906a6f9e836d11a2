using System.Net;
using System.Text;

namespace Presence.Cli.Tests;

/// <summary>The pieces presencectl parses by itself: durations, the event stream, and the server's errors.</summary>
public sealed class ParsingTests
{
    [Theory]
    [InlineData("30", 30_000)]
    [InlineData("30s", 30_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5m", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData(" 5M ", 300_000)]
    public void Durations_read_as_operators_write_them(string text, double milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(milliseconds, value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("5x")]
    [InlineData("-5s")]
    [InlineData("five")]
    [InlineData("99999999999999999d")]
    public void Durations_that_are_not(string text) => Assert.False(Duration.TryParse(text, out _));

    [Fact]
    public async Task Event_stream_yields_named_events_joins_data_lines_and_skips_comments()
    {
        const string stream =
            "event: presence\ndata: {\"a\":1}\n\n"
            + ": keep-alive\n\n"
            + "data:first\r\ndata: second\r\n\r\n"
            + "event: presence\ndata: {\"a\":2}\n\n"
            + "event: presence\ndata: cut short";
        var events = new List<ServerSentEvent>();
        await foreach (var e in ServerSentEvent.ReadAllAsync(new MemoryStream(Encoding.UTF8.GetBytes(stream)), CancellationToken.None))
            events.Add(e);
        Assert.Equal(
            [new("presence", "{\"a\":1}"), new("message", "first\nsecond"), new("presence", "{\"a\":2}")],
            events);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, ExitCodes.Refused)]
    [InlineData(HttpStatusCode.Unauthorized, ExitCodes.Refused)]
    [InlineData(HttpStatusCode.Forbidden, ExitCodes.Refused)]
    [InlineData(HttpStatusCode.Conflict, ExitCodes.Refused)]
    [InlineData(HttpStatusCode.NotFound, ExitCodes.NotFound)]
    [InlineData(HttpStatusCode.InternalServerError, ExitCodes.Unavailable)]
    [InlineData(HttpStatusCode.ServiceUnavailable, ExitCodes.Unavailable)]
    public void Server_answers_map_to_exit_codes(HttpStatusCode status, int exitCode) =>
        Assert.Equal(exitCode, CliFailure.FromResponse(status, null, "{\"error\":\"why\"}", sentToken: true).ExitCode);

    [Fact]
    public void The_servers_reason_is_kept_and_anything_else_is_not_repeated()
    {
        Assert.Equal("server said 503 Service Unavailable: No silo serves this user right now; try again shortly.",
            CliFailure.FromResponse(HttpStatusCode.ServiceUnavailable, "Service Unavailable", "{\"error\":\"No silo serves this user right now; try again shortly.\"}", true).Message);
        Assert.Equal("server said 502 Bad Gateway: no explanation given",
            CliFailure.FromResponse(HttpStatusCode.BadGateway, "Bad Gateway", "<html><body>Bad gateway</body></html>", true).Message);
        Assert.Equal("server said 404 NotFound: no such thing here", CliFailure.FromResponse(HttpStatusCode.NotFound, null, string.Empty, true).Message);
    }
}
