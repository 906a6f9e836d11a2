using System.Diagnostics;
using System.Text;
using Presence.Core.Documents;

namespace Presence.Core.Tests.Documents;

/// <summary>Whatever a client sends, the reader answers with a reason and never throws, hangs or expands entities.</summary>
public class HostileDocumentTests
{
    [Fact]
    public void An_empty_body_is_an_error()
    {
        Assert.Equal("empty document", Parse.Error([]));
    }

    [Fact]
    public void Malformed_xml_names_the_line()
    {
        string xml = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\">\n"
            + "  <tuple id=\"t1\">\n"
            + "    <status><basic>open</status>\n"
            + "  </tuple>\n"
            + "</presence>";

        Assert.Equal("malformed XML at line 3", Parse.Error(xml));
    }

    [Theory]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\">")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"/><presence/>")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"/>trailing")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"><note>&xxe;</note></presence>")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"><x:note/></presence>")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\" entity=\"sip:b@example.com\"/>")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"><note>\u0001</note></presence>")]
    [InlineData("<?xml version=\"1.0\" encoding=\"klingon\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"/>")]
    [InlineData("not xml at all")]
    [InlineData("   ")]
    public void Broken_documents_are_rejected_as_malformed(string xml)
    {
        Assert.StartsWith("malformed XML", Parse.Error(xml), StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_rejected()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"><note>"),
            0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes("</note></presence>")];

        Parse.Error(body);
    }

    [Fact]
    public void Billion_laughs_is_rejected_quickly()
    {
        var xml = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE presence [\n <!ENTITY lol \"lol\">\n");
        for (int i = 1; i <= 9; i++)
            xml.Append($" <!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{(i == 1 ? "" : i - 1)};", 10))}\">\n");
        xml.Append("]>\n<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"><note>&lol9;</note></presence>");
        var clock = Stopwatch.StartNew();

        string error = Parse.Error(xml.ToString());

        Assert.Equal("DTD not allowed", error);
        Assert.True(clock.ElapsedMilliseconds < 1000, $"took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void An_external_entity_is_rejected()
    {
        string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE presence [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n"
            + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"><note>&xxe;</note></presence>";

        Assert.Equal("DTD not allowed", Parse.Error(xml));
    }

    [Fact]
    public void An_external_dtd_is_rejected()
    {
        string xml = "<!DOCTYPE presence SYSTEM \"http://192.0.2.1/pidf.dtd\"><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"/>";

        Assert.Equal("DTD not allowed", Parse.Error(xml));
    }

    [Fact]
    public void A_utf16_dtd_is_rejected()
    {
        string xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE presence [ <!ENTITY a \"b\"> ]><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@example.com\"/>";

        Assert.Equal("DTD not allowed", Parse.Error([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(xml)]));
    }

    [Fact]
    public void A_one_megabyte_document_is_rejected_before_parsing()
    {
        string xml = Parse.PresenceWith(Parse.Tuple("open", $"<note>{new string('a', 1024 * 1024)}</note>"));

        Assert.Equal("document larger than 65536 bytes", Parse.Error(xml));
    }

    [Fact]
    public void The_size_limit_is_inclusive()
    {
        string head = Parse.PresenceWith(Parse.Tuple("closed", "<note>x</note>"));
        string exact = head + new string(' ', PresenceDocumentReader.MaxDocumentBytes - head.Length);

        Assert.True(Parse.Success(exact).DoNotDisturb);
        Assert.Equal("document larger than 65536 bytes", Parse.Error(exact + " "));
    }

    [Theory]
    [InlineData("<tuple xmlns=\"urn:ietf:params:xml:ns:pidf\" id=\"t1\"/>")]
    [InlineData("<presence entity=\"sip:a@example.com\"/>")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"sip:a@example.com\"/>")]
    [InlineData("<impp:presence xmlns:impp=\"urn:ietf:params:xml:ns:cpim-pidf\" entity=\"sip:a@example.com\"/>")]
    public void The_root_must_be_pidf_presence(string xml)
    {
        Assert.Equal("root element is not PIDF presence", Parse.Error(xml));
    }

    [Theory]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><tuple id=\"t1\"/></presence>")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"\"/>")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"  \"/>")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:x=\"urn:x\" x:entity=\"sip:a@example.com\"/>")]
    public void The_entity_is_required(string xml)
    {
        Assert.Equal("presence has no entity", Parse.Error(xml));
    }

    [Theory]
    [InlineData("unknown elements after the tuple")]
    [InlineData("markup inside a note")]
    [InlineData("dialog-info")]
    public void Deep_nesting_is_refused_without_recursing(string where)
    {
        string nest = string.Concat(Enumerable.Repeat("<x>", 5000)) + string.Concat(Enumerable.Repeat("</x>", 5000));
        string xml = where switch
        {
            "unknown elements after the tuple" => Parse.PresenceWith(Parse.Tuple("open") + nest),
            "markup inside a note" => Parse.PresenceWith(Parse.Tuple("open", "<note>" + nest + "</note>")),
            _ => "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" state=\"full\" entity=\"sip:a@example.com\">"
                + nest + "</dialog-info>",
        };

        Assert.Equal("elements nested more than 32 deep", Parse.Error(xml, where == "dialog-info" ? Parse.DialogInfo : Parse.Pidf));
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_read()
    {
        // presence is at depth 0, so the 32nd x is at depth 32: the deepest allowed.
        string xml = Parse.PresenceWith(Parse.Tuple("open")
            + string.Concat(Enumerable.Repeat("<x>", 32)) + "text" + string.Concat(Enumerable.Repeat("</x>", 32)));

        Assert.Equal(BasicStatus.Open, Parse.Success(xml).Basic);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(20240611);
        for (int i = 0; i < 3000; i++)
        {
            byte[] body = new byte[random.Next(0, 600)];
            random.NextBytes(body);
            string contentType = i % 2 == 0 ? Parse.Pidf : Parse.DialogInfo;
            AssertContract(contentType, body);
        }
    }

    [Fact]
    public void Mutated_documents_never_throw()
    {
        string[] seeds =
        [
            ClientSamples.Baresip("open"),
            ClientSamples.LinphoneOnThePhone,
            ClientSamples.LinphoneDoNotDisturb,
            Parse.PresenceWith(Parse.Tuple("closed", "<note>Away</note>")
                + "<po:donotdisturb>Holiday</po:donotdisturb><po:alternative-contact priority=\"0.8\">tel:+15551234567</po:alternative-contact>"
                + "<po:voicemail>sip:vm@example.com</po:voicemail>"),
            ClientSamples.DialogInfo(("recipient", "early"), ("initiator", "confirmed")),
        ];
        var random = new Random(4479);
        int accepted = 0;
        for (int i = 0; i < 4000; i++)
        {
            string seed = seeds[i % seeds.Length];
            byte[] body = Mutate(Encoding.UTF8.GetBytes(seed), random);
            string contentType = seed.Contains("dialog-info", StringComparison.Ordinal) ? Parse.DialogInfo : Parse.Pidf;
            if (AssertContract(contentType, body))
                accepted++;
        }
        // Some mutations land in text and leave the document valid: both paths were exercised.
        Assert.InRange(accepted, 1, 3999);
    }

    private static bool AssertContract(string contentType, byte[] body)
    {
        bool ok = PresenceDocumentReader.TryRead(contentType, body, out PublishedState? state, out string error);
        if (ok)
        {
            Assert.NotNull(state);
            Assert.Equal(string.Empty, error);
        }
        else
        {
            Assert.Null(state);
            Assert.False(string.IsNullOrWhiteSpace(error));
        }
        return ok;
    }

    /// <summary>One to four edits: flip a byte, insert markup-ish bytes, delete a run, or truncate.</summary>
    private static byte[] Mutate(byte[] source, Random random)
    {
        byte[] special = "<>&;\"'/=:![]?-# \0\u00ff"u8.ToArray();
        var bytes = new List<byte>(source);
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.Insert(at, special[random.Next(special.Length)]);
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }
        return [.. bytes];
    }
}
