using System.Globalization;

namespace Presence.Cli;

/// <summary>How a user's presence reads on a terminal: one summary line, or the whole picture for presence get.</summary>
public static class PresenceText
{
    /// <summary>"sip:alice@example.com donotdisturb (closed): On holiday"; the same line for every change in a watch.</summary>
    public static string Summary(PresenceView p) =>
        $"{p.Aor} {p.Status} ({p.Basic})" + (string.IsNullOrEmpty(p.Note) ? string.Empty : ": " + OneLine(p.Note));

    public static void Details(PresenceView p, TextWriter output)
    {
        var fields = new FieldList()
            .Add("user", p.Aor)
            .Add("status", $"{p.Status} ({p.Basic})");
        if (!string.IsNullOrEmpty(p.Note))
            fields.Add("note", OneLine(p.Note));
        fields.Add("do not disturb", p.DoNotDisturb is { Active: true } dnd
            ? "on" + (string.IsNullOrEmpty(dnd.Comment) ? string.Empty : ": " + OneLine(dnd.Comment))
            : "off");
        if (p.Activities is { Count: > 0 } activities)
            fields.Add("activities", string.Join(", ", activities));
        fields
            .Add("registrations", p.Registrations is { Count: > 0 } registrations
                ? string.Join("\n", registrations.Select(r => $"{r.Contact} (q={Number(r.Q)}, expires in {r.ExpiresIn} s)"))
                : "none")
            .Add("alternatives", p.AlternativeContacts is { Count: > 0 } alternatives
                ? string.Join("\n", alternatives.Select(a => $"{a.Uri} (q={Number(a.Priority)})"))
                : "none")
            .Add("devices", p.Devices is { Count: > 0 } devices ? string.Join("\n", devices.Select(Device)) : "none")
            .Add("voicemail", p.Voicemail ?? "none")
            .Add("dialogs", p.Dialogs is { Count: > 0 } dialogs
                ? string.Join("\n", dialogs.Select(d => $"{d.Id}: {d.State}"
                    + (d.Direction is null && d.Remote is null ? string.Empty : $" ({string.Join(", ", new[] { d.Direction, d.Remote }.Where(x => x is not null))})")))
                : "none")
            .Add("publications", p.Publications.ToString(CultureInfo.InvariantCulture))
            .Add("watchers", p.Watchers.ToString(CultureInfo.InvariantCulture))
            .WriteTo(output);
    }

    /// <summary>
    /// "sip:alice@192.0.2.1:5060: audio, video, message; no text (mobile, "Softphone") expires in 594 s": what the device
    /// said it can and cannot do; a capability it said nothing about is not listed.
    /// </summary>
    public static string Device(DeviceView d)
    {
        CapabilitiesView? c = d.Capabilities;
        (string Name, bool? Value)[] flags = c is null ? [] :
            [("audio", c.Audio), ("video", c.Video), ("text", c.Text), ("message", c.Message), ("automaton", c.Automata)];
        string can = string.Join(", ", flags.Where(f => f.Value == true).Select(f => f.Name));
        string cannot = string.Join(", ", flags.Where(f => f.Value == false).Select(f => f.Name));
        string said = can.Length == 0 && cannot.Length == 0 ? "no capabilities said" : can + (cannot.Length == 0 ? string.Empty : (can.Length == 0 ? "" : "; ") + "no " + cannot);
        string[] more = new[] { c?.Mobility, c?.Duplex is { } duplex ? duplex + " duplex" : null, c?.Description is { } text ? $"\"{OneLine(text)}\"" : null }
            .Concat(c?.Types ?? []).Where(x => x is not null).Select(x => x!).ToArray();
        return $"{d.Contact}: {said}"
            + (more.Length == 0 ? string.Empty : $" ({string.Join(", ", more)})")
            + (d.ExpiresIn is { } left ? $", expires in {left} s" : string.Empty)
            + (d.DeviceId is { } id ? $" [{id}]" : string.Empty);
    }

    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    // A note may hold newlines (PIDF allows them); a summary stays on one line.
    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
