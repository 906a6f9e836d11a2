using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Presence.Sip.Auth;

/// <summary>
/// The Digest hash computations of RFC 7616 §3.4.1–§3.4.4 (as adopted for SIP by RFC 3261 §22.4
/// and RFC 8760). All strings are hashed as UTF-8, the charset of SIP (RFC 3261 §7) and the one
/// RFC 7616 §4 specifies for Digest. Outputs are lower-case hex.
/// </summary>
/// <remarks>
/// Hashing uses the one-shot static <c>HashData</c> methods over a stack buffer (or a pooled
/// array for unusually long inputs), so no hash object is created per call. Buffers that held
/// password material are wiped before they are released.
/// </remarks>
public static class DigestHash
{
    private const int StackBufferSize = 512;

    /// <summary>Largest digest produced by any supported algorithm (SHA-256).</summary>
    internal const int MaxHashSize = 32;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>
    /// HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2, non-"-sess" algorithms).
    /// This is what a credential store keeps instead of the password.
    /// </summary>
    public static string ComputeHa1(DigestAlgorithm algorithm, string username, string realm, string password)
    {
        ThrowIfUndefined(algorithm);
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(password);

        Span<byte> digest = stackalloc byte[MaxHashSize];
        int length = HashJoined(algorithm, [username, realm, password], default, digest);
        return Convert.ToHexStringLower(digest[..length]);
    }

    /// <summary>
    /// The value a client sends as <c>username</c> when <c>userhash=true</c>:
    /// H(username ":" realm) (RFC 7616 §3.4.4).
    /// </summary>
    public static string ComputeUserHash(DigestAlgorithm algorithm, string username, string realm)
    {
        ThrowIfUndefined(algorithm);
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(realm);

        Span<byte> digest = stackalloc byte[MaxHashSize];
        int length = HashJoined(algorithm, [username, realm], default, digest);
        return Convert.ToHexStringLower(digest[..length]);
    }

    /// <summary>
    /// The request-digest (<c>response</c>).
    /// With <c>qop=auth</c>: KD(HA1, nonce ":" nc ":" cnonce ":" qop ":" HA2) (RFC 7616 §3.4.1);
    /// with no qop, the RFC 2069 form KD(HA1, nonce ":" HA2) that RFC 3261 §22.4 keeps for
    /// backward compatibility. HA2 = H(method ":" digestUri) (RFC 7616 §3.4.3).
    /// </summary>
    /// <param name="algorithm">Hash algorithm; must match the one <paramref name="ha1"/> was made with.</param>
    /// <param name="ha1">HA1 in hex (either case; it is hashed in lower case as RFC 7616 requires).</param>
    /// <param name="nonce">Server nonce, unquoted.</param>
    /// <param name="nc">8-hex-digit nonce count, required with qop.</param>
    /// <param name="cnonce">Client nonce, required with qop.</param>
    /// <param name="qop">"auth", or null for the RFC 2069 form. "auth-int" is not supported.</param>
    /// <param name="method">The SIP method of the request (RFC 3261 §22.4: A2 uses the method).</param>
    /// <param name="digestUri">The <c>uri</c> parameter exactly as the client sent it.</param>
    public static string ComputeResponse(
        DigestAlgorithm algorithm,
        string ha1,
        string nonce,
        string? nc,
        string? cnonce,
        string? qop,
        string method,
        string digestUri)
    {
        Span<byte> digest = stackalloc byte[MaxHashSize];
        int length = ComputeResponseBytes(algorithm, ha1, nonce, nc, cnonce, qop, method, digestUri, digest);
        return Convert.ToHexStringLower(digest[..length]);
    }

