using System.Text;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>Presence documents built to hurt an XML reader: entity expansion, external entities, depth, width.</summary>
public static class XmlBomb
{
    private const string Open = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">";
    private const string Tuple = "<tuple id=\"t1\"><status><basic>open</basic></status><note>";
    private const string Close = "</note></tuple></presence>";

    public static IReadOnlyList<string> Names { get; } =
    [
        "billion laughs",
        "quadratic blowup",
        "external entity (file)",
        "external parameter entity",
        "external DTD",
        "billion laughs in UTF-16",
        "entity in an attribute",
        "undeclared entity",
        "elements nested 8,000 deep",
        "elements nested 8,000 deep in a note",
        "dialog-info nested 8,000 deep",
    ];

    /// <summary>The body and its Content-Type. Every one stays under 64 KB so that it is the XML that is refused.</summary>
    public static (byte[] Body, string ContentType) Make(string name)
    {
        if (name == "billion laughs in UTF-16")
            return ([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Laughs("UTF-16"))], "application/pidf+xml");
        var (text, contentType) = MakeText(name);
        return (Encoding.UTF8.GetBytes(text), contentType);
    }

    private static (string Body, string ContentType) MakeText(string name)
    {
        const string pidf = "application/pidf+xml";
        return name switch
        {
            "billion laughs" => (Laughs("UTF-8"), pidf),
            "quadratic blowup" => ($"<!DOCTYPE presence [<!ENTITY a \"{new string('a', 20_000)}\">]>"
                + Open + Tuple + string.Concat(Enumerable.Repeat("&a;", 5_000)) + Close, pidf),
            "external entity (file)" => ("<!DOCTYPE presence [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" + Open + Tuple + "&xxe;" + Close, pidf),
            // Loopback port 1: if the reader ever fetched it, nothing would answer, and nothing leaves the machine.
            "external parameter entity" => ("<!DOCTYPE presence [<!ENTITY % remote SYSTEM \"http://127.0.0.1:1/x.dtd\"> %remote;]>"
                + Open + Tuple + Close, pidf),
            "external DTD" => ("<!DOCTYPE presence SYSTEM \"http://127.0.0.1:1/pidf.dtd\">" + Open + Tuple + Close, pidf),
            "entity in an attribute" => ("<!DOCTYPE presence [<!ENTITY e \"sip:mallory@example.com\">]>"
                + Open.Replace("sip:alice@example.com", "&e;", StringComparison.Ordinal) + Tuple + Close, pidf),
            "undeclared entity" => (Open + Tuple + "&undeclared;" + Close, pidf),
            "elements nested 8,000 deep" => (Open + Tuple + Close.Replace("</presence>", Nest(8_000) + "</presence>", StringComparison.Ordinal), pidf),
            "elements nested 8,000 deep in a note" => (Open + Tuple + Nest(8_000) + Close, pidf),
            "dialog-info nested 8,000 deep" => ("<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" state=\"full\" entity=\"sip:alice@example.com\">"
                + Nest(8_000) + "</dialog-info>", "application/dialog-info+xml"),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such bomb"),
        };
    }

    private static string Laughs(string encoding)
    {
        var xml = new StringBuilder($"<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<!DOCTYPE presence [\n <!ENTITY lol \"lol\">\n");
        for (int i = 1; i <= 9; i++)
            xml.Append($" <!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat(i == 1 ? "&lol;" : $"&lol{i - 1};", 10))}\">\n");
        return xml.Append("]>\n").Append(Open).Append(Tuple).Append("&lol9;").Append(Close).ToString();
    }

    private static string Nest(int depth) =>
        string.Concat(Enumerable.Repeat("<x>", depth)) + string.Concat(Enumerable.Repeat("</x>", depth));
}
