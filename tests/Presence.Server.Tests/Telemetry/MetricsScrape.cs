using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Presence.Server.Tests.Telemetry;

/// <summary>A scraped /metrics page: its text, its samples by "name{labels}" as written, and promtool's verdict.</summary>
internal sealed class MetricsScrape
{
    private MetricsScrape(string text)
    {
        Text = text;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
                continue;
            int space = line.LastIndexOf(' ');
            Samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
    }

    public string Text { get; }

    public Dictionary<string, double> Samples { get; } = new(StringComparer.Ordinal);

    /// <summary>The sample, or 0 when the series does not exist (a counter nothing has counted yet).</summary>
    public double this[string series] => Samples.GetValueOrDefault(series);

    public static async Task<MetricsScrape> FromAsync(Uri httpBase, string? token)
    {
        using var client = new HttpClient { BaseAddress = httpBase, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (token is not null)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return new MetricsScrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Runs <c>promtool check metrics</c> on the text; fails the test with promtool's complaint.</summary>
    public async Task AssertPromtoolAcceptsAsync()
    {
        string? promtool = FindPromtool();
        Assert.True(promtool is not null,
            "promtool is not installed: it comes with Debian's 'prometheus' package, which scripts/install-test-deps.sh installs (./test.sh runs it).");
        var start = new ProcessStartInfo(promtool!, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(Text);
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"promtool check metrics failed ({process.ExitCode}):\n{await output}{await error}\n--- the page:\n{Text}");
    }

    private static string? FindPromtool() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':')
            .Select(dir => Path.Combine(dir, "promtool")).FirstOrDefault(File.Exists);
}
