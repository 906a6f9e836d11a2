using Presence.Sip.Message;

namespace Presence.Sip.Tests.Torture;

/// <summary>The torture messages the tests send are the RFC's own bytes, and the parser survives every one of them.</summary>
public sealed class Rfc4475ArchiveTests
{
    [Fact]
    public void The_extracted_messages_are_the_archive_members_byte_for_byte()
    {
        var members = Rfc4475Messages.FromArchive();
        // 49 messages described in RFC 4475 §3 and test.dat, which the archive carries without a section of its own.
        Assert.Equal(50, members.Count);
        Assert.Equal(members.Keys.Select(k => Path.GetFileNameWithoutExtension(k)), Rfc4475Messages.Names());
        foreach (var (name, bytes) in members)
            Assert.True(bytes.AsSpan().SequenceEqual(Rfc4475Messages.Read(Path.GetFileNameWithoutExtension(name))), name + " differs from the archive");
    }

    [Fact]
    public void Every_request_yields_a_message_to_answer_whatever_is_wrong_with_it()
    {
        foreach (string name in Rfc4475Messages.Names())
        {
            byte[] bytes = Rfc4475Messages.Read(name);
            SipParseResult result = SipParser.Parse(bytes);
            // Every one of them starts with a method token: what else is wrong is for the answer to say.
            if (!bytes.AsSpan().StartsWith("SIP/"u8))
                Assert.True(result.Message is not null, $"{name}: {result.Error.StatusCode} {result.Error.Reason}");
        }
    }
}
