using System.Text;
using BenchmarkDotNet.Attributes;
using Presence.Core.Documents;
using Presence.Core.Presentity;

namespace Presence.Core.Benchmarks;

/// <summary>
/// The presence logic's hot paths for a user of the Skype for Business model: two registered devices, a
/// 4 KB PIDF publication and a dialog-info publication, 40 watchers. What a PUBLISH costs end to end in
/// the grain (read the body, recompose, write the PIDF once, make 40 NOTIFYs), and its parts.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Presence.Sip.Benchmarks.BenchmarkConfig))]
public class PresentityBenchmarks
{
    private const string Aor = "sip:alice@example.com";
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private Presentity.Presentity _user = null!;
    private byte[] _document = [];
    private byte[] _otherDocument = [];
    private string _etag = "";
    private bool _flip;

    [GlobalSetup]
    public void Setup()
    {
        // The two differ in do-not-disturb, so each modification changes the composite and notifies everyone.
        _document = Pidf("Working on the quarterly report", 4096, dnd: false);
        _otherDocument = Pidf("In a meeting until 11", 4096, dnd: true);
        _user = new Presentity.Presentity(Aor);
        for (var d = 0; d < 2; d++)
        {
            _user.Register(new RegisterRequest(
                [new ContactRequest($"sip:alice@192.0.2.{d + 1}:5060", null, 1.0 - d * 0.1, null)], false, 3600, $"reg-{d}", 1, $"udp:192.0.2.{d + 1}:5060"), Now);
        }
        var published = _user.Publish(new PublishRequest(null, 3600, "application/pidf+xml", _document), Now);
        _etag = published.EntityTag ?? throw new InvalidOperationException("PUBLISH refused: " + published.StatusCode);
        _user.Publish(new PublishRequest(null, 3600, "application/dialog-info+xml", Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" state=\"full\" entity=\"sip:alice@example.com\">"
            + "<dialog id=\"d\" direction=\"recipient\"><state>terminated</state></dialog></dialog-info>")), Now);
        for (var w = 0; w < 40; w++)
        {
            var outcome = _user.Subscribe(new SubscribeRequest(
                $"sub-{w}", $"w{w}", null, $"sip:watcher{w}@example.com", $"sip:watcher{w}@example.com", $"sip:watcher{w}@192.0.2.50:5060",
                [], null, 3600, AcceptsDocument: true, Flow: $"udp:192.0.2.50:{5060 + w}"), Now);
            if (!outcome.IsSuccess)
                throw new InvalidOperationException("SUBSCRIBE refused: " + outcome.StatusCode);
        }
        _user.TakeChanges();
        if (Publish_refresh_with_a_change_and_40_notifies() != 40)
            throw new InvalidOperationException("A changed publication did not notify the 40 watchers.");
    }

    [Benchmark]
    public object Composite() => _user.Composite(Now);

    [Benchmark]
    public byte[] Composite_and_pidf() => _user.Document(Now);

    [Benchmark]
    public bool Read_4kb_pidf() => PresenceDocumentReader.TryRead("application/pidf+xml", _document, out _, out _);

    /// <summary>A PUBLISH that modifies the publication (SIP-If-Match) with a different note: 40 NOTIFYs to make.</summary>
    [Benchmark]
    public int Publish_refresh_with_a_change_and_40_notifies()
    {
        _flip = !_flip;
        var outcome = _user.Publish(new PublishRequest(_etag, 3600, "application/pidf+xml", _flip ? _otherDocument : _document), Now);
        _etag = outcome.EntityTag!;
        return _user.TakeChanges().Notifies.Count;
    }

    private static byte[] Pidf(string note, int size, bool dnd)
    {
        var text = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\"")
            .Append(" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\"")
            .Append(" xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\" entity=\"sip:alice@example.com\">")
            .Append(dnd ? "<po:donotdisturb>" + note + "</po:donotdisturb>" : string.Empty)
            .Append("<tuple id=\"pc\"><status><basic>open</basic></status><contact priority=\"0.8\">sip:alice@192.0.2.1:5060</contact></tuple>")
            .Append("<dm:person id=\"p\"><rpid:activities><rpid:busy/></rpid:activities><dm:note>").Append(note).Append("</dm:note></dm:person>");
        // Devices and their capabilities pad a real client's document to a few KB.
        for (var i = 0; text.Length < size - 200; i++)
            text.Append("<dm:device id=\"dev").Append(i).Append("\"><dm:deviceID>urn:uuid:00000000-0000-0000-0000-").Append(i.ToString("D12")).Append("</dm:deviceID><dm:note>device ").Append(i).Append("</dm:note></dm:device>");
        return Encoding.UTF8.GetBytes(text.Append("</presence>").ToString());
    }
}
