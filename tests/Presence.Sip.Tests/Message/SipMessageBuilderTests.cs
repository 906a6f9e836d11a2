using System.Buffers;
using System.Text;
using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary><see cref="SipMessageBuilder"/> writing requests and responses: exact bytes, Content-Length, injection.</summary>
public sealed class SipMessageBuilderTests
{
    private static SipMessageBuilder SampleRequest() =>
        SipMessageBuilder.Request(SipMethods.Subscribe, "sip:bob@example.com")
            .Add(HeaderId.Via, "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport")
            .Add(HeaderId.MaxForwards, "70")
            .Add(HeaderId.From, "\"Alice\" <sip:alice@example.com>;tag=1928301774")
            .Add(HeaderId.To, "<sip:bob@example.com>")
            .Add(HeaderId.CallId, "a84b4c76e66710@pc33.example.com")
            .Add(HeaderId.CSeq, "314159 SUBSCRIBE")
            .Add(HeaderId.Event, "presence")
            .Add("X-Extension", "yes");

    [Fact]
    public void Request_ExactBytes()
    {
        string expected =
            "SUBSCRIBE sip:bob@example.com SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n" +
            "Max-Forwards: 70\r\n" +
            "From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n" +
            "To: <sip:bob@example.com>\r\n" +
            "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
            "CSeq: 314159 SUBSCRIBE\r\n" +
            "Event: presence\r\n" +
            "X-Extension: yes\r\n" +
            "Content-Length: 0\r\n" +
            "\r\n";

        SipMessageBuilder builder = SampleRequest();

        Assert.Equal(expected, Encoding.UTF8.GetString(builder.ToArray()));
        Assert.Equal(expected, builder.ToString());
        Assert.Equal(Encoding.UTF8.GetByteCount(expected), builder.GetByteCount());
        Assert.True(builder.IsRequest);
        Assert.Equal("SUBSCRIBE", builder.Method);
        Assert.Equal("sip:bob@example.com", builder.RequestUri);
    }

    [Fact]
    public void Request_WithBody_ContentTypeAndComputedLength()
    {
        SipMessageBuilder builder = SipMessageBuilder.Request(SipMethods.Message, "sip:bob@example.com")
            .Add(HeaderId.CallId, "m1@example.com")
            .WithBody("text/plain;charset=UTF-8", "Grüße, €5");

        Assert.Equal(
            "MESSAGE sip:bob@example.com SIP/2.0\r\n" +
            "Call-ID: m1@example.com\r\n" +
            "Content-Type: text/plain;charset=UTF-8\r\n" +
            "Content-Length: 13\r\n" +
            "\r\n" +
            "Grüße, €5",
            builder.ToString());
        Assert.Equal("Grüße, €5", Encoding.UTF8.GetString(builder.Body.Span));
    }

    [Fact]
    public void Response_ExactBytesWithDefaultReason()
    {
        SipMessageBuilder builder = SipMessageBuilder.Response(404)
            .Add(HeaderId.CallId, "x@example.com");

        Assert.Equal("SIP/2.0 404 Not Found\r\nCall-ID: x@example.com\r\nContent-Length: 0\r\n\r\n", builder.ToString());
        Assert.False(builder.IsRequest);
        Assert.Equal(404, builder.StatusCode);
        Assert.Equal("Not Found", builder.Reason);
    }

