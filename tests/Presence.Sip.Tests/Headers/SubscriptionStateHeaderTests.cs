using Presence.Sip.Headers;

namespace Presence.Sip.Tests.Headers;

/// <summary><see cref="SubscriptionStateHeader"/> (RFC 6665 §8.2.3).</summary>
public sealed class SubscriptionStateHeaderTests
{
    private static SubscriptionStateHeader Parse(string text)
    {
        Assert.True(SubscriptionStateHeader.TryParse(text, out SubscriptionStateHeader? value, out string error), error);
        return value!;
    }

    [Fact]
    public void ActiveWithExpires()
    {
        SubscriptionStateHeader s = Parse("active;expires=3600");

        Assert.Equal("active", s.State);
        Assert.True(s.IsActive);
        Assert.False(s.IsPending);
        Assert.False(s.IsTerminated);
        Assert.Equal(3600, s.Expires);
        Assert.Null(s.Reason);
        Assert.Null(s.RetryAfter);
    }

    [Fact]
    public void TerminatedWithReason()
    {
        SubscriptionStateHeader s = Parse("terminated;reason=timeout");

        Assert.True(s.IsTerminated);
        Assert.False(s.IsActive);
        Assert.Equal("timeout", s.Reason);
        Assert.Null(s.Expires);
    }

    [Fact]
    public void TerminatedWithReasonAndRetryAfter()
    {
        SubscriptionStateHeader s = Parse("terminated;reason=probation;retry-after=120");

        Assert.Equal("probation", s.Reason);
        Assert.Equal(120, s.RetryAfter);
    }

    [Fact]
    public void PendingAndStateCase()
    {
        Assert.True(Parse("pending;expires=600").IsPending);
        Assert.True(Parse("ACTIVE;expires=10").IsActive);
        Assert.True(Parse(" Terminated ").IsTerminated);
    }

    [Fact]
    public void UnknownStateIsKept()
    {
        SubscriptionStateHeader s = Parse("waiting;foo=bar");

        Assert.Equal("waiting", s.State);
        Assert.False(s.IsActive || s.IsPending || s.IsTerminated);
        Assert.Equal("bar", s.Parameters["foo"]);
    }

    [Theory]
    [InlineData("active;expires=abc")]
    [InlineData("active;expires=-1")]
    [InlineData("active;expires=99999999999")]
    [InlineData("active;expires")]
    public void BadExpires_IsNull(string text)
    {
        Assert.Null(Parse(text).Expires);
    }

    [Theory]
    [InlineData("", "missing subscription state")]
    [InlineData(";expires=1", "missing subscription state")]
    [InlineData("active expires=3", "unexpected text in Subscription-State")]
    [InlineData("active;expires=1;expires=2", "duplicate parameter 'expires'")]
    [InlineData("active;expires=\"1", "unterminated quoted value of parameter 'expires'")]
    public void Rejected(string text, string expectedError)
    {
        Assert.False(SubscriptionStateHeader.TryParse(text, out SubscriptionStateHeader? value, out string error));
        Assert.Null(value);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Factories()
    {
        Assert.Equal("active;expires=3600", SubscriptionStateHeader.Active(3600).ToString());
        Assert.Equal("pending;expires=60", SubscriptionStateHeader.Pending(60).ToString());
        Assert.Equal("terminated;reason=noresource", SubscriptionStateHeader.Terminated("noresource").ToString());
        Assert.Equal(3600, SubscriptionStateHeader.Active(3600).Expires);
    }

    [Fact]
    public void ToString_RoundTrips()
    {
        Assert.Equal("terminated;reason=probation;retry-after=120", Parse("terminated;reason=probation;retry-after=120").ToString());
    }
}
