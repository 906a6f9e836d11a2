using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Presence.Server.Tests.Telemetry;

/// <summary>
/// A scraped /metrics page: its text, its samples by "name{labels}" as written but without the instrumentation scope
/// OpenTelemetry's exporter adds to every series (otel_scope_name, otel_scope_version), and promtool's verdict.
/// </summary>
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
            Samples[WithoutScope(line[..space])] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
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

    /// <summary>
    /// Runs <c>promtool check metrics</c> on the text; fails the test with promtool's complaint. The page must parse, and
    /// its linter may complain only of Orleans' own families (milliseconds and megabytes rather than base units,
    /// camelCase attribute names: Orleans' naming, kept as it is); the product's families must be clean.
    /// </summary>
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
        string said = await output + await error;
        // Exit code 3 is promtool's "lint problems" (1 would be a page that does not parse).
        bool onlyOrleans = process.ExitCode == 3 && said.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .All(line => line.StartsWith("orleans_", StringComparison.Ordinal));
        Assert.True(process.ExitCode == 0 || onlyOrleans, $"promtool check metrics failed ({process.ExitCode}):\n{said}\n--- the page:\n{Text}");
    }

    /// <summary>The meter a series came from: its otel_scope_name label, or null.</summary>
    public static string? ScopeOf(string line)
    {
        int start = line.IndexOf("otel_scope_name=\"", StringComparison.Ordinal);
        if (start < 0)
            return null;
        start += "otel_scope_name=\"".Length;
        return line[start..line.IndexOf('"', start)];
    }

    // name{otel_scope_name="x",otel_scope_version="y",a="b"} -> name{a="b"}; name{otel_scope_name="x"} -> name.
    private static string WithoutScope(string series)
    {
        int brace = series.IndexOf('{', StringComparison.Ordinal);
        if (brace < 0)
            return series;
        var labels = SplitLabels(series[(brace + 1)..^1]).Where(l => !l.StartsWith("otel_scope_", StringComparison.Ordinal)).ToList();
        return labels.Count == 0 ? series[..brace] : series[..brace] + "{" + string.Join(",", labels) + "}";
    }

    // Splits a="b",c="d" at the commas between labels (a value may hold an escaped quote or a comma).
    private static IEnumerable<string> SplitLabels(string text)
    {
        int start = 0;
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
                i++;
            else if (text[i] == '"')
                quoted = !quoted;
            else if (text[i] == ',' && !quoted)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        if (start < text.Length)
            yield return text[start..];
    }

    private static string? FindPromtool() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':')
            .Select(dir => Path.Combine(dir, "promtool")).FirstOrDefault(File.Exists);
}
