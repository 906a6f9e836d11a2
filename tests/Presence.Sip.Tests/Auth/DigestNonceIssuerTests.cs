using Presence.Sip.Auth;

namespace Presence.Sip.Tests.Auth;

public sealed class DigestNonceIssuerTests
{
    private const string Realm = "example.com";
    private static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private readonly FakeTimeProvider _time = new();

    private DigestNonceIssuer NewIssuer(byte[]? secret = null, TimeSpan? lifetime = null) =>
        new(secret ?? Secret, lifetime ?? TimeSpan.FromMinutes(5), _time);

    [Fact]
    public void Fresh_nonce_is_valid_base64url_and_unique()
    {
        DigestNonceIssuer issuer = NewIssuer();
        string a = issuer.Create(Realm);
        string b = issuer.Create(Realm);

        Assert.Equal(NonceCheck.Valid, issuer.Check(a, Realm));
        Assert.NotEqual(a, b); // random salt, even at the same instant
        Assert.Equal(DigestNonceIssuer.NonceLength, a.Length);
        Assert.All(a, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"unexpected '{c}'"));
    }

    [Fact]
    public void Nonce_expires_into_stale_after_its_lifetime()
    {
        DigestNonceIssuer issuer = NewIssuer(lifetime: TimeSpan.FromSeconds(30));
        string nonce = issuer.Create(Realm);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(NonceCheck.Valid, issuer.Check(nonce, Realm));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(NonceCheck.Stale, issuer.Check(nonce, Realm));

        _time.Advance(TimeSpan.FromDays(365));
        Assert.Equal(NonceCheck.Stale, issuer.Check(nonce, Realm));
    }

    [Fact]
    public void Any_single_character_change_is_invalid()
    {
        DigestNonceIssuer issuer = NewIssuer();
        // Many nonces, so that every last character (whose padding bits the decoder is strict about) occurs.
        for (int n = 0; n < 200; n++)
        {
            string nonce = issuer.Create(Realm);
            for (int i = 0; i < nonce.Length; i++)
            {
                foreach (char replacement in "AB_-z9")
                {
                    if (replacement == nonce[i])
                        continue;
                    string tampered = string.Concat(nonce.AsSpan(0, i), replacement.ToString(), nonce.AsSpan(i + 1));
                    Assert.Equal(NonceCheck.Invalid, issuer.Check(tampered, Realm));
                }
            }
        }
    }

    [Fact]
    public void Tampered_timestamp_cannot_revive_a_stale_nonce()
    {
        DigestNonceIssuer issuer = NewIssuer(lifetime: TimeSpan.FromSeconds(1));
        string nonce = issuer.Create(Realm);
        _time.Advance(TimeSpan.FromMinutes(1));

        byte[] raw = System.Buffers.Text.Base64Url.DecodeFromChars(nonce);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(raw.AsSpan(1, 8), _time.GetUtcNow().ToUnixTimeMilliseconds());
        string forged = System.Buffers.Text.Base64Url.EncodeToString(raw);

        Assert.Equal(NonceCheck.Stale, issuer.Check(nonce, Realm));
        Assert.Equal(NonceCheck.Invalid, issuer.Check(forged, Realm));
    }

    [Fact]
    public void Nonce_is_bound_to_its_realm()
    {
        DigestNonceIssuer issuer = NewIssuer();
        string nonce = issuer.Create(Realm);

        Assert.Equal(NonceCheck.Invalid, issuer.Check(nonce, "other.example.com"));
        Assert.Equal(NonceCheck.Invalid, issuer.Check(nonce, "Example.com"));
        Assert.Equal(NonceCheck.Invalid, issuer.Check(nonce, ""));
    }

    [Fact]
    public void Peers_sharing_the_secret_accept_each_other_and_strangers_do_not()
    {
        string nonce = NewIssuer().Create(Realm);

        Assert.Equal(NonceCheck.Valid, NewIssuer((byte[])Secret.Clone()).Check(nonce, Realm));
        Assert.Equal(NonceCheck.Invalid, NewIssuer(new byte[32]).Check(nonce, Realm));
        Assert.Equal(NonceCheck.Invalid, new DigestNonceIssuer(null, TimeSpan.FromMinutes(5), _time).Check(nonce, Realm));
    }

    [Fact]
    public void Random_secret_round_trips_within_one_instance()
    {
        var issuer = new DigestNonceIssuer(null, TimeSpan.FromMinutes(5), _time);
        Assert.Equal(NonceCheck.Valid, issuer.Check(issuer.Create(Realm), Realm));
    }

    [Fact]
    public void Nonce_from_the_future_is_invalid_beyond_the_skew()
    {
        var aheadClock = new FakeTimeProvider(_time.GetUtcNow() + DigestNonceIssuer.MaxClockSkew + TimeSpan.FromSeconds(1));
        var slightlyAhead = new FakeTimeProvider(_time.GetUtcNow() + TimeSpan.FromSeconds(2));
        DigestNonceIssuer checker = NewIssuer();

        string farFuture = new DigestNonceIssuer(Secret, TimeSpan.FromMinutes(5), aheadClock).Create(Realm);
        string nearFuture = new DigestNonceIssuer(Secret, TimeSpan.FromMinutes(5), slightlyAhead).Create(Realm);

        Assert.Equal(NonceCheck.Invalid, checker.Check(farFuture, Realm));
        Assert.Equal(NonceCheck.Valid, checker.Check(nearFuture, Realm));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v")]
    [InlineData("not base64 at all!")]
    public void Garbage_is_invalid(string? nonce) =>
        Assert.Equal(NonceCheck.Invalid, NewIssuer().Check(nonce, Realm));

    [Fact]
    public void Near_miss_encodings_are_invalid()
    {
        DigestNonceIssuer issuer = NewIssuer();
        string nonce = issuer.Create(Realm);

        Assert.Equal(NonceCheck.Invalid, issuer.Check(nonce + "=", Realm));
        Assert.Equal(NonceCheck.Invalid, issuer.Check(nonce[..^1], Realm));
        Assert.Equal(NonceCheck.Invalid, issuer.Check(" " + nonce[1..], Realm));
        Assert.Equal(NonceCheck.Invalid, issuer.Check(nonce[..10] + " " + nonce[11..], Realm));
        Assert.Equal(NonceCheck.Invalid, issuer.Check(new string('A', DigestNonceIssuer.NonceLength), Realm));
        Assert.Equal(NonceCheck.Invalid, issuer.Check(new string('\0', DigestNonceIssuer.NonceLength), Realm));

        // The standard-alphabet spelling of the same bytes is not the nonce we issued.
        string withUrlChars = nonce;
        while (!withUrlChars.Contains('-', StringComparison.Ordinal) && !withUrlChars.Contains('_', StringComparison.Ordinal))
        {
            withUrlChars = issuer.Create(Realm);
        }

        Assert.Equal(NonceCheck.Valid, issuer.Check(withUrlChars, Realm));
        Assert.Equal(NonceCheck.Invalid, issuer.Check(withUrlChars.Replace('-', '+').Replace('_', '/'), Realm));
    }

    [Fact]
    public void Constructor_validates_and_copies_the_secret()
    {
        Assert.Throws<ArgumentException>(() => new DigestNonceIssuer(new byte[15], TimeSpan.FromMinutes(1), _time));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DigestNonceIssuer(Secret, TimeSpan.Zero, _time));
        Assert.Throws<ArgumentNullException>(() => new DigestNonceIssuer(Secret, TimeSpan.FromMinutes(1), null!));

        byte[] secret = (byte[])Secret.Clone();
        var issuer = new DigestNonceIssuer(secret, TimeSpan.FromMinutes(1), _time);
        string nonce = issuer.Create(Realm);
        Array.Clear(secret);
        Assert.Equal(NonceCheck.Valid, issuer.Check(nonce, Realm));
    }

    [Fact]
    public void Long_realms_are_supported()
    {
        DigestNonceIssuer issuer = NewIssuer();
        string realm = new('r', 1000);
        Assert.Equal(NonceCheck.Valid, issuer.Check(issuer.Create(realm), realm));
        Assert.Equal(NonceCheck.Invalid, issuer.Check(issuer.Create(realm), realm + "x"));
    }
}
