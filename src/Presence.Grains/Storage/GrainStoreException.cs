namespace Presence.Grains.Storage;

/// <summary>
/// The store failed to read or write a grain (the database refused a connection, a transaction failed). Thrown by
/// <see cref="ItemGrainStorage"/> in place of the database driver's own exception, which Orleans cannot serialize:
/// a grain call from another silo would otherwise end in Orleans' CodecNotFoundException instead of this message.
/// The original exception is logged where it happened (Orleans logs every failed storage call); this carries its
/// type and message only.
/// </summary>
[GenerateSerializer]
public sealed class GrainStoreException : Exception
{
    public GrainStoreException(string message) : base(message)
    {
    }
}
