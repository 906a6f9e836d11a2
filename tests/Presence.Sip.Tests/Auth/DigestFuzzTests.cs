using System.Text;
using Presence.Sip.Auth;

namespace Presence.Sip.Tests.Auth;

/// <summary>
/// Seeded random inputs: the parser and the verifier must never throw on header content, and
/// every refusal must come with a reason.
/// </summary>
public sealed class DigestFuzzTests
{
    private const string Realm = "example.com";

    private const string Valid =
        "Digest username=\"alice\", realm=\"example.com\", nonce=\"AAECAwQFBgcICQ\", uri=\"sip:example.com\", " +
        "response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c\\\"n\", opaque=\"o\"";

    // Weighted towards the characters the grammar cares about.
    private static readonly char[] Alphabet =
        "aZ09-._~!%*+`'\"\\=,; \t\r\n\0\u007F\u00e9\u4e2d\ud800\udc00@/:".ToCharArray();

    private static readonly DigestAuthenticator Authenticator = new(
        new DigestNonceIssuer(new byte[32], TimeSpan.FromMinutes(5), new FakeTimeProvider()));

    private static readonly InMemoryDigestCredentialStore Store = new InMemoryDigestCredentialStore().Add("alice", Realm, "pw");

    [Fact]
    public void Random_character_soup_never_throws()
    {
        var random = new Random(7616);
        for (int i = 0; i < 3000; i++)
        {
            int length = random.Next(0, 200);
            var sb = new StringBuilder(length + 7);
            if (random.Next(2) == 0)
            {
                sb.Append("Digest ");
            }

            for (int j = 0; j < length; j++)
            {
                sb.Append(Alphabet[random.Next(Alphabet.Length)]);
            }

            Check(sb.ToString());
        }
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(3261);
        for (int i = 0; i < 3000; i++)
        {
            byte[] bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            Check(Encoding.Latin1.GetString(bytes));
            Check(Encoding.UTF8.GetString(bytes));
            Check("Digest " + Encoding.Latin1.GetString(bytes));
        }
    }

    [Fact]
    public void Mutations_of_a_valid_header_never_throw()
    {
        Assert.True(DigestCredentials.TryParse(Valid, out _, out string error), error);

        var random = new Random(8760);
        for (int i = 0; i < 5000; i++)
        {
            var sb = new StringBuilder(Valid);
            int edits = random.Next(1, 6);
            for (int e = 0; e < edits; e++)
            {
                int at = random.Next(sb.Length + 1);
                char c = Alphabet[random.Next(Alphabet.Length)];
                switch (random.Next(3))
                {
                    case 0: sb.Insert(at, c); break;
                    case 1 when at < sb.Length: sb.Remove(at, 1); break;
                    default: if (at < sb.Length) { sb[at] = c; } break;
                }
            }

            Check(sb.ToString());
        }
    }

    private static void Check(string value)
    {
        bool ok = DigestCredentials.TryParse(value, out DigestCredentials? credentials, out string error);
        Assert.Equal(ok, credentials is not null);
        Assert.Equal(ok, error.Length == 0);
        Assert.True(error.Length < 200, error);

        DigestVerification result = Authenticator.Verify(value, "REGISTER", Realm, Store);
        Assert.False(result.IsAuthenticated);
        Assert.NotNull(result.Reason);
        Assert.NotEmpty(result.Reason);
    }
}
