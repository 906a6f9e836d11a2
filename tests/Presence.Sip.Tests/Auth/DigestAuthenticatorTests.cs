using Presence.Sip.Auth;

namespace Presence.Sip.Tests.Auth;

public sealed class DigestAuthenticatorTests
{
    private const string Realm = "example.com";
    private const string Uri = "sip:example.com";
    private const string Method = "REGISTER";

    private readonly FakeTimeProvider _time = new();
    private readonly DigestNonceIssuer _nonces;
    private readonly DigestAuthenticator _authenticator;
    private readonly InMemoryDigestCredentialStore _store =
        new InMemoryDigestCredentialStore().Add("alice", Realm, "correct horse").Add("bob", "other.com", "pw");

    public DigestAuthenticatorTests()
    {
        _nonces = new DigestNonceIssuer(new byte[32], TimeSpan.FromMinutes(5), _time);
        _authenticator = new DigestAuthenticator(_nonces);
    }

    [Fact]
    public void Challenges_list_sha256_then_md5_with_one_nonce()
    {
        IReadOnlyList<string> challenges = _authenticator.CreateChallenges(Realm, stale: false);

        Assert.Equal(2, challenges.Count);
        Dictionary<string, string> first = DigestTestClient.ParseChallenge(challenges[0]);
        Dictionary<string, string> second = DigestTestClient.ParseChallenge(challenges[1]);
        Assert.Equal("SHA-256", first["algorithm"]);
        Assert.Equal("MD5", second["algorithm"]);
        Assert.Equal(first["nonce"], second["nonce"]);
        Assert.Equal(Realm, first["realm"]);
        Assert.Equal("auth", first["qop"]);
        Assert.False(first.ContainsKey("stale"));
        Assert.Equal(NonceCheck.Valid, _nonces.Check(first["nonce"], Realm));

        Assert.All(_authenticator.CreateChallenges(Realm, stale: true),
            c => Assert.Equal("true", DigestTestClient.ParseChallenge(c)["stale"]));
        Assert.Equal([DigestAlgorithm.Sha256, DigestAlgorithm.Md5], _authenticator.OfferedAlgorithms);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Correct_password_is_accepted_for_each_offered_algorithm(int challengeIndex)
    {
        string challenge = _authenticator.CreateChallenges(Realm, stale: false)[challengeIndex];
        string header = DigestTestClient.Answer(challenge, "alice", "correct horse", Method, Uri);

        DigestVerification result = _authenticator.Verify(header, Method, Realm, _store);

        Assert.Equal(DigestOutcome.Ok, result.Outcome);
        Assert.True(result.IsAuthenticated);
        Assert.Equal("alice", result.Username);
        Assert.NotNull(result.Credentials);
        Assert.Equal(Uri, result.Credentials.Uri);
    }

    [Fact]
    public void Wrong_password_is_wrong_response()
    {
        DigestVerification result = Verify(Answer("alice", "battery staple"));

        Assert.Equal(DigestOutcome.WrongResponse, result.Outcome);
        Assert.Equal("alice", result.Username);
        Assert.False(result.IsAuthenticated);
    }

    [Fact]
    public void Unknown_user_is_reported_after_the_same_work_as_a_wrong_password()
    {
        DigestVerification result = Verify(Answer("mallory", "whatever"));

        Assert.Equal(DigestOutcome.UnknownUser, result.Outcome);
        Assert.Equal("mallory", result.Username);
        Assert.Equal(1, _store.Ha1Lookups);
    }

    [Fact]
    public void User_of_another_realm_is_unknown_here()
    {
        string header = Answer("bob", "pw");
        Assert.Equal(DigestOutcome.UnknownUser, Verify(header).Outcome);
    }

    [Fact]
    public void Stale_nonce_with_right_password_is_stale()
    {
        string header = Answer("alice", "correct horse");
        _time.Advance(TimeSpan.FromMinutes(6));

        DigestVerification result = Verify(header);

        Assert.Equal(DigestOutcome.StaleNonce, result.Outcome);
        Assert.True(result.IsStale);
        Assert.Equal("alice", result.Username);
    }

    [Fact]
    public void Stale_nonce_with_wrong_password_is_not_reported_as_stale()
    {
        string wrong = Answer("alice", "nope");
        string unknown = Answer("mallory", "nope");
        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(DigestOutcome.WrongResponse, Verify(wrong).Outcome);
        Assert.Equal(DigestOutcome.UnknownUser, Verify(unknown).Outcome);
    }

    [Fact]
    public void Credentials_for_another_realm_are_wrong_realm()
    {
        string challenge = _authenticator.CreateChallenges(Realm, stale: false)[0];
        string header = DigestTestClient.Answer(challenge, "alice", "correct horse", Method, Uri, realmOverride: "evil.com");

        Assert.Equal(DigestOutcome.WrongRealm, Verify(header).Outcome);
        Assert.Equal(DigestOutcome.WrongRealm, _authenticator.Verify(Answer("alice", "correct horse"), Method, "other.com", _store).Outcome);
    }

    [Fact]
    public void Nonce_issued_for_another_realm_is_invalid()
    {
        string foreignChallenge = _authenticator.CreateChallenges("other.com", stale: false)[0];
        string header = DigestTestClient.Answer(
            foreignChallenge, "alice", "correct horse", Method, Uri, realmOverride: Realm);

        Assert.Equal(DigestOutcome.InvalidNonce, Verify(header).Outcome);
    }

    [Fact]
    public void Forged_nonce_is_invalid()
    {
        string ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Sha256, "alice", Realm, "correct horse");
        const string nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
        string response = DigestHash.ComputeResponse(DigestAlgorithm.Sha256, ha1, nonce, "00000001", "c", "auth", Method, Uri);
        string header = DigestTestClient.Build("alice", Realm, nonce, Uri, response, "SHA-256", "auth", "00000001", "c");

        DigestVerification result = Verify(header);
        Assert.Equal(DigestOutcome.InvalidNonce, result.Outcome);
        Assert.Equal(0, _store.Ha1Lookups);

        // Nonces of the right length but outside the base64url alphabet must not trip the decoder.
        foreach (char c in "é =+/\\")
        {
            string odd = header.Replace(nonce, new string(c, DigestNonceIssuer.NonceLength), StringComparison.Ordinal);
            Assert.Equal(DigestOutcome.InvalidNonce, Verify(odd).Outcome);
        }
    }

