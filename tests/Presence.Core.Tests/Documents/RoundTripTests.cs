using Presence.Core.Documents;

namespace Presence.Core.Tests.Documents;

/// <summary>
/// What the writer produces, the reader reads back sensibly. The writer's five values are for watchers; read as a
/// publication, a closed document declares do-not-disturb (with its note as the comment) and on-the-phone is busy.
/// </summary>
public class RoundTripTests
{
    [Fact]
    public void Available_reads_back_open_with_its_contacts()
    {
        PublishedState state = Read(new CompositeDocument
        {
            Entity = "sip:alice@example.com",
            Status = ExtendedStatus.Available,
            Contacts = [new("sip:alice@192.0.2.10", 1), new("tel:+15551234567", 0.8)],
        });

        Assert.Equal(BasicStatus.Open, state.Basic);
        Assert.False(state.DoNotDisturb);
        Assert.Equal(CallActivity.None, state.Call);
        Assert.Null(state.Note);
        Assert.Empty(state.Activities);
        Assert.Equal([new AlternativeContact("sip:alice@192.0.2.10", 1), new AlternativeContact("tel:+15551234567", 0.8)], state.Contacts);
    }

    [Fact]
    public void Do_not_disturb_reads_back_with_its_comment()
    {
        PublishedState state = Read(new CompositeDocument
        {
            Entity = "sip:alice@example.com",
            Status = ExtendedStatus.DoNotDisturb,
            Note = "On holiday until the end of the month <&>\"'",
        });

        Assert.Equal(BasicStatus.Closed, state.Basic);
        Assert.True(state.DoNotDisturb);
        Assert.Equal("On holiday until the end of the month <&>\"'", state.DndComment);
        Assert.Equal("On holiday until the end of the month <&>\"'", state.Note);
        Assert.Equal(["busy"], state.Activities);
        Assert.Equal(CallActivity.None, state.Call);
    }

    [Theory]
    [InlineData(ExtendedStatus.Busy)]
    [InlineData(ExtendedStatus.Ringing)]
    public void Busy_and_ringing_read_back_as_in_a_call(ExtendedStatus status)
    {
        // RPID has no ringing, so a ringing document says on-the-phone to standard clients and to this reader.
        PublishedState state = Read(new CompositeDocument { Entity = "sip:alice@example.com", Status = status, Activities = ["meeting"] });

        Assert.Equal(BasicStatus.Open, state.Basic);
        Assert.False(state.DoNotDisturb);
        Assert.Equal(CallActivity.Busy, state.Call);
        Assert.Equal(["on-the-phone", "meeting"], state.Activities);
    }

    [Fact]
    public void Unreachable_reads_back_as_closed()
    {
        PublishedState state = Read(new CompositeDocument { Entity = "sip:alice@example.com", Status = ExtendedStatus.Unreachable });

        Assert.Equal(BasicStatus.Closed, state.Basic);
        Assert.True(state.DoNotDisturb);
        Assert.Null(state.DndComment);
        Assert.Empty(state.Contacts);
    }

    [Fact]
    public void Closed_only_reads_back_as_closed_and_nothing_else()
    {
        Assert.True(PresenceDocumentReader.TryRead(PidfWriter.ContentType, PidfWriter.WriteClosedOnly("sip:alice@example.com"),
            out PublishedState? state, out string error), error);

        Assert.Equal(BasicStatus.Closed, state!.Basic);
        Assert.Null(state.Note);
        Assert.Empty(state.Activities);
        Assert.Empty(state.Contacts);
        Assert.Equal(CallActivity.None, state.Call);
    }

    [Fact]
    public void Random_notes_survive_the_trip()
    {
        var random = new Random(3863);
        const string Alphabet = "abc XYZ<>&\"';:/\\\t\r\néü€😀[]]]>";
        for (int i = 0; i < 500; i++)
        {
            char[] chars = new char[random.Next(1, 60)];
            for (int c = 0; c < chars.Length; c++)
                chars[c] = Alphabet[random.Next(Alphabet.Length)];
            // A lone half of the emoji's surrogate pair may have been picked: the writer replaces it, like the encoder would.
            string note = new string(chars).Trim();
            if (note.Length == 0 || HasLoneSurrogate(note))
                continue;

            PublishedState state = Read(new CompositeDocument { Entity = "sip:alice@example.com", Status = ExtendedStatus.DoNotDisturb, Note = note });

            Assert.Equal(note, state.DndComment);
        }
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return true;
        }
        return false;
    }

    private static PublishedState Read(CompositeDocument document)
    {
        byte[] xml = PidfWriter.Write(document);
        Assert.True(PresenceDocumentReader.TryRead(PidfWriter.ContentType, xml, out PublishedState? state, out string error), error);
        return state!;
    }
}