    [Theory]
    [InlineData(200, null, "SIP/2.0 200 OK")]
    [InlineData(202, null, "SIP/2.0 202 Accepted")]
    [InlineData(489, null, "SIP/2.0 489 Bad Event")]
    [InlineData(599, null, "SIP/2.0 599 Server Error")]
    [InlineData(480, "Gone Fishing", "SIP/2.0 480 Gone Fishing")]
    [InlineData(200, "", "SIP/2.0 200 ")]
    [InlineData(486, "Busy\r\nX-Injected: 1", "SIP/2.0 486 Busy  X-Injected: 1")]
    [InlineData(486, "\tIn a meeting\n", "SIP/2.0 486 In a meeting")]
    [InlineData(603, "Nein\u0000danke\u0085", "SIP/2.0 603 Nein danke")]
    [InlineData(480, "Später zurück", "SIP/2.0 480 Später zurück")]
    public void Response_StatusLine(int code, string? reason, string statusLine)
    {
        string text = SipMessageBuilder.Response(code, reason).ToString();

        Assert.Equal(statusLine + "\r\nContent-Length: 0\r\n\r\n", text);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(700)]
    [InlineData(0)]
    public void Response_CodeOutOfRangeThrows(int code)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SipMessageBuilder.Response(code));
    }

    [Fact]
    public void GivenContentLength_IsReplacedByTheComputedOne()
    {
        SipMessageBuilder builder = SipMessageBuilder.Response(200)
            .Add(HeaderId.ContentLength, "999")
            .Add("l", "5")
            .Add("content-length", "7")
            .WithBody("text/plain", "abc");

        Assert.Equal("SIP/2.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc", builder.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(99)]
    [InlineData(100)]
    [InlineData(999)]
    [InlineData(1000)]
    [InlineData(9999)]
    [InlineData(10000)]
    [InlineData(99999)]
    [InlineData(100000)]
    [InlineData(999999)]
    [InlineData(1000000)]
    public void ContentLengthDigits_MatchGetByteCount(int bodyLength)
    {
        SipMessageBuilder builder = SipMessageBuilder.Response(200).WithBody("application/octet-stream", new byte[bodyLength]);
        string head = $"SIP/2.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {bodyLength}\r\n\r\n";

        byte[] bytes = builder.ToArray();

        Assert.Equal(head.Length + bodyLength, builder.GetByteCount());
        Assert.Equal(builder.GetByteCount(), bytes.Length);
        Assert.Equal(head, Encoding.ASCII.GetString(bytes, 0, head.Length));
        Span<byte> big = new byte[bytes.Length + 10];
        Assert.Equal(bytes.Length, builder.WriteTo(big));
    }

    [Fact]
    public void ExtensionHeaders_KeepTheirNameKnownOnesAreCanonical()
    {
        SipMessageBuilder builder = SipMessageBuilder.Response(200)
            .Add("X-Presence-Hint", "busy")
            .Add("subject", "hello")
            .Add("i", "compact@example.com")
            .Add("P-Asserted-Identity", "<sip:alice@example.com>");

        Assert.Equal(
            "SIP/2.0 200 OK\r\n" +
            "X-Presence-Hint: busy\r\n" +
            "Subject: hello\r\n" +
            "Call-ID: compact@example.com\r\n" +
            "P-Asserted-Identity: <sip:alice@example.com>\r\n" +
            "Content-Length: 0\r\n\r\n",
            builder.ToString());
        Assert.True(builder.Has(HeaderId.Subject));
        Assert.True(builder.Has(HeaderId.CallId));
        Assert.True(builder.Has(HeaderId.Unknown));
    }

    [Fact]
    public void SetReplacesEveryFieldAndRemoveCounts()
    {
        SipMessageBuilder builder = SipMessageBuilder.Response(200)
            .Add(HeaderId.Supported, "path")
            .Add(HeaderId.Expires, "10")
            .Add(HeaderId.Supported, "outbound")
            .Set(HeaderId.Expires, "20");

        Assert.Equal("SIP/2.0 200 OK\r\nSupported: path\r\nSupported: outbound\r\nExpires: 20\r\nContent-Length: 0\r\n\r\n", builder.ToString());
        Assert.Equal(2, builder.Remove(HeaderId.Supported));
        Assert.Equal(0, builder.Remove(HeaderId.Supported));
        Assert.False(builder.Has(HeaderId.Supported));
        Assert.Equal("SIP/2.0 200 OK\r\nExpires: 20\r\nContent-Length: 0\r\n\r\n", builder.ToString());
    }

    [Fact]
    public void ToMessage_RoundTrip()
    {
        SipMessageBuilder builder = SampleRequest().WithBody("application/pidf+xml", SampleMessages.PidfBody);

        SipMessage m = builder.ToMessage();

        Assert.Equal(builder.ToArray(), m.Raw.ToArray());
        Assert.Same(SipMethods.Subscribe, m.Method);
        Assert.Equal("sip:bob@example.com", m.RequestUri);
        Assert.Equal(314159, m.CSeq);
        Assert.Equal(70, m.MaxForwards);
        Assert.Equal("a84b4c76e66710@pc33.example.com", m.CallId);
        Assert.Equal("yes", m.GetFirst("X-Extension"));
        Assert.Equal("application/pidf+xml", m.GetFirst(HeaderId.ContentType));
        Assert.Equal("1111", m.GetFirst(HeaderId.ContentLength));
        Assert.Equal(SampleMessages.PidfBody, SipText.Utf8(m.Body));
        Assert.True(SipParser.Parse(builder.ToArray()).Success);
    }

    [Fact]
    public void ToMessage_OfResponseKeepsEmptyReason()
    {
        SipMessage m = SipMessageBuilder.Response(200, "").ToMessage();

        Assert.Equal(200, m.StatusCode);
        Assert.Equal(string.Empty, m.ReasonPhrase);
    }

    [Fact]
    public void WriteToBufferWriter_EqualsToArray()
    {
        SipMessageBuilder builder = SampleRequest().WithBody("text/plain", "body");
        var writer = new ArrayBufferWriter<byte>();
        writer.Write("prefix"u8);

        builder.WriteTo(writer);

        Assert.Equal([.. "prefix"u8, .. builder.ToArray()], writer.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData("value\r\nVia: SIP/2.0/UDP evil.example.com")]
    [InlineData("value\nX-Evil: 1")]
    [InlineData("value\rX-Evil: 1")]
    [InlineData("value\0")]
    public void HeaderInjection_IsRefused(string value)
    {
        SipMessageBuilder builder = SipMessageBuilder.Response(200);

        Assert.Throws<ArgumentException>(() => builder.Add(HeaderId.Subject, value));
        Assert.Throws<ArgumentException>(() => builder.Add("X-Custom", value));
        Assert.Throws<ArgumentException>(() => builder.Set(HeaderId.Subject, value));
        Assert.Equal("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", builder.ToString());
    }

    [Theory]
    [InlineData("Bad Name")]
    [InlineData("X-Evil:")]
    [InlineData("X-Evil\r\n")]
    [InlineData("")]
    [InlineData("Zoë")]
    public void HeaderName_MustBeAToken(string name)
    {
        Assert.Throws<ArgumentException>(() => SipMessageBuilder.Response(200).Add(name, "v"));
    }

    [Fact]
    public void NullValuesAndUnknownIdAreRefused()
    {
        SipMessageBuilder builder = SipMessageBuilder.Response(200);

        Assert.Throws<ArgumentNullException>(() => builder.Add(HeaderId.Subject, null!));
        Assert.Throws<ArgumentException>(() => builder.Add(HeaderId.Unknown, "x"));
    }

    [Theory]
    [InlineData("SUB SCRIBE", "sip:bob@example.com")]
    [InlineData("", "sip:bob@example.com")]
    [InlineData("SUBSCRIBE\r\n", "sip:bob@example.com")]
    [InlineData("SUBSCRIBE", "")]
    [InlineData("SUBSCRIBE", "sip:bob@example.com SIP/2.0\r\nX-Evil: 1")]
    [InlineData("SUBSCRIBE", "sip:bob@example.com\tx")]
    public void Request_MethodAndUriAreValidated(string method, string uri)
    {
        Assert.Throws<ArgumentException>(() => SipMessageBuilder.Request(method, uri));
    }

    [Theory]
    [InlineData("sip:bob@example.com SIP/2.0\r\nX-Evil: 1")]
    [InlineData("sip:bob@example.com\n")]
    [InlineData("")]
    public void RequestUriSetter_RefusesInjection(string uri)
    {
        // Regression: the setter used to accept anything, so a Request-URI could smuggle in a header line.
        SipMessageBuilder builder = SipMessageBuilder.Request(SipMethods.Options, "sip:bob@example.com");

        Assert.Throws<ArgumentException>(() => builder.RequestUri = uri);
        Assert.Equal("OPTIONS sip:bob@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n", builder.ToString());
    }

    [Fact]
    public void RequestUriSetter_ChangesTheStartLine()
    {
        SipMessageBuilder builder = SipMessageBuilder.Request(SipMethods.Options, "sip:bob@example.com");

        builder.RequestUri = "sip:bob@192.0.2.7:5070;transport=tcp";

        Assert.Equal("OPTIONS sip:bob@192.0.2.7:5070;transport=tcp SIP/2.0\r\nContent-Length: 0\r\n\r\n", builder.ToString());
    }

    [Fact]
    public void AddRaw_CopiesBytesVerbatim()
    {
        SipMessageBuilder builder = SipMessageBuilder.Response(200).AddRaw(HeaderId.Subject, "Grüße"u8.ToArray());

        Assert.Equal("SIP/2.0 200 OK\r\nSubject: Grüße\r\nContent-Length: 0\r\n\r\n", builder.ToString());
    }

    [Fact]
    public void AddCopy_KeepsExtensionHeadersAsTheyCameAndUnfoldsFoldedOnes()
    {
        SipMessage received = SipText.ParseValid(
            "MESSAGE sip:bob@example.com SIP/2.0\r\n" +
            "v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n" +
            "Max-Forwards: 70\r\n" +
            "f: <sip:alice@example.com>;tag=1\r\n" +
            "t: <sip:bob@example.com>\r\n" +
            "i: call-1\r\n" +
            "CSeq: 1 MESSAGE\r\n" +
            "X-Custom:   kept  as   is\r\n" +
            "Subject: one\r\n two\r\n" +
            "P-Folded: a\r\n\tb\r\n" +
            "Content-Length: 0\r\n\r\n");
        var copy = SipMessageBuilder.Request(SipMethods.Message, "sip:bob@example.com");
        for (int i = 0; i < received.HeaderCount; i++)
            copy.AddCopy(received, i);

        Assert.Equal(
            "MESSAGE sip:bob@example.com SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n" +
            "Max-Forwards: 70\r\n" +
            "From: <sip:alice@example.com>;tag=1\r\n" +
            "To: <sip:bob@example.com>\r\n" +
            "Call-ID: call-1\r\n" +
            "CSeq: 1 MESSAGE\r\n" +
            "X-Custom: kept  as   is\r\n" +
            "Subject: one two\r\n" +
            "P-Folded: a b\r\n" +
            "Content-Length: 0\r\n\r\n",
            copy.ToString());
    }
}
