using System.Text;
using Presence.Core.Documents;

namespace Presence.Core.Tests.Documents;

/// <summary>SPEC.md "The document watchers receive", byte for byte.</summary>
public class PidfWriterTests
{
    private const string Head = """
        <?xml version="1.0" encoding="UTF-8"?>
        <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:po="urn:presence-orleans:params:xml:ns:pidf-ext"
        """;

    [Fact]
    public void Available_with_two_contacts_writes_one_tuple_per_contact()
    {
        byte[] xml = PidfWriter.Write(new CompositeDocument
        {
            Entity = "sip:alice@example.com",
            Status = ExtendedStatus.Available,
            Contacts = [new("sip:alice@192.0.2.10:5060;transport=tcp", 1), new("tel:+15551234567", 0.8)],
        });

        Assert.Equal(Head + """
             entity="sip:alice@example.com">
              <tuple id="t1">
                <status>
                  <basic>open</basic>
                  <po:extended>available</po:extended>
                </status>
                <contact priority="1">sip:alice@192.0.2.10:5060;transport=tcp</contact>
              </tuple>
              <tuple id="t2">
                <status>
                  <basic>open</basic>
                  <po:extended>available</po:extended>
                </status>
                <contact priority="0.8">tel:+15551234567</contact>
              </tuple>
            </presence>

            """, Encoding.UTF8.GetString(xml));
    }

    [Fact]
    public void Do_not_disturb_carries_the_escaped_comment_and_rpid_busy()
    {
        byte[] xml = PidfWriter.Write(new CompositeDocument
        {
            Entity = "sip:o'hara&sons@example.com",
            Status = ExtendedStatus.DoNotDisturb,
            Note = "Back <soon> & \"then\" 'maybe'",
        });

        Assert.Equal(Head + """
             entity="sip:o'hara&amp;sons@example.com">
              <tuple id="t1">
                <status>
                  <basic>closed</basic>
                  <po:extended>donotdisturb</po:extended>
                </status>
                <note>Back &lt;soon&gt; &amp; "then" 'maybe'</note>
              </tuple>
              <dm:person id="p1">
                <rpid:activities>
                  <rpid:busy/>
                </rpid:activities>
              </dm:person>
            </presence>

            """, Encoding.UTF8.GetString(xml));
        Assert.Equal(["Back <soon> & \"then\" 'maybe'"], WrittenXml.Texts(xml, WrittenXml.Pidf, "note"));
    }

    [Fact]
    public void Unreachable_is_closed_without_contacts_or_activities()
    {
        byte[] xml = PidfWriter.Write(new CompositeDocument { Entity = "sip:bob@example.com", Status = ExtendedStatus.Unreachable });

        Assert.Equal(Head + """
             entity="sip:bob@example.com">
              <tuple id="t1">
                <status>
                  <basic>closed</basic>
                  <po:extended>unreachable</po:extended>
                </status>
              </tuple>
            </presence>

            """, Encoding.UTF8.GetString(xml));
    }

    [Fact]
    public void Busy_with_a_timestamp_and_an_extra_activity()
    {
        byte[] xml = PidfWriter.Write(new CompositeDocument
        {
            Entity = "sip:carol@example.com",
            Status = ExtendedStatus.Busy,
            Contacts = [new("sip:carol@198.51.100.7", 0.5)],
            Activities = ["meeting"],
            Timestamp = new DateTimeOffset(2024, 5, 1, 10, 20, 30, 456, TimeSpan.FromHours(2)),
        });

        Assert.Equal(Head + """
             entity="sip:carol@example.com">
              <tuple id="t1">
                <status>
                  <basic>open</basic>
                  <po:extended>busy</po:extended>
                </status>
                <contact priority="0.5">sip:carol@198.51.100.7</contact>
                <timestamp>2024-05-01T08:20:30Z</timestamp>
              </tuple>
              <dm:person id="p1">
                <rpid:activities>
                  <rpid:on-the-phone/>
                  <rpid:meeting/>
                </rpid:activities>
              </dm:person>
            </presence>

            """, Encoding.UTF8.GetString(xml));
    }

    [Fact]
    public void Closed_only_says_closed_and_nothing_else()
    {
        byte[] xml = PidfWriter.WriteClosedOnly("sip:alice@example.com");

        Assert.Equal("""
            <?xml version="1.0" encoding="UTF-8"?>
            <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.com">
              <tuple id="t1">
                <status>
                  <basic>closed</basic>
                </status>
              </tuple>
            </presence>

            """, Encoding.UTF8.GetString(xml));
    }

