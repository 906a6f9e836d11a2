using Presence.Core.Documents;

namespace Presence.Core.Tests.Presentity;

/// <summary>PUBLISH as RFC 3903 §6 says.</summary>
public sealed class PublicationTests
{
    [Fact]
    public void Initial_refresh_modify_and_remove()
    {
        var h = new PresentityHarness();
        h.Register();
        var initial = h.Publish(Pidf.OnThePhone());
        Assert.Equal(200, initial.StatusCode);
        Assert.NotNull(initial.EntityTag);
        Assert.Equal(600, initial.Expires);
        Assert.Equal(ExtendedStatus.Busy, h.Status);

        var refresh = h.Publish(null, ifMatch: initial.EntityTag, expires: 900);
        Assert.Equal(200, refresh.StatusCode);
        Assert.NotEqual(initial.EntityTag, refresh.EntityTag);
        Assert.Equal(ExtendedStatus.Busy, h.Status);

        var modify = h.Publish(Pidf.Basic("open"), ifMatch: refresh.EntityTag);
        Assert.Equal(200, modify.StatusCode);
        Assert.Equal(ExtendedStatus.Available, h.Status);

        var remove = h.Publish(null, ifMatch: modify.EntityTag, expires: 0);
        Assert.Equal(200, remove.StatusCode);
        Assert.Empty(h.User.Publications);
    }

    [Fact]
    public void Unknown_entity_tag_is_412_and_changes_nothing()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.OnThePhone());
        h.Take();
        Assert.Equal(412, h.Publish(null, ifMatch: "nope").StatusCode);
        Assert.Equal(412, h.Publish(Pidf.Basic("open"), ifMatch: "nope").StatusCode);
        Assert.False(h.Take().HasWrites);
        Assert.Equal(ExtendedStatus.Busy, h.Status);
    }

    [Fact]
    public void Malformed_document_is_400_with_a_reason_and_changes_nothing()
    {
        var h = new PresentityHarness();
        h.Register();
        var outcome = h.Publish("<presence><tuple>"u8.ToArray());
        Assert.Equal(400, outcome.StatusCode);
        Assert.StartsWith("Bad Presence Document: ", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(h.User.Publications);
        Assert.False(h.Take().Notifies.Count > 0);
    }

    [Fact]
    public void Unsupported_media_type_is_415_with_accept()
    {
        var h = new PresentityHarness();
        var outcome = h.Publish("hello"u8.ToArray(), contentType: "text/plain");
        Assert.Equal(415, outcome.StatusCode);
        Assert.Contains("application/pidf+xml", outcome.Accept!);
    }

    [Fact]
    public void Initial_publish_needs_a_body_and_a_nonzero_expiry()
    {
        var h = new PresentityHarness();
        Assert.Equal(400, h.Publish(null).StatusCode);
        Assert.Equal(400, h.Publish(Pidf.Basic("open"), expires: 0).StatusCode);
        Assert.Equal(423, h.Publish(Pidf.Basic("open"), expires: 5).StatusCode);
    }

    [Fact]
    public void Several_devices_are_aggregated_and_expiry_removes_one_source_at_once()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.Basic("open"), expires: 600);
        h.Publish(Pidf.Dialog("confirmed"), expires: 120, contentType: Pidf.DialogInfo);
        Assert.Equal(ExtendedStatus.Busy, h.Status);
        h.Subscribe();
        h.Take();
        h.Advance(TimeSpan.FromSeconds(120));
        var changes = h.Take();
        Assert.Equal("available", PresentityHarness.ExtendedOf(Assert.Single(changes.Notifies)));
        Assert.Single(h.User.Publications);
    }
}
