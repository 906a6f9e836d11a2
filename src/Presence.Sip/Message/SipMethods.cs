namespace Presence.Sip.Message;

/// <summary>Method names (RFC 3261 §7.1 and the extensions a presence server meets).</summary>
public static class SipMethods
{
    public const string Invite = "INVITE";
    public const string Ack = "ACK";
    public const string Cancel = "CANCEL";
    public const string Bye = "BYE";
    public const string Register = "REGISTER";
    public const string Options = "OPTIONS";
    public const string Subscribe = "SUBSCRIBE";
    public const string Notify = "NOTIFY";
    public const string Publish = "PUBLISH";
    public const string Message = "MESSAGE";
    public const string Info = "INFO";
    public const string Prack = "PRACK";
    public const string Update = "UPDATE";
    public const string Refer = "REFER";

    /// <summary>Every method this stack recognises; one not in the list is answered 501 (RFC 3261 §8.2.1).</summary>
    public static IReadOnlyList<string> Known { get; } =
        [Invite, Ack, Cancel, Bye, Register, Options, Subscribe, Notify, Publish, Message, Info, Prack, Update, Refer];

    /// <summary>
    /// The interned string for a known method (method names are case-sensitive, RFC 3261 §7.1), or a new
    /// string for an extension method.
    /// </summary>
    internal static string FromBytes(ReadOnlySpan<byte> method)
    {
        switch (method.Length)
        {
            case 3:
                if (method.SequenceEqual("ACK"u8)) return Ack;
                if (method.SequenceEqual("BYE"u8)) return Bye;
                break;
            case 4:
                if (method.SequenceEqual("INFO"u8)) return Info;
                break;
            case 5:
                if (method.SequenceEqual("PRACK"u8)) return Prack;
                if (method.SequenceEqual("REFER"u8)) return Refer;
                break;
            case 6:
                if (method.SequenceEqual("INVITE"u8)) return Invite;
                if (method.SequenceEqual("CANCEL"u8)) return Cancel;
                if (method.SequenceEqual("NOTIFY"u8)) return Notify;
                if (method.SequenceEqual("UPDATE"u8)) return Update;
                break;
            case 7:
                if (method.SequenceEqual("OPTIONS"u8)) return Options;
                if (method.SequenceEqual("PUBLISH"u8)) return Publish;
                if (method.SequenceEqual("MESSAGE"u8)) return Message;
                break;
            case 8:
                if (method.SequenceEqual("REGISTER"u8)) return Register;
                break;
            case 9:
                if (method.SequenceEqual("SUBSCRIBE"u8)) return Subscribe;
                break;
        }
        return System.Text.Encoding.ASCII.GetString(method);
    }

    public static bool IsKnown(string method) => Known.Contains(method);
}
