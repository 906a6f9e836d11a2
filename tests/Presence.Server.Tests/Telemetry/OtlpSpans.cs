using System.Text;

namespace Presence.Server.Tests.Telemetry;

/// <summary>
/// Reads the spans out of an OTLP ExportTraceServiceRequest (protobuf): resource_spans(1) → scope_spans(2) →
/// spans(2) → trace_id(1), span_id(2), parent_span_id(4), name(5). Just enough protobuf for that; other fields are skipped.
/// </summary>
internal static class OtlpSpans
{
    public sealed record Span(string Name, string TraceId, string SpanId, string ParentSpanId);

    public static List<Span> Read(byte[] body)
    {
        var spans = new List<Span>();
        foreach (var resourceSpans in Fields(body, 1))
            foreach (var scopeSpans in Fields(resourceSpans, 2))
                foreach (var span in Fields(scopeSpans, 2))
                    spans.Add(ReadSpan(span));
        return spans;
    }

    private static Span ReadSpan(byte[] span)
    {
        string Hex(int field) => Fields(span, field).Select(Convert.ToHexStringLower).FirstOrDefault() ?? string.Empty;
        return new Span(Encoding.UTF8.GetString(Fields(span, 5).FirstOrDefault() ?? []), Hex(1), Hex(2), Hex(4));
    }

    // The length-delimited fields numbered `number` of one message.
    private static IEnumerable<byte[]> Fields(byte[] message, int number)
    {
        int at = 0;
        while (at < message.Length)
        {
            ulong key = Varint(message, ref at);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    Varint(message, ref at);
                    break;
                case 1:
                    at += 8;
                    break;
                case 5:
                    at += 4;
                    break;
                case 2:
                    int length = (int)Varint(message, ref at);
                    if (field == number)
                        yield return message[at..(at + length)];
                    at += length;
                    break;
                default:
                    throw new FormatException($"Protobuf wire type {wire} at {at}.");
            }
        }
    }

    private static ulong Varint(byte[] data, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
    }
}