    [Fact]
    public void Qop_auth_int_is_rejected_with_a_reason()
    {
        string challenge = _authenticator.CreateChallenges(Realm, stale: false)[0];
        string nonce = DigestTestClient.ParseChallenge(challenge)["nonce"];
        string header = DigestTestClient.Build(
            "alice", Realm, nonce, Uri, new string('0', 64), "SHA-256", "auth-int", "00000001", "c");

        DigestVerification result = Verify(header);

        Assert.Equal(DigestOutcome.QopNotAuth, result.Outcome);
        Assert.Contains("auth-int", result.Reason, StringComparison.Ordinal);
        Assert.Equal(DigestOutcome.QopNotAuth, Verify(header.Replace("auth-int", "token", StringComparison.Ordinal)).Outcome);
    }

    [Fact]
    public void Algorithm_not_offered_is_rejected()
    {
        var shaOnly = new DigestAuthenticator(_nonces, [DigestAlgorithm.Sha256]);
        string challenge = shaOnly.CreateChallenges(Realm, stale: false)[0];

        string md5 = DigestTestClient.Answer(challenge, "alice", "correct horse", Method, Uri, algorithmOverride: "MD5");
        string implicitMd5 = md5.Replace(", algorithm=MD5", "", StringComparison.Ordinal);
        string unknown = DigestTestClient.Build("alice", Realm, "n", Uri, "00", "SHA-512-256", "auth", "00000001", "c");

        Assert.Equal(DigestOutcome.UnsupportedAlgorithm, shaOnly.Verify(md5, Method, Realm, _store).Outcome);
        Assert.Equal(DigestOutcome.UnsupportedAlgorithm, shaOnly.Verify(implicitMd5, Method, Realm, _store).Outcome);
        Assert.Equal(DigestOutcome.UnsupportedAlgorithm, shaOnly.Verify(unknown, Method, Realm, _store).Outcome);
        Assert.Equal(DigestOutcome.Ok, shaOnly.Verify(
            DigestTestClient.Answer(challenge, "alice", "correct horse", Method, Uri), Method, Realm, _store).Outcome);

        // The default authenticator offers MD5, and an absent algorithm means MD5.
        Assert.Equal(DigestOutcome.Ok, Verify(implicitMd5).Outcome);
    }

    [Fact]
    public void Rfc2069_form_without_qop_is_accepted_unless_qop_is_required()
    {
        string challenge = _authenticator.CreateChallenges(Realm, stale: false)[0];
        string header = DigestTestClient.Answer(challenge, "alice", "correct horse", Method, Uri, qop: null);

        Assert.Equal(DigestOutcome.Ok, Verify(header).Outcome);

        var strict = new DigestAuthenticator(_nonces) { RequireQop = true };
        Assert.Equal(DigestOutcome.QopNotAuth, strict.Verify(header, Method, Realm, _store).Outcome);
    }

