namespace Presence.Sip.Headers;

/// <summary>CSeq (RFC 3261 §20.16): a sequence number below 2^31 and the method.</summary>
public readonly record struct CSeqHeader(long Number, string Method)
{
    public override string ToString() => $"{Number} {Method}";
}
