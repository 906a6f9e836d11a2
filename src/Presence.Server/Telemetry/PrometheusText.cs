using System.Globalization;
using System.Text;

namespace Presence.Server.Telemetry;

/// <summary>
/// Writes metric families in the Prometheus text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/), naming them the way OpenTelemetry's Prometheus
/// compatibility rules do: dots and other characters outside [a-zA-Z0-9_:] become underscores, the unit is appended
/// as a word ("s" → "_seconds"; annotations in braces such as "{request}" are dropped), and counters end in "_total".
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(IEnumerable<MetricFamily> families)
    {
        var text = new StringBuilder(4096);
        Write(text, families);
        return text.ToString();
    }

    public static void Write(StringBuilder text, IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(families);
        foreach (var family in families)
        {
            if (family.Points.Count == 0)
                continue;
            string name = MetricName(family.Name, family.Unit, family.Kind);
            if (!string.IsNullOrEmpty(family.Description))
                text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(family.Description)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(family.Kind switch
            {
                MetricKind.Counter => "counter",
                MetricKind.Histogram => "histogram",
                _ => "gauge",
            }).Append('\n');
            foreach (var point in family.Points)
            {
                if (family.Kind == MetricKind.Histogram && point.Histogram is { } histogram)
                    WriteHistogram(text, name, point.Labels, histogram);
                else
                    Sample(text, name, point.Labels, null, point.Value);
            }
        }
    }

    /// <summary>The Prometheus name of an instrument: "presence.notify.delay" in "s" is "presence_notify_delay_seconds".</summary>
    public static string MetricName(string name, string? unit, MetricKind kind)
    {
        string result = Sanitize(name);
        string suffix = UnitSuffix(unit, kind);
        if (suffix.Length > 0 && !result.EndsWith("_" + suffix, StringComparison.Ordinal))
            result += "_" + suffix;
        if (kind == MetricKind.Counter && !result.EndsWith("_total", StringComparison.Ordinal))
            result += "_total";
        return result;
    }

    /// <summary>A label name: "sip.method" is "sip_method".</summary>
    public static string LabelName(string name) => Sanitize(name, allowColon: false);

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
            return value;
        return value.Replace("\\", @"\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", @"\n", StringComparison.Ordinal);
    }

    /// <summary>HELP text escapes backslash and line feed.</summary>
    public static string EscapeHelp(string help) =>
        help.Replace("\\", @"\\", StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal)
            .Replace("\n", @"\n", StringComparison.Ordinal);

    /// <summary>A sample value as Prometheus reads it (Go's ParseFloat): "+Inf", "-Inf", "NaN", or a round-trip number.</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void WriteHistogram(StringBuilder text, string name, IReadOnlyList<KeyValuePair<string, string>> labels, HistogramValue histogram)
    {
        // Buckets are cumulative (each counts every value at or below its bound), and the "+Inf" bucket equals _count.
        long cumulative = 0;
        for (int i = 0; i < histogram.Bounds.Count; i++)
        {
            cumulative += i < histogram.Counts.Count ? histogram.Counts[i] : 0;
            Sample(text, name + "_bucket", labels, FormatValue(histogram.Bounds[i]), cumulative);
        }
        for (int i = histogram.Bounds.Count; i < histogram.Counts.Count; i++)
            cumulative += histogram.Counts[i];
        Sample(text, name + "_bucket", labels, "+Inf", cumulative);
        Sample(text, name + "_sum", labels, null, histogram.Sum);
        Sample(text, name + "_count", labels, null, cumulative);
    }

    private static void Sample(StringBuilder text, string name, IReadOnlyList<KeyValuePair<string, string>> labels, string? le, double value)
    {
        text.Append(name);
        if (labels.Count > 0 || le is not null)
        {
            text.Append('{');
            bool first = true;
            foreach (var (key, labelValue) in labels)
            {
                if (!first)
                    text.Append(',');
                first = false;
                text.Append(LabelName(key)).Append("=\"").Append(EscapeLabelValue(labelValue)).Append('"');
            }
            if (le is not null)
                text.Append(first ? string.Empty : ",").Append("le=\"").Append(le).Append('"');
            text.Append('}');
        }
        text.Append(' ').Append(FormatValue(value)).Append('\n');
    }

    // OpenTelemetry → Prometheus unit words for the UCUM units instruments use; "By/s" is "bytes_per_second".
    private static string UnitSuffix(string? unit, MetricKind kind)
    {
        if (string.IsNullOrWhiteSpace(unit))
            return string.Empty;
        // Annotations ("{request}") say what is counted, not a unit; they are dropped.
        string plain = StripAnnotations(unit).Trim();
        if (plain == "1")
            return kind == MetricKind.Gauge ? "ratio" : string.Empty;
        int slash = plain.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
            return UnitWord(plain, plural: true);
        string per = UnitWord(plain[(slash + 1)..], plural: false);
        string of = UnitWord(plain[..slash], plural: true);
        return per.Length == 0 ? of : of.Length == 0 ? "per_" + per : of + "_per_" + per;
    }

    private static string UnitWord(string unit, bool plural)
    {
        string? word = unit switch
        {
            "" => string.Empty,
            "s" => "second",
            "ms" => "millisecond",
            "us" => "microsecond",
            "ns" => "nanosecond",
            "min" => "minute",
            "h" => "hour",
            "d" => "day",
            "By" => "byte",
            "KiBy" => "kibibyte",
            "MiBy" => "mebibyte",
            "%" => "percent",
            _ => null,
        };
        if (word is null)
            return Sanitize(unit);
        return plural && word.Length > 0 && word != "percent" ? word + "s" : word;
    }

    private static string StripAnnotations(string unit)
    {
        if (!unit.Contains('{', StringComparison.Ordinal))
            return unit;
        var text = new StringBuilder(unit.Length);
        int depth = 0;
        foreach (char c in unit)
        {
            if (c == '{')
                depth++;
            else if (c == '}' && depth > 0)
                depth--;
            else if (depth == 0)
                text.Append(c);
        }
        return text.ToString();
    }

    // [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, without ':' for labels (colons are for recording rules);
    // runs of underscores collapse to one, as OpenTelemetry's translation does.
    private static string Sanitize(string name, bool allowColon = true)
    {
        var text = new StringBuilder(name.Length + 1);
        foreach (char c in name)
        {
            bool valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            char next = valid ? c : '_';
            if (next == '_' && text.Length > 0 && text[^1] == '_')
                continue;
            text.Append(next);
        }
        if (text.Length == 0 || char.IsAsciiDigit(text[0]))
            text.Insert(0, '_');
        return text.ToString();
    }
}
