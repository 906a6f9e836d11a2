using Presence.Server.Telemetry;

namespace Presence.Server.Tests.Telemetry;

/// <summary>The exposition writer: names, escaping, histogram buckets, and the exact text.</summary>
public sealed class PrometheusTextTests
{
    private static KeyValuePair<string, string> L(string key, string value) => new(key, value);

    [Theory]
    [InlineData("presence.notify.delay", "s", MetricKind.Histogram, "presence_notify_delay_seconds")]
    [InlineData("sip.server.requests", "{request}", MetricKind.Counter, "sip_server_requests_total")]
    [InlineData("presence.users.active", "{user}", MetricKind.Gauge, "presence_users_active")]
    [InlineData("presence.store.commit.duration", "s", MetricKind.Histogram, "presence_store_commit_duration_seconds")]
    [InlineData("queue.size", "By", MetricKind.Gauge, "queue_size_bytes")]
    [InlineData("cpu.utilization", "1", MetricKind.Gauge, "cpu_utilization_ratio")]
    [InlineData("cpu.time", "1", MetricKind.Counter, "cpu_time_total")]
    [InlineData("net.rate", "By/s", MetricKind.Gauge, "net_rate_bytes_per_second")]
    [InlineData("already_total", null, MetricKind.Counter, "already_total")]
    [InlineData("wait.seconds", "s", MetricKind.Gauge, "wait_seconds")]
    [InlineData("odd-name..with spaces", "", MetricKind.Gauge, "odd_name_with_spaces")]
    [InlineData("9lives", null, MetricKind.Gauge, "_9lives")]
    [InlineData("rpc:calls", "{call}", MetricKind.Counter, "rpc:calls_total")]
    public void Names_follow_the_OpenTelemetry_to_Prometheus_rules(string name, string? unit, MetricKind kind, string expected) =>
        Assert.Equal(expected, PrometheusText.MetricName(name, unit, kind));

    [Theory]
    [InlineData("sip.response.status_class", "sip_response_status_class")]
    [InlineData("a:b", "a_b")]
    [InlineData("network.transport", "network_transport")]
    public void Label_names_lose_dots_and_colons(string name, string expected) =>
        Assert.Equal(expected, PrometheusText.LabelName(name));

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\"quote", "a\\\"quote")]
    [InlineData(@"back\slash", @"back\\slash")]
    [InlineData("two\nlines", @"two\nlines")]
    [InlineData("\\\"\n", "\\\\\\\"\\n")]
    public void Label_values_escape_backslash_quote_and_newline(string value, string expected) =>
        Assert.Equal(expected, PrometheusText.EscapeLabelValue(value));

    [Fact]
    public void Help_escapes_backslash_and_newline_but_not_quotes() =>
        Assert.Equal(@"say ""hi"" \\ then\nmore", PrometheusText.EscapeHelp("say \"hi\" \\ then\nmore"));

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0d, "0")]
    [InlineData(42d, "42")]
    [InlineData(0.005, "0.005")]
    [InlineData(1e-7, "1E-07")]
    public void Values_are_written_as_Go_parses_them(double value, string expected) =>
        Assert.Equal(expected, PrometheusText.FormatValue(value));

    [Fact]
    public void A_counter_and_a_gauge_are_written_with_help_type_and_labels()
    {
        string text = PrometheusText.Write(
        [
            new MetricFamily("sip.server.requests", "{request}", "Requests handled.", MetricKind.Counter,
            [
                new MetricPoint([L("sip.method", "PUBLISH"), L("sip.response.status_class", "2xx")], 3),
                new MetricPoint([L("sip.method", "REGISTER"), L("sip.response.status_class", "4xx")], 1),
            ]),
            new MetricFamily("presence.users.active", "{user}", "Users in memory.", MetricKind.Gauge, [new MetricPoint([], 7)]),
        ]);

        Assert.Equal(
            "# HELP sip_server_requests_total Requests handled.\n"
            + "# TYPE sip_server_requests_total counter\n"
            + "sip_server_requests_total{sip_method=\"PUBLISH\",sip_response_status_class=\"2xx\"} 3\n"
            + "sip_server_requests_total{sip_method=\"REGISTER\",sip_response_status_class=\"4xx\"} 1\n"
            + "# HELP presence_users_active Users in memory.\n"
            + "# TYPE presence_users_active gauge\n"
            + "presence_users_active 7\n",
            text);
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_the_inf_bucket_is_the_count()
    {
        // Per bucket: 2 at or below 0.1, 0 in (0.1, 1], 3 in (1, 10], 1 above 10.
        var histogram = new HistogramValue([0.1, 1, 10], [2, 0, 3, 1], Sum: 31.5);
        string text = PrometheusText.Write(
            [new MetricFamily("presence.notify.delay", "s", "Delay.", MetricKind.Histogram, [new MetricPoint([L("sip.event", "presence")], 31.5, histogram)])]);

        Assert.Equal(
            "# HELP presence_notify_delay_seconds Delay.\n"
            + "# TYPE presence_notify_delay_seconds histogram\n"
            + "presence_notify_delay_seconds_bucket{sip_event=\"presence\",le=\"0.1\"} 2\n"
            + "presence_notify_delay_seconds_bucket{sip_event=\"presence\",le=\"1\"} 2\n"
            + "presence_notify_delay_seconds_bucket{sip_event=\"presence\",le=\"10\"} 5\n"
            + "presence_notify_delay_seconds_bucket{sip_event=\"presence\",le=\"+Inf\"} 6\n"
            + "presence_notify_delay_seconds_sum{sip_event=\"presence\"} 31.5\n"
            + "presence_notify_delay_seconds_count{sip_event=\"presence\"} 6\n",
            text);
    }

    [Fact]
    public void A_histogram_without_labels_has_only_le()
    {
        string text = PrometheusText.Write(
            [new MetricFamily("b", "{write}", null, MetricKind.Histogram, [new MetricPoint([], 3, new HistogramValue([1], [1, 1], 3))])]);
        Assert.Contains("b_bucket{le=\"1\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("b_bucket{le=\"+Inf\"} 2\nb_sum 3\nb_count 2\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("# HELP", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_label_values_and_help_stay_on_their_line()
    {
        string text = PrometheusText.Write(
        [
            new MetricFamily("x", null, "line one\nline two \\", MetricKind.Gauge,
                [new MetricPoint([L("who", "a\"} 1\ninjected_metric 666")], 1)]),
        ]);
        string[] lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal(@"# HELP x line one\nline two \\", lines[0]);
        Assert.Equal("x{who=\"a\\\"} 1\\ninjected_metric 666\"} 1", lines[2]);
    }

    [Fact]
    public void A_family_without_series_is_left_out() =>
        Assert.Equal(string.Empty, PrometheusText.Write([new MetricFamily("nothing", null, "No series.", MetricKind.Counter, [])]));
}
