using System.Text;
using Presence.Core.Documents;

namespace Presence.Core.Tests.Documents;

/// <summary>Runs the reader on a test document and checks the success/failure contract on the way.</summary>
internal static class Parse
{
    public const string Pidf = "application/pidf+xml";
    public const string DialogInfo = "application/dialog-info+xml";

    public static PublishedState Success(string xml, string contentType = Pidf)
    {
        bool ok = PresenceDocumentReader.TryRead(contentType, Encoding.UTF8.GetBytes(xml), out PublishedState? state, out string error);
        Assert.True(ok, error);
        Assert.Equal(string.Empty, error);
        return state!;
    }

    public static string Error(string xml, string contentType = Pidf) => Error(Encoding.UTF8.GetBytes(xml), contentType);

    public static string Error(byte[] body, string contentType = Pidf)
    {
        bool ok = PresenceDocumentReader.TryRead(contentType, body, out PublishedState? state, out string error);
        Assert.False(ok);
        Assert.Null(state);
        Assert.False(string.IsNullOrEmpty(error));
        return error;
    }

    /// <summary>A PIDF document for alice with the given children of &lt;presence&gt;, declaring the usual prefixes.</summary>
    public static string PresenceWith(string children) =>
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" "
        + "xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\" "
        + "entity=\"sip:alice@example.com\">" + children + "</presence>";

    public static string Tuple(string basic, string extra = "") =>
        $"<tuple id=\"t1\"><status><basic>{basic}</basic></status>{extra}</tuple>";
}
