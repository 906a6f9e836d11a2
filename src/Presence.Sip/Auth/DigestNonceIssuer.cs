using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Presence.Sip.Auth;

/// <summary>
/// Issues and checks stateless Digest nonces: nothing is stored per challenge, so any silo
/// that shares the secret can verify a nonce another one issued, and a flood of unanswered
/// challenges costs no memory.
/// </summary>
/// <remarks>
/// <para>
/// Following the construction RFC 7616 §3.3 suggests (a time-stamp plus a keyed hash over it),
/// a nonce is base64url (no padding, RFC 4648 §5) of:
/// <c>version (1) | issued-at Unix ms, big-endian (8) | random salt (8) | HMAC-SHA256 (32)</c>,
/// where the MAC covers the first 17 bytes followed by the UTF-8 realm. Binding the realm means
/// a nonce obtained in one realm cannot be replayed against another; the salt makes every
/// nonce distinct even within one millisecond, so callers can key nonce-count tracking on it.
/// </para>
/// <para>
/// Statelessness has a cost: within its lifetime a nonce can be reused. Tighter replay
/// protection needs the caller to track (nonce, nc) pairs; RFC 7616 §3.3 leaves that
/// trade-off to the server.
/// </para>
/// </remarks>
public sealed class DigestNonceIssuer
{
    /// <summary>How far in the future an issue time may lie before the nonce is rejected,
    /// to absorb clock differences between silos that share the secret.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(10);

    /// <summary>Shortest secret accepted; 32 bytes (the HMAC-SHA256 output size) is recommended.</summary>
    public const int MinSecretLength = 16;

    // Base64Url.TryDecodeFromChars throws (rather than returning false) when the last character carries
    // non-zero padding bits, which a tampered nonce can do: that is an invalid nonce, not an error.
    private static bool TryDecode(string nonce, Span<byte> raw)
    {
        try
        {
            return Base64Url.TryDecodeFromChars(nonce, raw, out int decoded) && decoded == RawLength;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private const byte FormatVersion = 1;
    private const int HeaderLength = 1 + 8 + 8;
    private const int MacLength = 32;
    private const int RawLength = HeaderLength + MacLength;
    private const int StackBufferSize = 256;

    /// <summary>Length of every nonce string this issuer produces.</summary>
    public static readonly int NonceLength = Base64Url.GetEncodedLength(RawLength);

    // RFC 4648 §5 alphabet. Checked before decoding because Base64Url.TryDecodeFromChars throws
    // FormatException on foreign characters ("Try" only covers the destination size).
    private static readonly SearchValues<char> Base64UrlAlphabet = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly byte[] _secret;
    private readonly TimeProvider _time;
    private readonly long _lifetimeMs;
    private readonly long _skewMs;

    /// <summary>Creates an issuer.</summary>
    /// <param name="secret">HMAC key shared by all servers that must accept each other's nonces;
    /// null for a fresh random 32-byte key (nonces then die with this instance).</param>
    /// <param name="lifetime">How long a nonce stays <see cref="NonceCheck.Valid"/>.</param>
    /// <param name="time">Clock; tests pass a fake one.</param>
    public DigestNonceIssuer(byte[]? secret, TimeSpan lifetime, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        if (secret is not null && secret.Length < MinSecretLength)
        {
            throw new ArgumentException($"Secret must be at least {MinSecretLength} bytes.", nameof(secret));
        }

        // Copy so later changes to the caller's array cannot alter (or reveal) our key.
        _secret = secret is null ? RandomNumberGenerator.GetBytes(32) : (byte[])secret.Clone();
        _time = time;
        Lifetime = lifetime;
        _lifetimeMs = (long)lifetime.TotalMilliseconds;
        _skewMs = (long)MaxClockSkew.TotalMilliseconds;
    }

    /// <summary>How long a nonce stays valid after issue.</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>Creates a fresh nonce for <paramref name="realm"/>.</summary>
    public string Create(string realm)
    {
        ArgumentNullException.ThrowIfNull(realm);

        Span<byte> raw = stackalloc byte[RawLength];
        raw[0] = FormatVersion;
        BinaryPrimitives.WriteInt64BigEndian(raw[1..9], _time.GetUtcNow().ToUnixTimeMilliseconds());
        RandomNumberGenerator.Fill(raw[9..HeaderLength]);
        ComputeMac(raw[..HeaderLength], realm, raw[HeaderLength..]);
        return Base64Url.EncodeToString(raw);
    }

    /// <summary>
    /// Checks a nonce echoed by a client. Never throws on any <paramref name="nonce"/> value.
    /// </summary>
    public NonceCheck Check(string? nonce, string realm)
    {
        ArgumentNullException.ThrowIfNull(realm);
        if (nonce is null || nonce.Length != NonceLength || nonce.AsSpan().ContainsAnyExcept(Base64UrlAlphabet))
        {
            return NonceCheck.Invalid;
        }

        Span<byte> raw = stackalloc byte[RawLength];
        if (!TryDecode(nonce, raw))
        {
            return NonceCheck.Invalid;
        }

        // Base64 decoders may accept non-zero trailing bits, so several strings could map to one nonce.
        // Accept only the canonical spelling, so "same nonce" always means "same string" for
        // callers that track nonces.
        Span<char> canonical = stackalloc char[NonceLength];
        if (!Base64Url.TryEncodeToChars(raw, canonical, out int charsWritten)
            || !canonical[..charsWritten].SequenceEqual(nonce))
        {
            return NonceCheck.Invalid;
        }

        if (raw[0] != FormatVersion)
        {
            return NonceCheck.Invalid;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        ComputeMac(raw[..HeaderLength], realm, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, raw[HeaderLength..]))
        {
            return NonceCheck.Invalid;
        }

        // Only now, with the MAC proven, is the timestamp trustworthy.
        long issuedMs = BinaryPrimitives.ReadInt64BigEndian(raw[1..9]);
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (issuedMs - nowMs > _skewMs)
        {
            return NonceCheck.Invalid;
        }

        return nowMs - issuedMs > _lifetimeMs ? NonceCheck.Stale : NonceCheck.Valid;
    }

    private void ComputeMac(ReadOnlySpan<byte> header, string realm, Span<byte> destination)
    {
        int length = checked(header.Length + Encoding.UTF8.GetByteCount(realm));
        byte[]? rented = null;
        Span<byte> buffer = length <= StackBufferSize
            ? stackalloc byte[StackBufferSize]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            header.CopyTo(buffer);
            int written = header.Length + Encoding.UTF8.GetBytes(realm, buffer[header.Length..]);
            HMACSHA256.HashData(_secret, buffer[..written], destination);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