    [Theory]
    [InlineData(ExtendedStatus.Available, "open", "available")]
    [InlineData(ExtendedStatus.Busy, "open", "busy")]
    [InlineData(ExtendedStatus.Ringing, "open", "ringing")]
    [InlineData(ExtendedStatus.DoNotDisturb, "closed", "donotdisturb")]
    [InlineData(ExtendedStatus.Unreachable, "closed", "unreachable")]
    public void Every_tuple_has_the_basic_and_extended_value(ExtendedStatus status, string basic, string extended)
    {
        byte[] xml = PidfWriter.Write(new CompositeDocument
        {
            Entity = "sip:alice@example.com",
            Status = status,
            Contacts = [new("sip:a@192.0.2.1", 1), new("sip:a@192.0.2.2", 0.9), new("tel:+15551234567", 0.1)],
        });

        List<string> elements = WrittenXml.Elements(xml);
        Assert.Equal(WrittenXml.Pidf + "|presence", elements[0]);
        Assert.Equal(["t1", "t2", "t3"], WrittenXml.Attributes(xml, WrittenXml.Pidf, "tuple", "id"));
        Assert.Equal([basic, basic, basic], WrittenXml.Texts(xml, WrittenXml.Pidf, "basic"));
        Assert.Equal([extended, extended, extended], WrittenXml.Texts(xml, WrittenXml.Extension, "extended"));
        Assert.Equal(["sip:a@192.0.2.1", "sip:a@192.0.2.2", "tel:+15551234567"], WrittenXml.Texts(xml, WrittenXml.Pidf, "contact"));
        Assert.Equal(["1", "0.9", "0.1"], WrittenXml.Attributes(xml, WrittenXml.Pidf, "contact", "priority"));
        // The extension sits inside <status>, right after <basic> (RFC 3863 §4.1.3 admits it there).
        int basicAt = elements.IndexOf(WrittenXml.Pidf + "|basic");
        Assert.Equal(WrittenXml.Extension + "|extended", elements[basicAt + 1]);
    }

    [Theory]
    [InlineData(ExtendedStatus.Available, new string[0], new string[0])]
    [InlineData(ExtendedStatus.Busy, new string[0], new[] { "on-the-phone" })]
    [InlineData(ExtendedStatus.Ringing, new string[0], new[] { "on-the-phone" })]
    [InlineData(ExtendedStatus.DoNotDisturb, new string[0], new[] { "busy" })]
    [InlineData(ExtendedStatus.Unreachable, new string[0], new string[0])]
    [InlineData(ExtendedStatus.Available, new[] { "away", "away", "meeting" }, new[] { "away", "meeting" })]
    [InlineData(ExtendedStatus.Busy, new[] { "on-the-phone", "meeting" }, new[] { "on-the-phone", "meeting" })]
    [InlineData(ExtendedStatus.DoNotDisturb, new[] { "vacation", "busy" }, new[] { "busy", "vacation" })]
    [InlineData(ExtendedStatus.Available, new[] { "unknown", "other", "surfing", "Away", "<x/>", "", "looking-for-work" }, new[] { "looking-for-work" })]
    [InlineData(ExtendedStatus.Unreachable, new[] { "permanent-absence" }, new[] { "permanent-absence" })]
    public void Activities_are_implied_by_the_status_then_the_standard_extras(ExtendedStatus status, string[] extra, string[] expected)
    {
        byte[] xml = PidfWriter.Write(new CompositeDocument { Entity = "sip:alice@example.com", Status = status, Activities = extra });

        Assert.Equal(expected, WrittenXml.Activities(xml));
        bool hasPerson = WrittenXml.Elements(xml).Contains(WrittenXml.DataModel + "|person");
        Assert.Equal(expected.Length > 0, hasPerson);
    }

    [Fact]
    public void Equal_documents_are_byte_identical()
    {
        CompositeDocument Build() => new()
        {
            Entity = "sip:alice@example.com",
            Status = ExtendedStatus.Ringing,
            Note = "Ringing",
            Contacts = [new("sip:alice@192.0.2.10", 1), new("tel:+15551234567", 0.8)],
            Activities = ["away"],
        };

        byte[] first = PidfWriter.Write(Build());
        byte[] second = PidfWriter.Write(Build());
        byte[] again = PidfWriter.Write(Build());
        byte[] changed = PidfWriter.Write(Build() with { Note = "Ringing!" });

        Assert.Equal(first, second);
        Assert.Equal(first, again);
        Assert.NotEqual(first, changed);
        Assert.Equal(PidfWriter.WriteClosedOnly("sip:alice@example.com"), PidfWriter.WriteClosedOnly("sip:alice@example.com"));
    }

