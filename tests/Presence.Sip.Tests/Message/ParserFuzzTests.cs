using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary>
/// Bounded, seeded mutation fuzzing of the parser, the stream framer and the header parsers. Each seed is
/// reproducible: a failure names the seed, the iteration and the input. The parser must never throw, must
/// reject only with 400, 505 or 513 and a reason, and whatever it returns must be safe to read and to answer.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int ParseIterationsPerSeed = 80_000;   // x 4 seeds = 320,000 messages
    private const int StreamIterationsPerSeed = 30_000;  // x 2 seeds = 60,000 streams
    private const int HeaderIterationsPerSeed = 60_000;  // x 2 seeds = 120,000 header values

    private static readonly SipParserLimits TightLimits = new() { MaxMessageSize = 1_500, MaxHeaderCount = 12, MaxLineLength = 120 };

    private static readonly byte[] InterestingBytes =
        [0, (byte)'\r', (byte)'\n', (byte)':', (byte)';', (byte)'<', (byte)'>', (byte)'"', (byte)'\\', (byte)'%',
         (byte)' ', (byte)'\t', 0xFF, (byte)',', (byte)'@', (byte)'[', (byte)']', (byte)'=', (byte)'?', (byte)'/', 0x7F, 0xC3];

    private static readonly byte[][] InterestingTokens =
        [.. new[]
        {
            "\r\n", "\r\n\r\n", "\r\n ", "\r\n\t", "\n", "\r", ": ", ";;", "\"", "\\\"", "%", "%2", "%zz", "[", "]:", "[::1]",
            "<sip:a@b>", "sip:", "sips:[2001:db8::1]:5070", "SIP/2.0/", "SIP/3.0", ", ", ",,", "*", ";tag=", ";rport",
            ";branch=", ";expires=99999999999", ";q=1.5", "\r\nContent-Length: 99999\r\n", "\r\nl: 0\r\n", "\r\nv: SIP/2.0/UDP x\r\n",
            "\r\nCSeq: 1 ", "\r\nMax-Forwards: 256\r\n", "\r\nCall-ID: \r\n", "2147483648", "65536", "\u00e9", "(", ")",
        }.Select(Encoding.UTF8.GetBytes)];

    /// <summary>Seed messages: the shared samples and a few that carry every header the typed parsers read.</summary>
    private static readonly byte[][] Seeds =
        [.. SampleMessages.All.Concat(
        [
            SipText.Message("SUBSCRIBE sip:rls@example.com;transport=tcp SIP/2.0",
            [
                "v: SIP/2.0/TLS [2001:db8::5]:5061;branch=z9hG4bKfz1;rport, SIP/2.0/UDP 192.0.2.9;received=198.51.100.2;branch=z9hG4bKfz0",
                "Max-Forwards: 70",
                "f: \"Zoë \\\"Z\\\" Ångström\" <sips:zoe:pw@example.com;user=phone?subject=a%20b>;tag=zz1",
                "t: sip:rls@example.com",
                "i: fuzz-1@[2001:db8::5]",
                "CSeq: 7",
                "  SUBSCRIBE",
                "m: <sip:zoe@[2001:db8::5]:5061;transport=tls;ob>;expires=600;q=0.7;+sip.instance=\"<urn:uuid:0c8f>\", *",
                "Route: <sip:proxy.example.com;lr>, <sip:[2001:db8::1];lr>",
                "Record-Route: <sip:rr.example.com;lr;maddr=239.1.1.1>",
                "o: presence.winfo;id=77",
                "Supported: eventlist, path",
                "Accept: application/pidf+xml;q=1, multipart/related;type=\"application/rlmi+xml\"",
                "Expires: 600",
                "Subject: folded",
                "\tvalue",
                "c: text/plain;charset=UTF-8",
                "l: 4",
            ], "body"),
            SipText.Message("SIP/2.0 489 Bad Event",
            [
                "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport=5060;received=192.0.2.10",
                "From: <sip:alice@example.com>;tag=1",
                "To: <tel:+1-201-555-0123;phone-context=example.com>;tag=2",
                "Call-ID: a@b",
                "CSeq: 1 SUBSCRIBE",
                "Subscription-State: terminated;reason=probation;retry-after=120",
                "Warning: 399 presence.example.com \"Unknown \\\"event\\\"\"",
                "Reason: SIP ;cause=489 ;text=\"Bad Event\"",
                "Retry-After: 120 (try later);duration=60",
                "Allow-Events: presence, presence.winfo, dialog",
                "Content-Length: 0",
            ]),
        ]).Select(Encoding.UTF8.GetBytes)];

    /// <summary>Header values for fuzzing the typed parsers directly, without going through a message.</summary>
    private static readonly string[] HeaderSeeds =
    [
        "SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111;rport;received=192.0.2.1",
        "SIP / 2.0 / UDP first.example.com: 4000;ttl=16;maddr=224.2.0.1 ;branch=z9hG4bKa7c6a8dlze.1",
        "\"Alice \\\"A\\\"\" <sips:alice:pw@atlanta.com:5061;transport=tls;lr?subject=project%20x&priority=urgent>;tag=1",
        "sip:bob@biloxi.com;tag=88sja8x, Bob <sip:bob@[2001:db8::1]>;expires=60;q=0.5, *",
        "tel:+1-201-555-0123;phone-context=example.com",
        "presence.winfo;id=1234;call-id=\"a@b\"",
        "terminated;reason=probation;retry-after=120",
        "multipart/related;type=\"application/rlmi+xml\";boundary=50UBfW7LSCVLtggUPe5z",
        "307 isi.edu \"Session parameter 'foo' not understood\"",
        "SIP ;cause=200 ;text=\"Call completed elsewhere\"",
        "120 (I'm in a meeting);duration=3600",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Parse_NeverThrowsAndRejectsCleanly(int seed)
    {
        var random = new Random(seed);
        var stopwatch = Stopwatch.StartNew();
        int succeeded = 0, addressable = 0;
        for (int i = 0; i < ParseIterationsPerSeed; i++)
        {
            byte[] input = Mutate(random, Seeds[random.Next(Seeds.Length)]);
            SipParserLimits limits = random.Next(8) == 0 ? TightLimits : SipParserLimits.Default;
            int offset = random.Next(4) == 0 ? random.Next(1, 64) : 0;
            byte[] buffer = input;
            if (offset > 0)
            {
                // Parse inside a larger buffer with junk on both sides.
                buffer = new byte[offset + input.Length + random.Next(64)];
                random.NextBytes(buffer);
                input.CopyTo(buffer, offset);
            }
            try
            {
                SipParseResult result = SipParser.Parse(buffer, offset, input.Length, limits);
                CheckResult(result);
                if (result.Message is not null)
                {
                    Exercise(result.Message);
                    addressable++;
                    if (result.Success)
                        succeeded++;
                }
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, iteration {i}, offset {offset}: {e}\ninput: {Escape(input)}");
            }
        }
        stopwatch.Stop();
        // The mutations must leave enough messages intact for the accessors to be exercised at all.
        Assert.InRange(succeeded, ParseIterationsPerSeed / 20, ParseIterationsPerSeed);
        Assert.InRange(addressable, ParseIterationsPerSeed / 4, ParseIterationsPerSeed);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void FrameStreamMessage_NeverThrowsAndFramesWithinBounds(int seed)
    {
        var random = new Random(seed);
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < StreamIterationsPerSeed; i++)
        {
            // One to three messages back to back, some mutated, some with keep-alive CRLFs in front.
            var stream = new List<byte>();
            int count = random.Next(1, 4);
            for (int m = 0; m < count; m++)
            {
                if (random.Next(6) == 0)
                    stream.AddRange("\r\n\r\n"u8.ToArray());
                byte[] seedMessage = Seeds[random.Next(Seeds.Length)];
                stream.AddRange(random.Next(3) == 0 ? seedMessage : Mutate(random, seedMessage));
            }
            byte[] data = [.. stream];
            if (random.Next(4) == 0)
                data = data[..random.Next(data.Length + 1)];
            SipParserLimits limits = random.Next(6) == 0 ? TightLimits : SipParserLimits.Default;
            try
            {
                int position = 0;
                while (position < data.Length)
                {
                    int n = SipParser.FrameStreamMessage(data.AsSpan(position), limits, out SipParseError error);
                    if (n < 0)
                    {
                        Assert.Equal(-1, n);
                        Assert.Contains(error.StatusCode, (int[])[400, 513]);
                        Assert.False(string.IsNullOrEmpty(error.Reason));
                        break;
                    }
                    Assert.False(error.IsError);
                    if (n == 0)
                        break;
                    Assert.InRange(n, 1, Math.Min(data.Length - position, limits.MaxMessageSize));
                    SipParseResult result = SipParser.Parse(data, position, n, limits);
                    CheckResult(result);
                    if (result.Message is not null)
                        Exercise(result.Message);
                    if (result.Success)
                    {
                        // The framer and the parser agree on where the message ends.
                        Assert.True(MemoryMarshal.TryGetArray(result.Message!.Raw, out ArraySegment<byte> raw));
                        Assert.Equal(position + n, raw.Offset + raw.Count);
                    }
                    position += n;
                }
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, iteration {i}: {e}\ninput: {Escape(data)}");
            }
        }
        stopwatch.Stop();
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void HeaderParsers_NeverThrowOnMutatedValues(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < HeaderIterationsPerSeed; i++)
        {
            byte[] mutated = Mutate(random, Encoding.UTF8.GetBytes(HeaderSeeds[random.Next(HeaderSeeds.Length)]));
            string value = Encoding.UTF8.GetString(mutated);
            try
            {
                ParseEverything(value);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, iteration {i}: {e}\nvalue: {Escape(mutated)}");
            }
        }
    }

    private static void CheckResult(SipParseResult result)
    {
        if (result.Error.IsError)
        {
            Assert.False(result.Success);
            Assert.Contains(result.Error.StatusCode, (int[])[400, 505, 513]);
            Assert.False(string.IsNullOrWhiteSpace(result.Error.Reason));
            Assert.DoesNotContain('\r', result.Error.Reason);
            Assert.DoesNotContain('\n', result.Error.Reason);
        }
        else
        {
            Assert.True(result.Success);
            Assert.NotNull(result.Message);
        }
    }

    /// <summary>Reads everything a server might read from a message, and answers it when it is a request.</summary>
    private static void Exercise(SipMessage m)
    {
        _ = m.Method;
        _ = m.RequestUri;
        _ = m.ReasonPhrase;
        _ = m.CallId;
        _ = m.CSeq;
        _ = m.CSeqMethod;
        _ = m.MaxForwards;
        _ = m.Body.Length;
        _ = m.ToString();
        Assert.InRange(m.Length, 0, m.Raw.Length);
        ViaHeader? top = m.TopVia;
        if (top is not null)
            _ = top.WithReceived("203.0.113.1", 5060).ToString();
        for (int i = 0; i < m.HeaderCount; i++)
        {
            _ = m.GetName(i);
            // A value never carries a line break, so copying it into another message cannot inject a header; a NUL only as
            // a quoted-pair, escaped by a backslash (RFC 3261 §25.1).
            string value = m.GetValue(i);
            Assert.Equal(-1, value.AsSpan().IndexOfAny('\r', '\n'));
            for (int nul = value.IndexOf('\0', StringComparison.Ordinal); nul >= 0; nul = value.IndexOf('\0', nul + 1))
                Assert.True(nul > 0 && value[nul - 1] == '\\', "an unescaped NUL in " + value);
            ReadOnlySpan<byte> rawValue = m.GetRawValue(i);
            while (true)
            {
                // The only line breaks left in a raw value are folds: CRLF followed by white space.
                int cr = rawValue.IndexOf((byte)'\r');
                Assert.Equal(-1, (cr < 0 ? rawValue : rawValue[..cr]).IndexOf((byte)'\n'));
                if (cr < 0)
                    break;
                Assert.True(cr + 2 < rawValue.Length && rawValue[cr + 1] == '\n' && rawValue[cr + 2] is (byte)' ' or (byte)'\t');
                rawValue = rawValue[(cr + 3)..];
            }
            _ = m.GetFirst(m.GetName(i));
            foreach (string item in m.GetValues(m.GetId(i)))
                _ = item.Length;
        }
        if (m.IsRequest && SipUri.TryParse(m.RequestUri, out SipUri? uri, out _))
        {
            _ = uri!.ToAor();
            _ = uri.ToString();
            _ = uri.EquivalentTo(uri);
        }
        foreach (HeaderId id in (ReadOnlySpan<HeaderId>)[HeaderId.From, HeaderId.To])
        {
            if (m.GetFirst(id) is { } address && NameAddress.TryParse(address, out NameAddress? na, out _))
                _ = na!.WithTag("t").ToString() + na.Uri.ToAor();
        }
        if (ContactHeader.TryParse(m.GetFields(HeaderId.Contact), out ContactHeader? contacts, out _))
        {
            foreach (NameAddress c in contacts!.Contacts)
                _ = (ContactHeader.ExpiresOf(c), ContactHeader.QOf(c), c.ToString());
        }
        foreach (HeaderId id in (ReadOnlySpan<HeaderId>)[HeaderId.Via, HeaderId.Route, HeaderId.RecordRoute, HeaderId.Accept, HeaderId.Warning])
        {
            foreach (string value in m.GetValues(id))
                ParseEverything(value);
        }
        foreach (HeaderId id in (ReadOnlySpan<HeaderId>)[HeaderId.Event, HeaderId.SubscriptionState, HeaderId.ContentType, HeaderId.Reason, HeaderId.RetryAfter])
        {
            if (m.GetFirst(id) is { } value)
                ParseEverything(value);
        }
        if (m.IsRequest)
        {
            ViaHeader? answerVia = top?.WithReceived("203.0.113.1", 40000);
            SipMessageBuilder response = SipMessageBuilder.ResponseTo(m, 400, "Fuzz", toTag: "fz", topVia: answerVia);
            byte[] bytes = response.ToArray();
            Assert.Equal(response.GetByteCount(), bytes.Length);
        }
    }

    /// <summary>Runs every typed parser over one value; each may accept or refuse it, none may throw.</summary>
    private static void ParseEverything(string value)
    {
        if (ViaHeader.TryParse(value, out ViaHeader? via, out _))
            _ = via!.ToString() + via.SentBy + via.Rport + via.WithReceived("2001:db8::1", 1).ToString();
        if (NameAddress.TryParse(value, out NameAddress? address, out _))
            _ = address!.ToString() + address.Uri.ToAor() + address.Uri.EquivalentTo(address.Uri);
        if (ContactHeader.TryParse([value], out ContactHeader? contacts, out _))
            _ = contacts!.ToString();
        if (SipUri.TryParse(value, out SipUri? uri, out _))
            _ = uri!.ToString() + uri.ToAor() + uri.WithParameter("lr", null) + uri.WithoutParameter("transport");
        if (EventHeader.TryParse(value, out EventHeader? e, out _))
            _ = e!.ToString() + e.Matches(e);
        if (SubscriptionStateHeader.TryParse(value, out SubscriptionStateHeader? state, out _))
            _ = state!.ToString() + state.Expires + state.RetryAfter + state.Reason;
        if (MediaType.TryParse(value, out MediaType? media, out _))
            _ = media!.ToString() + media.Is("application/pidf+xml");
        if (WarningHeader.TryParse(value, out WarningHeader warning, out _))
            _ = warning.ToString();
        if (ReasonHeader.TryParse(value, out ReasonHeader? reason, out _))
            _ = reason!.ToString() + reason.Cause;
        if (RetryAfterHeader.TryParse(value, out RetryAfterHeader? retry, out _))
            _ = retry!.ToString();
        _ = HeaderValueList.Split(value).Count;
    }

    /// <summary>One to four random mutations of a copy of <paramref name="source"/>.</summary>
    private static byte[] Mutate(Random random, byte[] source)
    {
        var data = new List<byte>(source);
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations; m++)
        {
            int kind = random.Next(10);
            int at = random.Next(data.Count + 1);
            switch (kind)
            {
                case 0 when data.Count > 0:
                    // Flip one bit.
                    at = random.Next(data.Count);
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    // Insert a random or an interesting byte.
                    data.Insert(at, random.Next(2) == 0 ? (byte)random.Next(256) : InterestingBytes[random.Next(InterestingBytes.Length)]);
                    break;
                case 2 when data.Count > 0:
                    // Delete a range.
                    at = random.Next(data.Count);
                    data.RemoveRange(at, Math.Min(data.Count - at, random.Next(1, 24)));
                    break;
                case 3 when data.Count > 0:
                {
                    // Duplicate a range somewhere else.
                    int from = random.Next(data.Count);
                    int length = Math.Min(data.Count - from, random.Next(1, 64));
                    data.InsertRange(random.Next(data.Count + 1), data.GetRange(from, length));
                    break;
                }
                case 4 when data.Count > 0:
                case 5 when data.Count > 0:
                    // Replace a byte with an interesting one.
                    at = random.Next(data.Count);
                    data[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                    break;
                case 6:
                    // Truncate.
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 7:
                {
                    // Splice: this message's head with another seed's tail.
                    byte[] other = Seeds[random.Next(Seeds.Length)];
                    int otherAt = random.Next(other.Length + 1);
                    data.RemoveRange(at, data.Count - at);
                    data.AddRange(other.AsSpan(otherAt).ToArray());
                    break;
                }
                default:
                {
                    // Insert or overwrite with an interesting token.
                    byte[] token = InterestingTokens[random.Next(InterestingTokens.Length)];
                    if (random.Next(2) == 0 && at < data.Count)
                        data.RemoveRange(at, Math.Min(data.Count - at, token.Length));
                    data.InsertRange(at, token);
                    break;
                }
            }
        }
        return [.. data];
    }

    private static string Escape(byte[] bytes)
    {
        var b = new StringBuilder(bytes.Length * 2);
        foreach (byte x in bytes)
        {
            if (x is >= 0x20 and < 0x7F and not (byte)'\\')
                b.Append((char)x);
            else
                b.Append("\\x").Append(x.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return b.ToString();
    }
}