    /// <summary>
    /// Raw-byte form of <see cref="ComputeResponse"/>, so the verifier can compare digests
    /// in constant time without formatting hex. Returns the number of bytes written.
    /// </summary>
    internal static int ComputeResponseBytes(
        DigestAlgorithm algorithm,
        string ha1,
        string nonce,
        string? nc,
        string? cnonce,
        string? qop,
        string method,
        string digestUri,
        Span<byte> destination)
    {
        ThrowIfUndefined(algorithm);
        ArgumentNullException.ThrowIfNull(ha1);
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(digestUri);
        if (!IsWellFormedHa1(algorithm, ha1))
        {
            throw new ArgumentException(
                $"HA1 must be {algorithm.GetHexLength()} hex digits for {algorithm.ToToken()}.", nameof(ha1));
        }

        // RFC 7616 §3.4.1 hashes the lower-case hex of HA1; stores that kept upper case still work.
        string ha1Lower = ha1.AsSpan().ContainsAnyInRange('A', 'F') ? ha1.ToLowerInvariant() : ha1;

        Span<byte> ha2 = stackalloc byte[MaxHashSize];
        int ha2Length = HashJoined(algorithm, [method, digestUri], default, ha2);
        Span<char> ha2Hex = stackalloc char[MaxHashSize * 2];
        Convert.TryToHexStringLower(ha2[..ha2Length], ha2Hex, out int ha2HexLength);
        ReadOnlySpan<char> ha2Text = ha2Hex[..ha2HexLength];

        if (qop is null)
        {
            return HashJoined(algorithm, [ha1Lower, nonce], ha2Text, destination);
        }

        if (!qop.Equals("auth", StringComparison.OrdinalIgnoreCase))
        {
            // auth-int would need H(entity-body) in A2 (RFC 7616 §3.4.3); this server never offers it.
            throw new ArgumentException("Only qop=auth is supported.", nameof(qop));
        }

        ArgumentNullException.ThrowIfNull(nc);
        ArgumentNullException.ThrowIfNull(cnonce);
        return HashJoined(algorithm, [ha1Lower, nonce, nc, cnonce, qop], ha2Text, destination);
    }

    /// <summary>True when <paramref name="ha1"/> has the hex length of <paramref name="algorithm"/>'s digest.</summary>
    internal static bool IsWellFormedHa1(DigestAlgorithm algorithm, string ha1) =>
        ha1.Length == algorithm.GetHexLength() && !ha1.AsSpan().ContainsAnyExcept(HexDigits);

    /// <summary>
    /// H(parts[0] ":" parts[1] ... [":" tail]) into <paramref name="destination"/>. The optional
    /// tail lets callers append a stack-held hex string (HA2) without allocating it.
    /// </summary>
    private static int HashJoined(
        DigestAlgorithm algorithm, ReadOnlySpan<string> parts, ReadOnlySpan<char> tail, Span<byte> destination)
    {
        int length = parts.Length - 1 + (tail.IsEmpty ? 0 : 1);
        checked
        {
            foreach (string part in parts)
            {
                length += Encoding.UTF8.GetByteCount(part);
            }

            length += Encoding.UTF8.GetByteCount(tail);
        }

        byte[]? rented = null;
        Span<byte> buffer = length <= StackBufferSize
            ? stackalloc byte[StackBufferSize]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        int written = 0;
        try
        {
            for (int i = 0; i < parts.Length; i++)
            {
                if (i > 0)
                {
                    buffer[written++] = (byte)':';
                }

                written += Encoding.UTF8.GetBytes(parts[i], buffer[written..]);
            }

            if (!tail.IsEmpty)
            {
                buffer[written++] = (byte)':';
                written += Encoding.UTF8.GetBytes(tail, buffer[written..]);
            }

            return algorithm switch
            {
                // MD5 is mandated for interoperability by RFC 3261 §22.4; it is never the preferred offer.
#pragma warning disable CA5351
                DigestAlgorithm.Md5 => MD5.HashData(buffer[..written], destination),
#pragma warning restore CA5351
                DigestAlgorithm.Sha256 => SHA256.HashData(buffer[..written], destination),
                _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
            };
        }
        finally
        {
            // The buffer may have held a password (HA1 input); wipe it before reuse.
            CryptographicOperations.ZeroMemory(buffer[..written]);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void ThrowIfUndefined(DigestAlgorithm algorithm)
    {
        if (!algorithm.IsDefined())
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown digest algorithm");
        }
    }
}