    [Fact]
    public void The_document_is_utf8_without_byte_order_mark()
    {
        byte[] xml = PidfWriter.Write(new CompositeDocument { Entity = "sip:zoë@example.com", Status = ExtendedStatus.DoNotDisturb, Note = "Fermé → lundi 😀" });

        Assert.True(xml.AsSpan().StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"u8));
        Assert.Equal(["Fermé → lundi 😀"], WrittenXml.Texts(xml, WrittenXml.Pidf, "note"));
        Assert.Equal("application/pidf+xml", PidfWriter.ContentType);
        Assert.Equal("urn:presence-orleans:params:xml:ns:pidf-ext", PidfWriter.ExtensionNamespace);
    }

    [Fact]
    public void Characters_xml_cannot_carry_are_replaced_and_line_ends_kept()
    {
        byte[] xml = PidfWriter.Write(new CompositeDocument
        {
            Entity = "sip:a\tb\n\"c\"@example.com",
            Status = ExtendedStatus.DoNotDisturb,
            Note = "line1\r\nline2\ttab\u0001bell\uD800lone\uFFFEend",
            Contacts = [new("sip:x@example.com;p=<>&", 0.5)],
        });

        Assert.Equal(["line1\r\nline2\ttab\uFFFDbell\uFFFDlone\uFFFDend"], WrittenXml.Texts(xml, WrittenXml.Pidf, "note"));
        Assert.Equal(["sip:a\tb\n\"c\"@example.com"], WrittenXml.Attributes(xml, WrittenXml.Pidf, "presence", "entity"));
        Assert.Equal(["sip:x@example.com;p=<>&"], WrittenXml.Texts(xml, WrittenXml.Pidf, "contact"));
    }

    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(0.8, "0.8")]
    [InlineData(0.12345, "0.123")]
    [InlineData(0.9996, "1")]
    [InlineData(0.0, "0")]
    public void Priorities_have_at_most_three_decimals(double priority, string written)
    {
        byte[] xml = PidfWriter.Write(new CompositeDocument
        {
            Entity = "sip:alice@example.com",
            Status = ExtendedStatus.Available,
            Contacts = [new("sip:alice@192.0.2.1", priority)],
        });

        Assert.Equal([written], WrittenXml.Attributes(xml, WrittenXml.Pidf, "contact", "priority"));
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void A_priority_outside_0_to_1_is_a_programming_error(double priority)
    {
        var document = new CompositeDocument
        {
            Entity = "sip:alice@example.com",
            Status = ExtendedStatus.Available,
            Contacts = [new("sip:alice@192.0.2.1", priority)],
        };

        Assert.Throws<ArgumentOutOfRangeException>(() => PidfWriter.Write(document));
    }

    [Fact]
    public void Entity_and_contact_uris_are_required()
    {
        Assert.Throws<ArgumentException>(() => PidfWriter.Write(new CompositeDocument { Entity = "", Status = ExtendedStatus.Available }));
        Assert.Throws<ArgumentException>(() => PidfWriter.WriteClosedOnly(""));
        Assert.Throws<ArgumentException>(() => PidfWriter.Write(new CompositeDocument
        {
            Entity = "sip:alice@example.com",
            Status = ExtendedStatus.Available,
            Contacts = [new("", 0.5)],
        }));
    }

    [Fact]
    public void A_large_document_grows_its_buffer()
    {
        var contacts = Enumerable.Range(0, 200).Select(i => new AlternativeContact($"sip:alice@192.0.2.{i % 250}:{5060 + i}", 0.5)).ToList();

        byte[] xml = PidfWriter.Write(new CompositeDocument
        {
            Entity = "sip:alice@example.com",
            Status = ExtendedStatus.Busy,
            Note = new string('n', 3000),
            Contacts = contacts,
        });

        Assert.Equal(contacts.Select(c => c.Uri), WrittenXml.Texts(xml, WrittenXml.Pidf, "contact"));
        Assert.Equal("t200", WrittenXml.Attributes(xml, WrittenXml.Pidf, "tuple", "id")[^1]);
    }
}