    [Fact]
    public void Response_for_another_method_or_nonce_count_does_not_match()
    {
        string challenge = _authenticator.CreateChallenges(Realm, stale: false)[0];
        string header = DigestTestClient.Answer(challenge, "alice", "correct horse", "INVITE", Uri);

        Assert.Equal(DigestOutcome.WrongResponse, Verify(header).Outcome);
        Assert.Equal(DigestOutcome.Ok, _authenticator.Verify(header, "INVITE", Realm, _store).Outcome);
        Assert.Equal(DigestOutcome.WrongResponse, _authenticator.Verify(
            header.Replace("nc=00000001", "nc=00000002", StringComparison.Ordinal), "INVITE", Realm, _store).Outcome);
    }

    [Fact]
    public void Response_hex_is_compared_case_insensitively()
    {
        string header = Answer("alice", "correct horse");
        DigestCredentials parsed = Parse(header);
        string upper = header.Replace(parsed.Response, parsed.Response.ToUpperInvariant(), StringComparison.Ordinal);

        Assert.NotEqual(header, upper);
        Assert.Equal(DigestOutcome.Ok, Verify(upper).Outcome);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("zz")]
    public void Response_that_is_not_a_digest_is_malformed(string bogus)
    {
        string header = Answer("alice", "correct horse");
        DigestCredentials parsed = Parse(header);
        string wrongLength = header.Replace(parsed.Response, bogus, StringComparison.Ordinal);
        string notHex = header.Replace(parsed.Response, new string('g', parsed.Response.Length), StringComparison.Ordinal);

        Assert.Equal(DigestOutcome.Malformed, Verify(wrongLength).Outcome);
        Assert.Equal(DigestOutcome.Malformed, Verify(notHex).Outcome);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic YWxpY2U6cHc=")]
    [InlineData("Digest username=\"alice\"")]
    public void Unparseable_header_is_malformed(string? header)
    {
        DigestVerification result = _authenticator.Verify(header, Method, Realm, _store);

        Assert.Equal(DigestOutcome.Malformed, result.Outcome);
        Assert.Equal("", result.Username);
        Assert.NotEmpty(result.Reason);
        Assert.Null(result.Credentials);
    }

    [Fact]
    public void Userhash_is_resolved_through_the_store()
    {
        string challenge = _authenticator.CreateChallenges(Realm, stale: false)[0];
        string header = DigestTestClient.Answer(challenge, "alice", "correct horse", Method, Uri, userHash: true);

        DigestVerification result = Verify(header);
        Assert.Equal(DigestOutcome.Ok, result.Outcome);
        Assert.Equal("alice", result.Username);

        var hashless = new HashlessCredentialStore("alice", Realm, "correct horse");
        Assert.Equal(DigestOutcome.UnknownUser, _authenticator.Verify(header, Method, Realm, hashless).Outcome);
        Assert.Equal(DigestOutcome.Ok, _authenticator.Verify(
            DigestTestClient.Answer(challenge, "alice", "correct horse", Method, Uri), Method, Realm, hashless).Outcome);
    }

    [Fact]
    public void Upper_case_stored_ha1_still_verifies_and_broken_ha1_is_a_server_error()
    {
        string ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Sha256, "carol", Realm, "pw").ToUpperInvariant();
        _store.AddHa1("carol", Realm, DigestAlgorithm.Sha256, ha1);
        _store.AddHa1("dave", Realm, DigestAlgorithm.Sha256, "not-a-hash");

        Assert.Equal(DigestOutcome.Ok, Verify(Answer("carol", "pw")).Outcome);
        Assert.Throws<InvalidOperationException>(() => Verify(Answer("dave", "pw")));
    }

    [Fact]
    public void Constructor_rejects_bad_offers()
    {
        Assert.Throws<ArgumentException>(() => new DigestAuthenticator(_nonces, []));
        Assert.Throws<ArgumentException>(() => new DigestAuthenticator(_nonces, [DigestAlgorithm.Md5, DigestAlgorithm.Md5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DigestAuthenticator(_nonces, [(DigestAlgorithm)5]));
        Assert.Throws<ArgumentNullException>(() => new DigestAuthenticator(null!));
    }

    [Fact]
    public void Verify_rejects_missing_server_side_arguments()
    {
        Assert.Throws<ArgumentException>(() => _authenticator.Verify("Digest", "", Realm, _store));
        Assert.Throws<ArgumentNullException>(() => _authenticator.Verify("Digest", Method, null!, _store));
        Assert.Throws<ArgumentNullException>(() => _authenticator.Verify("Digest", Method, Realm, null!));
    }

    private string Answer(string username, string password)
    {
        string challenge = _authenticator.CreateChallenges(Realm, stale: false)[0];
        return DigestTestClient.Answer(challenge, username, password, Method, Uri);
    }

    private DigestVerification Verify(string header) => _authenticator.Verify(header, Method, Realm, _store);

    private static DigestCredentials Parse(string header)
    {
        Assert.True(DigestCredentials.TryParse(header, out DigestCredentials? credentials, out string error), error);
        return credentials;
    }
}
